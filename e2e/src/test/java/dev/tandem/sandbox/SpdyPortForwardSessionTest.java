package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link SpdyPortForwardSession} answers kubectl, frame by frame, without kubectl. */
class SpdyPortForwardSessionTest {

  /** The server's side of the WebSocket: what the session sent, as kubectl would read it. */
  private static final class RecordingWebSocket implements WebSocket {
    final List<byte[]> sent = new CopyOnWriteArrayList<>();
    volatile String closedWith;

    @Override
    public RecordedRequest request() {
      return null;
    }

    @Override
    public boolean send(String text) {
      throw new AssertionError("kubectl's tunnel reads binary messages only; sent text " + text);
    }

    @Override
    public boolean send(byte[] bytes) {
      sent.add(bytes);
      return true;
    }

    @Override
    public boolean close(int code, String reason) {
      closedWith = code + " " + reason;
      return true;
    }
  }

  private final SpdyFrames kubectl = new SpdyFrames();
  private final RecordingWebSocket webSocket = new RecordingWebSocket();
  private final List<String> received = new CopyOnWriteArrayList<>();
  private int read;

  @AfterEach
  void closeKubectlsSide() {
    kubectl.close();
  }

  @Test
  void aForwardToAPortNobodyListensOnIsRepliedToThenReportedOnItsErrorStreamAndBothStreamsClose() throws Exception {
    int closedPort;
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    var session = new SpdyPortForwardSession("127.0.0.1");
    send(session, stream(1, "error", closedPort));
    // Before the data stream: the refusal comes from a thread of the forward's, whenever it comes.
    send(session, new DefaultSpdyPingFrame(1));
    send(session, stream(3, "data", closedPort));

    await().atMost(Duration.ofSeconds(10)).until(() -> readFromSession().contains("FIN 3"));
    assertThat(received).containsExactly("SYN_REPLY 1 error", "PING 1", "SYN_REPLY 3 data",
        "DATA 1 error forwarding port " + closedPort + " to pod 127.0.0.1: Connection refused", "FIN 1", "FIN 3");
    assertThat(webSocket.closedWith).as("the WebSocket stays open for the next connection").isNull();
    session.onClosed(webSocket, 1000, "kubectl ended");
  }

  @Test
  void aDataStreamWithoutItsErrorStreamClosesTheTunnelSayingWhy() {
    var session = new SpdyPortForwardSession("127.0.0.1");
    send(session, stream(1, "data", 3306));

    assertThat(webSocket.closedWith).isEqualTo("1002 stream 1 has no error stream of request 0 before it");
  }

  private void send(SpdyPortForwardSession session, SpdyFrame frame) {
    session.onMessage(webSocket, kubectl.write(frame));
  }

  private static DefaultSpdySynStreamFrame stream(int id, String type, int port) {
    var frame = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    frame.headers().add("streamtype", type).add("port", String.valueOf(port)).add("requestid", "0");
    return frame;
  }

  /** The frames the session sent since the last call, each as one line, added to {@link #received}. */
  private List<String> readFromSession() {
    for (; read < webSocket.sent.size(); read++) {
      for (SpdyFrame frame : kubectl.read(webSocket.sent.get(read))) {
        received.add(describe(frame));
        ReferenceCountUtil.release(frame);
      }
    }
    return received;
  }

  private static String describe(SpdyFrame frame) {
    if (frame instanceof SpdySynReplyFrame reply) {
      return "SYN_REPLY " + reply.streamId() + " " + reply.headers().getAsString("streamtype");
    } else if (frame instanceof SpdyDataFrame data) {
      return data.content().isReadable() ? "DATA " + data.streamId() + " " + data.content().toString(StandardCharsets.UTF_8)
          : (data.isLast() ? "FIN " : "EMPTY ") + data.streamId();
    } else if (frame instanceof SpdyPingFrame ping) {
      return "PING " + ping.id();
    }
    return frame.toString();
  }
}

package dev.tandem.sandbox;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * kubectl's {@code port-forward} (1.30 and later), as an API server and kubelet serve it together:
 * a WebSocket of subprotocol {@code SPDY/3.1+portforward.k8s.io} whose binary messages carry an
 * SPDY/3.1 connection ({@link SpdyFrames}). For each local connection kubectl opens two streams
 * with the headers {@code streamtype} (error, then data), {@code port} and {@code requestid}; each
 * is answered with a SYN_REPLY, and the data stream is relayed to a {@link PodPortConnection}.
 * When the Pod closes, both streams are closed; when it cannot be reached, the error stream
 * carries the reason, which kubectl prints before it gives up the forward. kubectl's pings are
 * answered; SPDY flow control is not used, as spdystream uses none.
 */
final class SpdyPortForwardSession extends WebSocketListener {

  /** The subprotocol kubectl asks for; the part after the prefix is the portforward protocol it checks. */
  static final String SUBPROTOCOL = "SPDY/3.1+portforward.k8s.io";

  private final String podIp;
  private final SpdyFrames frames = new SpdyFrames();
  /** Error streams by request, until the data stream of that request arrives. */
  private final Map<String, Integer> errorStreams = new ConcurrentHashMap<>();
  /** Open forwards by the id of their data stream. */
  private final Map<Integer, PodPortConnection> forwards = new ConcurrentHashMap<>();
  /** Held from writing a frame until it is sent: the header compression depends on the order. */
  private final Object sending = new Object();
  /** Set, holding {@link #sending}, once the WebSocket is closed: the Pods' late answers go nowhere. */
  private boolean ended;

  SpdyPortForwardSession(String podIp) {
    this.podIp = podIp;
  }

  @Override
  public void onMessage(WebSocket webSocket, byte[] bytes) {
    try {
      for (SpdyFrame frame : frames.read(bytes)) {
        try {
          handle(webSocket, frame);
        } finally {
          ReferenceCountUtil.release(frame);
        }
      }
    } catch (IllegalArgumentException e) {
      webSocket.close(1002, e.getMessage());
      end();
    }
  }

  private void handle(WebSocket webSocket, SpdyFrame frame) {
    if (frame instanceof SpdySynStreamFrame opened) {
      open(webSocket, opened);
    } else if (frame instanceof SpdyDataFrame data) {
      var forward = forwards.get(data.streamId());
      if (forward != null) {
        if (data.content().isReadable()) {
          forward.send(ByteBufUtil.getBytes(data.content()));
        }
        if (data.isLast()) {
          forward.endOfInput();
        }
      }
    } else if (frame instanceof SpdyRstStreamFrame reset) {
      var forward = forwards.remove(reset.streamId());
      if (forward != null) {
        forward.close();
      }
    } else if (frame instanceof SpdyPingFrame ping) {
      send(webSocket, new DefaultSpdyPingFrame(ping.id()));
    }
    // SETTINGS, WINDOW_UPDATE, HEADERS and GOAWAY change nothing here: the WebSocket's close ends the session.
  }

  private void open(WebSocket webSocket, SpdySynStreamFrame opened) {
    int streamId = opened.streamId();
    String type = opened.headers().getAsString("streamtype");
    String request = opened.headers().getAsString("requestid");
    String port = opened.headers().getAsString("port");
    // spdystream reads a header block even when it is empty, which Netty would leave out.
    var reply = new DefaultSpdySynReplyFrame(streamId);
    opened.headers().forEach(header -> reply.headers().add(header.getKey(), header.getValue()));
    send(webSocket, reply);
    if ("error".equals(type)) {
      errorStreams.put(String.valueOf(request), streamId);
      return;
    }
    Integer errorStream = errorStreams.remove(String.valueOf(request));
    int portNumber = port == null || !port.matches("\\d{1,5}") ? -1 : Integer.parseInt(port);
    if (errorStream == null) {
      // A WebSocket's close reason holds 123 bytes: no room for more.
      webSocket.close(1002, "stream " + streamId + " has no error stream of request " + request + " before it");
      end();
      return;
    }
    if (!"data".equals(type) || portNumber < 1 || portNumber > 65535) {
      fail(webSocket, errorStream, streamId, "the sandbox's API server forwards a data stream with a port from 1 to 65535; got streamtype "
          + type + ", port " + port);
      return;
    }
    var forward = new PodPortConnection(podIp, portNumber, new PodPortConnection.Client() {
      @Override
      public void received(byte[] data, int length) {
        send(webSocket, new DefaultSpdyDataFrame(streamId, Unpooled.copiedBuffer(data, 0, length)));
      }

      @Override
      public void ended() {
        forwards.remove(streamId);
        finish(webSocket, streamId);
        finish(webSocket, errorStream);
      }

      @Override
      public void failed(String message) {
        forwards.remove(streamId);
        fail(webSocket, errorStream, streamId, message);
      }
    });
    forwards.put(streamId, forward);
    forward.start();
  }

  /** As a kubelet reports a forward it cannot make: the reason on the error stream, then both streams closed. */
  private void fail(WebSocket webSocket, int errorStream, int dataStream, String message) {
    send(webSocket, new DefaultSpdyDataFrame(errorStream, Unpooled.copiedBuffer(message, StandardCharsets.UTF_8)));
    finish(webSocket, errorStream);
    finish(webSocket, dataStream);
  }

  private void finish(WebSocket webSocket, int streamId) {
    var last = new DefaultSpdyDataFrame(streamId);
    last.setLast(true);
    send(webSocket, last);
  }

  private void send(WebSocket webSocket, SpdyFrame frame) {
    synchronized (sending) {
      if (ended) {
        ReferenceCountUtil.release(frame);
      } else {
        webSocket.send(frames.write(frame));
      }
    }
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    end();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    end();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
    end();
  }

  private void end() {
    synchronized (sending) {
      ended = true;
    }
    forwards.values().forEach(PodPortConnection::close);
    forwards.clear();
    frames.close();
  }
}

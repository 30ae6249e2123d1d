package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SPDY/3.1 framing of kubectl's port-forward, against bytes kubectl 1.32 sent and in both directions. */
class SpdyFramesTest {

  /**
   * The first frame kubectl 1.32 sent for {@code kubectl port-forward pod/echo :46279} once a
   * connection came: a SYN_STREAM of stream 1 whose header block is deflated with the SPDY/3
   * dictionary. kubectl writes each field with a write of its own, each a WebSocket message.
   */
  private static final List<String> KUBECTLS_ERROR_STREAM = List.of("8003", "0001", "00000040", "00000001", "00000000", "00", "00",
      "78f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45a024cc6a6266646ec9c0c0c0590489c74c50fa663400000000ffff");

  @Test
  void kubectlsFirstStreamReadsAsItsErrorStreamWithThePortAndRequest() {
    try (var server = new SpdyFrames()) {
      var frames = new ArrayList<SpdyFrame>();
      KUBECTLS_ERROR_STREAM.forEach(message -> frames.addAll(server.read(HexFormat.of().parseHex(message))));

      assertThat(frames).singleElement().isInstanceOfSatisfying(SpdySynStreamFrame.class, opened -> {
        assertThat(opened.streamId()).isEqualTo(1);
        assertThat(opened.isInvalid()).isFalse();
        assertThat(headers(opened.headers())).isEqualTo(Map.of("streamtype", "error", "port", "46279", "requestid", "0"));
      });
    }
  }

  @Test
  void framesWrittenOnOneSideAreReadOnTheOtherEvenAByteAtATime() {
    try (var client = new SpdyFrames(); var server = new SpdyFrames()) {
      var sent = new ByteArrayOutputStream();
      sent.writeBytes(client.write(synStream(1, "error", "0")));
      // The second header block is deflated in the context the first left: only the same reader can inflate it.
      sent.writeBytes(client.write(synStream(3, "data", "0")));
      var data = new DefaultSpdyDataFrame(3, Unpooled.copiedBuffer("SELECT 1", StandardCharsets.UTF_8));
      data.setLast(true);
      sent.writeBytes(client.write(data));
      sent.writeBytes(client.write(new DefaultSpdyPingFrame(7)));
      sent.writeBytes(client.write(new DefaultSpdyRstStreamFrame(3, SpdyStreamStatus.CANCEL)));

      var read = new ArrayList<SpdyFrame>();
      for (byte b : sent.toByteArray()) {
        read.addAll(server.read(new byte[] {b}));
      }

      assertThat(read).hasSize(5);
      assertThat(read.get(0)).isInstanceOfSatisfying(SpdySynStreamFrame.class, opened -> assertThat(headers(opened.headers()))
          .isEqualTo(Map.of("streamtype", "error", "port", "3306", "requestid", "0")));
      assertThat(read.get(1)).isInstanceOfSatisfying(SpdySynStreamFrame.class, opened -> {
        assertThat(opened.streamId()).isEqualTo(3);
        assertThat(headers(opened.headers())).containsEntry("streamtype", "data");
      });
      assertThat(read.get(2)).isInstanceOfSatisfying(SpdyDataFrame.class, received -> {
        assertThat(received.streamId()).isEqualTo(3);
        assertThat(received.content().toString(StandardCharsets.UTF_8)).isEqualTo("SELECT 1");
        assertThat(received.isLast()).isTrue();
      });
      assertThat(read.get(3)).isInstanceOfSatisfying(SpdyPingFrame.class, ping -> assertThat(ping.id()).isEqualTo(7));
      assertThat(read.get(4)).isInstanceOfSatisfying(SpdyRstStreamFrame.class, reset -> {
        assertThat(reset.streamId()).isEqualTo(3);
        assertThat(reset.status()).isEqualTo(SpdyStreamStatus.CANCEL);
      });
      read.forEach(ReferenceCountUtil::release);
    }
  }

  @Test
  void aReplyCarriesItsHeaderBlockBack() {
    try (var client = new SpdyFrames(); var server = new SpdyFrames()) {
      var reply = new DefaultSpdySynReplyFrame(1);
      reply.headers().add("streamtype", "error");

      assertThat(client.read(server.write(reply))).singleElement().isInstanceOfSatisfying(SpdySynReplyFrame.class, replied -> {
        assertThat(replied.streamId()).isEqualTo(1);
        assertThat(headers(replied.headers())).isEqualTo(Map.of("streamtype", "error"));
      });
    }
  }

  @Test
  void aFrameOfAnotherSpdyVersionIsRefused() {
    try (var server = new SpdyFrames()) {
      assertThatThrownBy(() -> server.read(HexFormat.of().parseHex("80020001" + "0000000a" + "00000001000000000000")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid frame");
    }
  }

  private static DefaultSpdySynStreamFrame synStream(int streamId, String type, String request) {
    var frame = new DefaultSpdySynStreamFrame(streamId, 0, (byte) 0);
    frame.headers().add("streamtype", type).add("port", "3306").add("requestid", request);
    return frame;
  }

  private static Map<String, String> headers(io.netty.handler.codec.spdy.SpdyHeaders headers) {
    var byName = new java.util.HashMap<String, String>();
    headers.iteratorAsString().forEachRemaining(header -> byName.put(header.getKey(), header.getValue()));
    return byName;
  }
}

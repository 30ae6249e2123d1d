package dev.tandem.sandbox;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * SPDY/3.1 frames, as kubectl's port-forward speaks them (github.com/moby/spdystream), to and from
 * the bytes of one connection, by Netty's codec. Header blocks are zlib streams with the SPDY/3
 * dictionary that last as long as the connection, one each way: so one instance serves one
 * connection, and frames must be sent in the order they were written here.
 */
final class SpdyFrames implements AutoCloseable {

  private final EmbeddedChannel codec = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));

  /**
   * The frames these bytes complete, in order; the bytes of a frame not yet complete wait for
   * the rest. Each {@link io.netty.handler.codec.spdy.SpdyDataFrame} must be released.
   *
   * @throws IllegalArgumentException bytes that are no SPDY/3.1 frame
   */
  synchronized List<SpdyFrame> read(byte[] bytes) {
    try {
      codec.writeInbound(Unpooled.wrappedBuffer(bytes));
      codec.checkException();
    } catch (Exception e) {
      // Netty throws its checked SpdyProtocolException undeclared.
      throw new IllegalArgumentException("not an SPDY/3.1 frame: " + e.getMessage(), e);
    }
    var frames = new ArrayList<SpdyFrame>();
    for (Object frame; (frame = codec.readInbound()) != null; ) {
      frames.add((SpdyFrame) frame);
    }
    return frames;
  }

  /** The bytes of {@code frame}, which this releases. */
  synchronized byte[] write(SpdyFrame frame) {
    codec.writeOutbound(frame);
    var bytes = new ByteArrayOutputStream();
    for (Object written; (written = codec.readOutbound()) != null; ) {
      var buffer = (ByteBuf) written;
      try {
        byte[] chunk = new byte[buffer.readableBytes()];
        buffer.readBytes(chunk);
        bytes.writeBytes(chunk);
      } finally {
        ReferenceCountUtil.release(buffer);
      }
    }
    return bytes.toByteArray();
  }

  @Override
  public synchronized void close() {
    codec.finishAndReleaseAll();
  }
}

package dev.tandem.sandbox;

import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One connection through {@code pods/<name>/portforward}, as the kubelet serves it: the
 * {@code v4.channel.k8s.io} framing over a WebSocket (channel 0 data, channel 1 errors, each
 * announced first with the port) relayed to a TCP connection to the Pod's port. A Pod whose
 * port does not answer gets its error on channel 1, as from a real kubelet. The mock server
 * calls {@link #onMessage} on its event loop, which serves every other request too: data from
 * the client is only queued there, and a thread of the session's own writes it to the Pod.
 */
final class PortForwardSession extends WebSocketListener {

  private static final byte DATA = 0;
  private static final byte ERROR = 1;
  private static final int CONNECT_TIMEOUT_MILLIS = 3000;

  private final String podIp;
  private final int port;
  private final Socket socket = new Socket();
  /** Counted down once the Pod's port answered or refused: data from the client waits for it. */
  private final CountDownLatch attempted = new CountDownLatch(1);
  /** Data from the client, in order; an empty chunk ends the writer. */
  private final BlockingQueue<byte[]> toPod = new LinkedBlockingQueue<>();
  private static final byte[] END = new byte[0];

  PortForwardSession(String podIp, int port) {
    this.podIp = podIp;
    this.port = port;
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    byte[] announced = {(byte) (port & 0xff), (byte) (port >> 8)};
    webSocket.send(framed(DATA, announced, announced.length));
    webSocket.send(framed(ERROR, announced, announced.length));
    var relay = new Thread(() -> relay(webSocket), "portforward-" + podIp + ":" + port);
    relay.setDaemon(true);
    relay.start();
    var writer = new Thread(this::writeToPod, "portforward-writer-" + podIp + ":" + port);
    writer.setDaemon(true);
    writer.start();
  }

  private void writeToPod() {
    try {
      if (!attempted.await(CONNECT_TIMEOUT_MILLIS * 2L, TimeUnit.MILLISECONDS) || !socket.isConnected()) {
        return;
      }
      OutputStream out = socket.getOutputStream();
      for (byte[] chunk; (chunk = toPod.take()) != END; ) {
        out.write(chunk);
        out.flush();
      }
    } catch (IOException e) {
      closeSocket();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void relay(WebSocket webSocket) {
    try {
      try {
        socket.connect(new InetSocketAddress(podIp, port), CONNECT_TIMEOUT_MILLIS);
      } finally {
        attempted.countDown();
      }
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[16384];
      for (int read; (read = in.read(buffer)) >= 0; ) {
        webSocket.send(framed(DATA, buffer, read));
      }
      webSocket.close(1000, "connection closed by the Pod");
    } catch (IOException e) {
      byte[] message = ("error forwarding port " + port + " to pod " + podIp + ": " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
      webSocket.send(framed(ERROR, message, message.length));
      webSocket.close(1000, "forwarding failed");
    } finally {
      closeSocket();
    }
  }

  @Override
  public void onMessage(WebSocket webSocket, byte[] bytes) {
    if (bytes.length >= 2 && bytes[0] == DATA) {
      toPod.add(java.util.Arrays.copyOfRange(bytes, 1, bytes.length));
    }
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    closeSocket();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    closeSocket();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
    closeSocket();
  }

  private static byte[] framed(byte channel, byte[] data, int length) {
    byte[] frame = new byte[length + 1];
    frame[0] = channel;
    System.arraycopy(data, 0, frame, 1, length);
    return frame;
  }

  private void closeSocket() {
    toPod.add(END);
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed by the other side.
    }
  }
}

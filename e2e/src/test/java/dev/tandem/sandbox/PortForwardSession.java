package dev.tandem.sandbox;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One connection through {@code pods/<name>/portforward?ports=}, as the kubelet serves Fabric8
 * clients (the operator): the {@code v4.channel.k8s.io} framing over a WebSocket (channel 0 data,
 * channel 1 errors, each announced first with the port) relayed to a {@link PodPortConnection}.
 * A Pod whose port does not answer gets its error on channel 1, as from a real kubelet.
 */
final class PortForwardSession extends WebSocketListener {

  private static final byte DATA = 0;
  private static final byte ERROR = 1;

  private final String podIp;
  private final int port;
  private volatile PodPortConnection connection;

  PortForwardSession(String podIp, int port) {
    this.podIp = podIp;
    this.port = port;
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    byte[] announced = {(byte) (port & 0xff), (byte) (port >> 8)};
    webSocket.send(framed(DATA, announced, announced.length));
    webSocket.send(framed(ERROR, announced, announced.length));
    connection = new PodPortConnection(podIp, port, new PodPortConnection.Client() {
      @Override
      public void received(byte[] data, int length) {
        webSocket.send(framed(DATA, data, length));
      }

      @Override
      public void ended() {
        webSocket.close(1000, "connection closed by the Pod");
      }

      @Override
      public void failed(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        webSocket.send(framed(ERROR, bytes, bytes.length));
        webSocket.close(1000, "forwarding failed");
      }
    });
    connection.start();
  }

  @Override
  public void onMessage(WebSocket webSocket, byte[] bytes) {
    if (bytes.length >= 2 && bytes[0] == DATA) {
      connection.send(Arrays.copyOfRange(bytes, 1, bytes.length));
    }
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    close();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    close();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
    close();
  }

  private void close() {
    var open = connection;
    if (open != null) {
      open.close();
    }
  }

  private static byte[] framed(byte channel, byte[] data, int length) {
    byte[] frame = new byte[length + 1];
    frame[0] = channel;
    System.arraycopy(data, 0, frame, 1, length);
    return frame;
  }
}

package dev.tandem.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The TCP connection a port-forward relays to, as the kubelet dials it: the Pod's IP and port,
 * which the host reaches directly. The mock server hands over the client's data on the event
 * loop that serves every request, where nothing may block: it is only queued there, and threads
 * of the connection's own connect, write it to the Pod and read the Pod's answers.
 */
final class PodPortConnection {

  /** What becomes of the Pod's side; called on the connection's reading thread. */
  interface Client {
    void received(byte[] data, int length);

    /** The Pod closed the connection after everything it sent was {@link #received}. */
    void ended();

    /** The Pod's port did not answer, or the connection broke; the message says which, as a kubelet's does. */
    void failed(String message);
  }

  private static final int CONNECT_TIMEOUT_MILLIS = 3000;
  private static final byte[] END_OF_INPUT = new byte[0];

  private final String podIp;
  private final int port;
  private final Client client;
  private final Socket socket = new Socket();
  /** Counted down once the Pod's port answered or refused: data from the client waits for it. */
  private final CountDownLatch attempted = new CountDownLatch(1);
  private final BlockingQueue<byte[]> toPod = new LinkedBlockingQueue<>();
  /** Set once the client is gone: the broken reads that follow are no failure to report. */
  private volatile boolean closed;

  PodPortConnection(String podIp, int port, Client client) {
    this.podIp = podIp;
    this.port = port;
    this.client = client;
  }

  void start() {
    startDaemon("portforward-" + podIp + ":" + port, this::readFromPod);
    startDaemon("portforward-writer-" + podIp + ":" + port, this::writeToPod);
  }

  /** Queues data from the client, in order. */
  void send(byte[] data) {
    toPod.add(data);
  }

  /** The client sends nothing more: once what it sent is written, the Pod reads end of file, and can still answer. */
  void endOfInput() {
    toPod.add(END_OF_INPUT);
  }

  /** The client is gone: nothing more is written to the Pod or reported from it. */
  void close() {
    closed = true;
    closeSocket();
  }

  private void closeSocket() {
    toPod.add(END_OF_INPUT);
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed by the other side.
    }
  }

  private static void startDaemon(String name, Runnable body) {
    var thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void readFromPod() {
    try {
      try {
        socket.connect(new InetSocketAddress(podIp, port), CONNECT_TIMEOUT_MILLIS);
      } finally {
        attempted.countDown();
      }
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[16384];
      for (int read; (read = in.read(buffer)) >= 0; ) {
        client.received(buffer, read);
      }
      client.ended();
    } catch (IOException e) {
      if (!closed) {
        client.failed("error forwarding port " + port + " to pod " + podIp + ": " + e.getMessage());
      }
    } finally {
      close();
    }
  }

  private void writeToPod() {
    try {
      if (!attempted.await(CONNECT_TIMEOUT_MILLIS * 2L, TimeUnit.MILLISECONDS) || !socket.isConnected()) {
        return;
      }
      OutputStream out = socket.getOutputStream();
      for (byte[] chunk; (chunk = toPod.take()) != END_OF_INPUT; ) {
        out.write(chunk);
        out.flush();
      }
      if (!closed) {
        socket.shutdownOutput();
      }
    } catch (IOException e) {
      // The reading thread sees the broken connection and reports it.
      closeSocket();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.tandem.sandbox;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One {@code kubectl exec} through {@code pods/<name>/exec}, as the kubelet serves it over a
 * WebSocket in the {@code v5.channel.k8s.io} framing (kubectl's; Fabric8's v4 is the same
 * without the close signal): channel 0 carries the client's input to the command, 1 and 2 its
 * output and errors, 3, once it exits, a Status: Success, or NonZeroExitCode with the exit code,
 * which kubectl exits with; a message on channel 255 naming channel 0 is the end of the input. The mock server calls {@link #onMessage} on the event loop that serves every request, so
 * the command starts, and its input is written, on threads of the session's own.
 */
final class ExecSession extends WebSocketListener {

  private static final byte STDIN = 0;
  private static final byte STDOUT = 1;
  private static final byte STDERR = 2;
  private static final byte ERROR = 3;
  private static final byte CLOSE = (byte) 255;
  private static final byte[] END = new byte[0];

  /** Starts the command in the container; its message is the refusal the client sees. */
  interface Command {
    Process start() throws IOException;
  }

  private final Command command;
  private final boolean stdin;
  private final BlockingQueue<byte[]> toCommand = new LinkedBlockingQueue<>();
  private volatile Process process;

  ExecSession(Command command, boolean stdin) {
    this.command = command;
    this.stdin = stdin;
  }

  /** A session that only reports {@code message} as the failure, as a kubelet does for an exec it cannot run. */
  static ExecSession refused(String message) {
    return new ExecSession(() -> {
      throw new IllegalArgumentException(message);
    }, false);
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    var runner = new Thread(() -> run(webSocket), "exec");
    runner.setDaemon(true);
    runner.start();
  }

  private void run(WebSocket webSocket) {
    try {
      process = command.start();
    } catch (IOException | RuntimeException e) {
      send(webSocket, ERROR, failure(e.getMessage(), null));
      webSocket.close(1000, "exec failed");
      return;
    }
    try {
      if (stdin) {
        startDaemon("exec-stdin", this::writeInput);
      } else {
        process.getOutputStream().close();
      }
      var errors = startDaemon("exec-stderr", () -> relay(process.getErrorStream(), webSocket, STDERR));
      relay(process.getInputStream(), webSocket, STDOUT);
      errors.join();
      int exit = process.waitFor();
      send(webSocket, ERROR, exit == 0 ? "{\"metadata\":{},\"status\":\"Success\"}" : failure(
          "command terminated with non-zero exit code: exit status " + exit, exit));
      webSocket.close(1000, "command exited");
    } catch (IOException e) {
      webSocket.close(1011, "exec failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread startDaemon(String name, Runnable body) {
    var thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private void writeInput() {
    try (OutputStream in = process.getOutputStream()) {
      for (byte[] chunk; (chunk = toCommand.take()) != END; ) {
        in.write(chunk);
        in.flush();
      }
    } catch (IOException e) {
      // The command exited or closed its input: what the client sends no longer goes anywhere.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void relay(InputStream from, WebSocket webSocket, byte channel) {
    byte[] buffer = new byte[16384];
    try {
      for (int read; (read = from.read(buffer)) >= 0; ) {
        byte[] frame = new byte[read + 1];
        frame[0] = channel;
        System.arraycopy(buffer, 0, frame, 1, read);
        webSocket.send(frame);
      }
    } catch (IOException e) {
      // The command was killed: its exit status tells the client.
    }
  }

  @Override
  public void onMessage(WebSocket webSocket, byte[] bytes) {
    if (bytes.length >= 2 && bytes[0] == STDIN) {
      toCommand.add(Arrays.copyOfRange(bytes, 1, bytes.length));
    } else if (bytes.length == 2 && bytes[0] == CLOSE && bytes[1] == STDIN) {
      toCommand.add(END);
    }
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    stop();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    stop();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
    stop();
  }

  /** The client went away: nothing would read the command's output, and it must not outlive the Pod's teardown. */
  private void stop() {
    toCommand.add(END);
    var running = process;
    if (running != null && running.isAlive()) {
      running.descendants().forEach(ProcessHandle::destroyForcibly);
      running.destroyForcibly();
    }
  }

  private static void send(WebSocket webSocket, byte channel, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    byte[] frame = new byte[bytes.length + 1];
    frame[0] = channel;
    System.arraycopy(bytes, 0, frame, 1, bytes.length);
    webSocket.send(frame);
  }

  /** The Status a kubelet reports; with an exit code, kubectl exits with it. */
  private static String failure(String message, Integer exitCode) {
    var status = ScenarioMain.JSON.createObjectNode().put("status", "Failure").put("message", message);
    status.putObject("metadata");
    if (exitCode != null) {
      status.put("reason", "NonZeroExitCode");
      status.putObject("details").putArray("causes").addObject().put("reason", "ExitCode").put("message", exitCode.toString());
    } else {
      status.put("reason", "InternalError");
    }
    return status.toString();
  }
}

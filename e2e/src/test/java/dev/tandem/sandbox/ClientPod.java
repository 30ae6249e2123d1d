package dev.tandem.sandbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import dev.tandem.testing.Commands;
import java.time.Duration;

/**
 * An application Pod: {@link WriterApp} as a process in a network namespace of its own, so a
 * partition can cut the clients off too. It records every acknowledged id with the time it was
 * acknowledged.
 */
public final class ClientPod implements AutoCloseable {

  /** The application Pods' network names start with it; network faults can target them. */
  static final String POD = "clients-writer";

  private final Sandbox sandbox;
  private final String pod;
  private final Process process;
  private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
  /** When each failed write or connect failed (System.nanoTime). */
  private final List<Long> errors = Collections.synchronizedList(new ArrayList<>());

  /**
   * One acknowledged write: when the application sent it and when its commit returned
   * (System.nanoTime in the application's process, the same clock as this one's), its id, the
   * instance that committed it.
   */
  public record Ack(long sentNanos, long nanos, long id, String address) {}

  private ClientPod(Sandbox sandbox, String pod, Process process) {
    this.sandbox = sandbox;
    this.pod = pod;
    this.process = process;
    var reader = new Thread(this::readAcknowledgements, "sandbox-client-" + pod);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a writer of {@code table} through {@code service}, with ids from {@code firstId}. */
  public static ClientPod writer(Sandbox sandbox, String namespace, String service, String user, String password, String table,
      long firstId) throws IOException {
    return writer(sandbox, POD, namespace, service, user, password, table, firstId);
  }

  /** The same, as an application Pod of the given name (several writers run at once). */
  public static ClientPod writer(Sandbox sandbox, String pod, String namespace, String service, String user, String password,
      String table, long firstId) throws IOException {
    return start(sandbox, pod, namespace, service, user, password, table, Long.toString(firstId));
  }

  /**
   * A writer started ahead and waiting for {@link #go}: a JVM takes seconds to start on these
   * machines, which a scenario then spends while its cluster starts instead of after.
   */
  public static ClientPod standby(Sandbox sandbox, String namespace, String service, String user, String password, String table)
      throws IOException {
    return start(sandbox, POD, namespace, service, user, password, table, WriterApp.STANDBY);
  }

  /** A standby writer's first write, with ids from {@code firstId}. */
  public ClientPod go(long firstId) throws IOException {
    var input = process.getOutputStream();
    input.write(("go " + firstId + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    input.flush();
    return this;
  }

  private static ClientPod start(Sandbox sandbox, String pod, String namespace, String service, String user, String password,
      String table, String firstId) throws IOException {
    sandbox.network().attach(pod);
    var kubeconfig = sandbox.api().writeKubeconfig(sandbox.root().resolve(pod + "-kubeconfig"));
    var command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), WriterApp.class.getName(), namespace, service, user, table, firstId));
    var builder = new ProcessBuilder(sandbox.network().inPod(pod, command)).redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("APP_PASSWORD", password);
    return new ClientPod(sandbox, pod, builder.start());
  }

  private void readAcknowledgements() {
    try (var lines = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
      String line;
      while ((line = lines.readLine()) != null) {
        var fields = line.split(" ");
        try {
          if (line.startsWith("ack ")) {
            acks.add(new Ack(Long.parseLong(fields[3]), Long.parseLong(fields[4]), Long.parseLong(fields[1]), fields[2]));
          } else if (line.startsWith("error ")) {
            errors.add(Long.parseLong(fields[1]));
          }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException unexpected) {
          // A line of another shape must not end the reading: every later acknowledgement would be lost to the test.
          System.err.println("sandbox client " + pod + ": unreadable line '" + line + "'");
        }
      }
    } catch (IOException stopped) {
      // The process ended.
    }
  }

  public String pod() {
    return pod;
  }

  public int acknowledgedCount() {
    return acks.size();
  }

  /** Every acknowledgement so far, in the order they arrived. */
  public List<Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  /** Writes or connects that failed at or after this System.nanoTime. */
  public int failedSince(long nanos) {
    synchronized (errors) {
      return (int) errors.stream().filter(at -> at >= nanos).count();
    }
  }

  /** Acknowledgements at or after this System.nanoTime. */
  public int acknowledgedSince(long nanos) {
    return (int) acks().stream().filter(ack -> ack.nanos() >= nanos).count();
  }

  @Override
  public void close() {
    Commands.stop(process, Duration.ofSeconds(10));
    sandbox.network().detach(pod);
  }
}

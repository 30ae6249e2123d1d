package dev.tandem.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.tandem.testing.Commands;
import java.time.Duration;

/**
 * The operator as it runs in a cluster: its packaged Quarkus application as a separate process,
 * in a Pod network of its own, configured by a kubeconfig for the sandbox's API server. It can
 * be killed with SIGKILL mid-action and cut off like any Pod.
 */
public final class OperatorProcess implements AutoCloseable {

  static final Path APPLICATION = Path.of("target/quarkus-app/quarkus-run.jar");
  /** The operator's image as the sandbox's kubelet knows it: {@link #APPLICATION}'s directory at /deployments. */
  static final String IMAGE = "tandem/tandem-operator:sandbox";
  static final String POD = "tandem-system-operator";

  private final Sandbox sandbox;
  private final Path kubeconfig;
  private final Path log;
  private Process process;
  private String instanceAccess = "pod-ip";

  private OperatorProcess(Sandbox sandbox) {
    this.sandbox = sandbox;
    this.kubeconfig = sandbox.api().writeKubeconfig(sandbox.root().resolve("operator-kubeconfig"));
    this.log = sandbox.root().resolve("operator.log");
  }

  /** Starts the packaged operator; it must have been built ({@code ./mvnw package}). */
  public static OperatorProcess start(Sandbox sandbox) throws IOException {
    if (!Files.isRegularFile(APPLICATION)) {
      throw new IllegalStateException(APPLICATION + " is missing: build the operator first (./mvnw package -DskipTests)");
    }
    var operator = new OperatorProcess(sandbox);
    sandbox.network().attach(POD);
    operator.launch();
    return operator;
  }

  private void launch() throws IOException {
    var command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-jar", APPLICATION.toAbsolutePath().toString()));
    var builder = new ProcessBuilder(sandbox.network().inPod(POD, command)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("TANDEM_LEADER_ELECTION_LEASE_NAMESPACE", "tandem-system");
    builder.environment().put("TANDEM_OPERATOR_IMAGE", IMAGE);
    builder.environment().put("QUARKUS_HTTP_HOST", "0.0.0.0");
    // The operator's Pod network routes to every Pod IP, as in a cluster; port-forward goes
    // through the sandbox's API server instead, as from a laptop.
    builder.environment().put("TANDEM_INSTANCE_ACCESS", instanceAccess);
    process = builder.start();
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  public Path log() {
    return log;
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL, as a node failure or an OOM kill would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Restarts the operator when it reaches instances another way ({@code pod-ip} or {@code port-forward}). */
  public void useInstanceAccess(String access) throws IOException, InterruptedException {
    if (access.equals(instanceAccess)) {
      return;
    }
    instanceAccess = access;
    long logged = Files.size(log);
    restart();
    // The operator states how it reaches instances as it starts: proof it took the setting.
    String expected = "instances are reached by " + (access.equals("pod-ip") ? "Pod IP" : "port-forward");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.readString(log).substring((int) logged).contains(expected)) {
      if (System.nanoTime() > deadline || !isAlive()) {
        throw new IllegalStateException("the operator restarted with TANDEM_INSTANCE_ACCESS=" + access + " never logged '" + expected + "'");
      }
      Thread.sleep(200);
    }
  }

  public void restart() throws IOException, InterruptedException {
    if (isAlive()) {
      kill();
    }
    launch();
  }

  @Override
  public void close() {
    if (process != null) {
      Commands.stop(process, Duration.ofSeconds(20));
    }
    sandbox.network().detach(POD);
  }
}

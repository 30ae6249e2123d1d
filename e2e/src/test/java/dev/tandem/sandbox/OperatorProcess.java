package dev.tandem.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import dev.tandem.testing.Commands;
import java.time.Duration;

/**
 * The operator as it runs in a cluster: its packaged Quarkus application as a separate process,
 * in a Pod network of its own, installed as the Helm chart installs it ({@link OperatorChart}):
 * it authenticates as the chart's ServiceAccount, with a token in its kubeconfig, may do only what
 * the chart's roles grant, and has the chart's environment. It can be killed with SIGKILL
 * mid-action and cut off like any Pod.
 */
public final class OperatorProcess implements AutoCloseable {

  static final Path APPLICATION = Path.of("target/quarkus-app/quarkus-run.jar");
  /** The operator's image as the sandbox's kubelet knows it: {@link #APPLICATION}'s directory at /deployments. */
  static final String IMAGE = "tandem/tandem-operator:sandbox";
  static final String POD = "tandem-system-operator";

  private final Sandbox sandbox;
  private final Path kubeconfig;
  private final Path log;
  private OperatorChart chart;
  /** Every grant of every chart installed so far: a grant of an earlier install must be used too. */
  private final Set<RbacAuthorizer.Grant> grantedSoFar = new LinkedHashSet<>();
  private Process process;
  /**
   * The operator Pod's name, which the kubelet gives its container as HOSTNAME and the operator
   * takes as its identity in the Lease. A container restarted in its Pod ({@link #restart()})
   * keeps it, and takes its Lease back at once; a helm upgrade rolls out a new Pod, whose new
   * name waits out the old one's Lease.
   */
  private String podName;
  private int podsRolledOut;

  private OperatorProcess(Sandbox sandbox, OperatorChart chart) {
    this.sandbox = sandbox;
    this.chart = chart;
    grantedSoFar.addAll(chart.grants());
    this.podName = nextPodName();
    // The namespaces a helm install expects: its own (--create-namespace) and those it binds roles in.
    sandbox.api().createNamespace(chart.namespace());
    chart.watchNamespaces().forEach(sandbox.api()::createNamespace);
    sandbox.api().install(chart.accessControl());
    String token = sandbox.api().serviceAccountToken(chart.namespace(), chart.serviceAccount().getMetadata().getName());
    this.kubeconfig = sandbox.api().writeKubeconfig(sandbox.root().resolve("operator-kubeconfig"), token);
    this.log = sandbox.root().resolve("operator.log");
  }

  /** Starts the packaged operator installed with the chart's defaults: it watches every namespace. */
  public static OperatorProcess start(Sandbox sandbox) throws IOException {
    return start(sandbox, List.of());
  }

  /**
   * Starts the packaged operator, installed with the chart's {@code watchNamespaces} (empty: every
   * namespace), creating those namespaces. It must have been built ({@code ./mvnw package}).
   */
  public static OperatorProcess start(Sandbox sandbox, List<String> watchNamespaces) throws IOException {
    if (!Files.isRegularFile(APPLICATION)) {
      throw new IllegalStateException(APPLICATION + " is missing: build the operator first (./mvnw package -DskipTests)");
    }
    var operator = new OperatorProcess(sandbox, OperatorChart.render(watchNamespaces, "pod-ip"));
    sandbox.network().attach(POD);
    operator.launch();
    return operator;
  }

  private void launch() throws IOException {
    var command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-jar", APPLICATION.toAbsolutePath().toString()));
    var builder = new ProcessBuilder(sandbox.network().inPod(POD, command)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(chart.environment());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("QUARKUS_HTTP_HOST", "0.0.0.0");
    builder.environment().put("HOSTNAME", podName);
    process = builder.start();
  }

  /** The user the operator authenticates as: the chart's ServiceAccount. */
  RbacAuthorizer.User user() {
    return chart.user();
  }

  /** The chart as the operator runs installed now. */
  OperatorChart chart() {
    return chart;
  }

  /** The grants of every chart this operator ran installed with, e.g. port-forward's before pod-ip's again. */
  Set<RbacAuthorizer.Grant> grantedSoFar() {
    return Set.copyOf(grantedSoFar);
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

  /**
   * Reinstalls the operator with the chart's {@code instanceAccess} set to {@code access}
   * ({@code pod-ip} or {@code port-forward}), as {@code helm upgrade} would, and restarts it.
   */
  public void useInstanceAccess(String access) throws IOException, InterruptedException {
    if (access.equals(chart.instanceAccess())) {
      return;
    }
    chart = OperatorChart.render(chart.watchNamespaces(), access);
    grantedSoFar.addAll(chart.grants());
    sandbox.api().install(chart.accessControl());
    long logged = Files.size(log);
    podName = nextPodName();
    restart();
    // The operator states how it reaches instances as it starts: proof it took the setting.
    String expected = "instances are reached by " + (access.equals("pod-ip") ? "Pod IP" : "port-forward");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.readString(log).substring((int) logged).contains(expected)) {
      if (System.nanoTime() > deadline || !isAlive()) {
        throw new IllegalStateException("the operator restarted with instanceAccess " + access + " never logged '" + expected + "'");
      }
      Thread.sleep(200);
    }
  }

  private String nextPodName() {
    return chart.namespace() + "-operator-" + ++podsRolledOut;
  }

  /** A container restart in the same Pod: after a {@link #kill()}, or killing it first. */
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

package dev.tandem.sandbox;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.testing.Commands;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code make demo}: the sandbox, the packaged operator in its own Pod network, a 3-instance
 * MariaDB cluster applied through the API server, the topology as the operator and the servers
 * see it, and a crashed mysqld restarted by the kubelet. It says plainly what the operator does
 * not do yet.
 */
public final class Demo {

  static final String NS = "demo";
  static final String CLUSTER = """
      apiVersion: mysql.tandem.dev/v1alpha1
      kind: MySQLCluster
      metadata: {name: shop, namespace: demo}
      spec:
        instances: 3
        engine: {flavor: MariaDB, version: "10.11"}
        mysqld: {innodb_buffer_pool_size: 32M}
      """;

  private final Sandbox sandbox;

  private Demo(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  public static void main(String[] args) {
    int exitStatus = 0;
    try {
      demo(args);
    } catch (Exception e) {
      System.err.println("demo failed: " + e);
      e.printStackTrace();
      exitStatus = 1;
    }
    // The mock API server's Vert.x event loops are not daemons and outlive its destroy().
    System.exit(exitStatus);
  }

  private static void demo(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : "target/sandbox-demo").toAbsolutePath();
    Commands.run("rm", "-rf", root.toString());
    long started = System.nanoTime();
    say("Starting the sandbox: API server, StatefulSet controller, kubelet, Pod network 10.244.0.0/24");
    try (var sandbox = Sandbox.start(root, Kubelet.DEFAULT_BACKOFF)) {
      sandbox.api().createNamespace("tandem-system");
      sandbox.api().createNamespace(NS);
      Path kubeconfig = sandbox.api().writeKubeconfig(root.resolve("kubeconfig"));
      try (var operator = OperatorProcess.start(sandbox)) {
        say("Operator started as its own process (log: " + operator.log() + ")");
        say("Watch along in another terminal:  kubectl --kubeconfig " + kubeconfig + " get myc,pods -n " + NS + " -w");
        new Demo(sandbox).run(operator, started);
      }
    }
    say("Sandbox stopped; nothing left behind.");
  }

  private void run(OperatorProcess operator, long started) throws Exception {
    var client = sandbox.api().client();
    client.resource(Serialization.unmarshal(CLUSTER, MySQLCluster.class)).create();
    say("Applied MySQLCluster demo/shop: MariaDB 10.11, MasterReplica, 3 instances");
    long applied = System.nanoTime();
    await(Duration.ofMinutes(3), () -> readyPods().size() == 3, "3 ready Pods");
    say(String.format("3 Pods ready %.1f s after apply", (System.nanoTime() - applied) / 1e9));
    printTopology();

    say("Crash: kill -9 of mysqld in shop-0");
    var victim = sandbox.kubelet().runtime(NS, "shop-0").process().orElseThrow();
    long killed = System.nanoTime();
    victim.destroyForcibly();
    await(Duration.ofSeconds(20), () -> !ready("shop-0"), "shop-0 to be reported not ready");
    await(Duration.ofMinutes(2), () -> ready("shop-0"), "shop-0 to be ready again");
    say(String.format("shop-0 restarted by the kubelet (backoff %d s) and ready again %.1f s after the kill; restarts: %d",
        Kubelet.DEFAULT_BACKOFF.toSeconds(), (System.nanoTime() - killed) / 1e9, restarts("shop-0")));
    printTopology();

    var status = client.resources(MySQLCluster.class).inNamespace(NS).withName("shop").get().getStatus();
    var readyCondition = status.getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    say("Cluster status: phase " + status.getPhase() + ", ready " + status.getReady() + readyCondition
        .map(c -> ", Ready=" + c.getStatus() + " (" + c.getReason() + ": " + c.getMessage() + ")").orElse(""));
    say("Not yet: the operator does not drive replication until the failover control loop lands (open issue), so no instance");
    say("is master, the writer Service selects no Pod, and no failover can happen. The replication engine that will do it");
    say("is in src/main/java/dev/tandem/replication and is proven on real mariadbd by `make test` (docs/replication.md).");
    System.out.printf("%nsummary: 3 mariadbd Pods up in %.1f s; mysqld crash restarted in place; failover: none (no control loop yet);"
        + " writes: not attempted (no master); operator %s%n", (System.nanoTime() - started) / 1e9,
        operator.isAlive() ? "running" : "not running");
  }

  private List<Pod> readyPods() {
    return sandbox.api().client().pods().inNamespace(NS).list().getItems().stream().filter(Readiness::isPodReady).toList();
  }

  private boolean ready(String pod) {
    return Optional.ofNullable(sandbox.api().client().pods().inNamespace(NS).withName(pod).get()).map(Readiness::isPodReady).orElse(false);
  }

  private int restarts(String pod) {
    return sandbox.api().client().pods().inNamespace(NS).withName(pod).get().getStatus().getContainerStatuses().get(0).getRestartCount();
  }

  private void printTopology() {
    var secret = sandbox.api().client().secrets().inNamespace(NS).withName("shop-credentials").get();
    String password = new String(Base64.getDecoder().decode(secret.getData().get(CredentialsSecret.OPERATOR_PASSWORD)), StandardCharsets.UTF_8);
    System.out.printf("%n  %-8s %-12s %-6s %-9s %-10s %-10s %s%n", "POD", "IP", "READY", "RESTARTS", "SERVER_ID", "READ_ONLY", "ROLE");
    var pods = sandbox.api().client().pods().inNamespace(NS).list().getItems().stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
    for (var pod : pods) {
      String ip = pod.getStatus().getPodIP();
      String serverId = "-";
      String readOnly = "-";
      try (var connection = DriverManager.getConnection("jdbc:mysql://" + ip + ":3306/?connectTimeout=1000", "tandem", password);
          var result = connection.createStatement().executeQuery("SELECT @@server_id, @@read_only")) {
        result.next();
        serverId = result.getString(1);
        readOnly = "1".equals(result.getString(2)) ? "ON" : "OFF";
      } catch (Exception e) {
        readOnly = "unreachable";
      }
      String role = Optional.ofNullable(pod.getMetadata().getLabels().get("mysql.tandem.dev/role")).orElse("(none)");
      System.out.printf("  %-8s %-12s %-6s %-9d %-10s %-10s %s%n", pod.getMetadata().getName(), ip, Readiness.isPodReady(pod),
          pod.getStatus().getContainerStatuses().get(0).getRestartCount(), serverId, readOnly, role);
    }
    System.out.println();
  }

  private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(200);
    }
  }

  private static void say(String line) {
    System.out.println("==> " + line);
  }
}

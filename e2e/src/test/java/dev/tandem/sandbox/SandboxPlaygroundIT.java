package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.Commands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code make sandbox} as a reader uses it: {@link Playground} started as its own process, real
 * kubectl pointed at it by the {@code export KUBECONFIG=} line it prints, the README's tour in
 * short (the MariaDB example applied and Ready, Pods listed, described and logged, a row written
 * with kubectl exec, the master's Pod deleted and the master moving, the row read on the new
 * master through kubectl port-forward with the host's mariadb client), then SIGTERM,
 * after which none of its mariadbd processes, its operator, its Pod networks or its bridge is
 * left. After {@code package}: it runs the packaged operator.
 */
class SandboxPlaygroundIT {

  private static final Duration STARTED = Duration.ofSeconds(120);
  private static final Duration READY = Duration.ofSeconds(120);
  private static final Duration FAILED_OVER = Duration.ofSeconds(60);
  private static final Duration STOPPED = Duration.ofSeconds(90);

  private record Result(int exit, String output) {}

  private Path kubeconfig;
  private final StringBuffer playgroundOutput = new StringBuffer();

  @Test
  void kubectlDrivesAFailoverInThePlaygroundAndStoppingItLeavesNothingRunning() throws Exception {
    Sandbox.assumeRoot();
    assertThat(Commands.onPath("kubectl")).as("kubectl on PATH (make deps installs Debian's kubernetes-client)").isTrue();
    Path root = Path.of("target/sandbox-playground").toAbsolutePath();
    var playground = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
        Playground.class.getName(), root.toString()).redirectErrorStream(true).start();
    var exported = new CompletableFuture<Path>();
    var reader = new Thread(() -> readOutput(playground, exported), "playground-output");
    reader.setDaemon(true);
    reader.start();
    List<ProcessHandle> mariadbds;
    List<ProcessHandle> operators;
    try {
      kubeconfig = exported.get(STARTED.toSeconds(), TimeUnit.SECONDS);
      tour();
    } finally {
      mariadbds = playground.descendants().filter(process -> process.info().command().orElse("").endsWith("mariadbd")).toList();
      operators = playground.descendants().filter(process -> process.info().arguments().map(List::of).orElse(List.of()).stream()
          .anyMatch(argument -> argument.endsWith("quarkus-run.jar"))).toList();
      // SIGTERM; Process.destroy() would also close the pipe that reports the teardown.
      playground.toHandle().destroy();
      if (!playground.waitFor(STOPPED.toSeconds(), TimeUnit.SECONDS)) {
        playground.destroyForcibly();
      }
      // Its last lines may still be in the pipe.
      reader.join(TimeUnit.SECONDS.toMillis(10));
      System.out.println("playground output:\n" + playgroundOutput);
    }
    assertThat(playground.exitValue()).as("the playground's exit status after SIGTERM (143: 128 + SIGTERM, once its teardown ran)")
        .isEqualTo(143);
    assertThat(playgroundOutput).as("the playground's output").contains("Stopped; nothing of the sandbox is left running");
    assertThat(mariadbds).as("mariadbd processes of the playground before it stopped").hasSize(3);
    assertThat(operators).as("operator processes of the playground before it stopped").hasSize(1);
    assertThat(Stream.concat(mariadbds.stream(), operators.stream()).filter(ProcessHandle::isAlive).map(ProcessHandle::pid))
        .as("of those, still running after it stopped").isEmpty();
    assertThat(Commands.run("ip", "netns", "list").lines().filter(name -> name.startsWith(PodNetwork.PREFIX + "-")))
        .as("Pod network namespaces left").isEmpty();
    assertThat(Commands.tryRun("ip", "link", "show", PodNetwork.BRIDGE)).as("the bridge " + PodNetwork.BRIDGE + " left").isEmpty();
  }

  private void tour() throws Exception {
    var mysql = kubectl("apply", "-f", "manifests/examples/mysql-master-replica.yaml");
    assertThat(mysql.exit()).as(mysql.output()).isNotZero();
    assertThat(mysql.output()).contains("this sandbox runs MariaDB only");

    assertThat(kubectl("apply", "-f", "manifests/examples/mariadb-master-replica.yaml").output())
        .contains("mysqlcluster.mysql.tandem.dev/catalog created");
    String master = await(READY, "the cluster catalog to be Ready with a master",
        () -> kubectl("get", "myc", "catalog", "-o", "jsonpath={.status.phase} {.status.master}").output(),
        phaseAndMaster -> phaseAndMaster.matches("Ready catalog-\\d")).split(" ")[1];

    var pods = kubectl("get", "pods").output();
    assertThat(pods.lines().filter(line -> line.matches("catalog-\\d\\s+1/1\\s+Running\\s.*"))).as(pods).hasSize(3);
    assertThat(kubectl("describe", "pod", master).output()).contains("Status:").contains("Running").contains("IP:");
    assertThat(kubectl("logs", master).output()).contains("ready for connections");

    // Both at once: each kubectl costs a process start.
    var passwords = Stream.of(kubectl("get", "secret", "catalog-credentials", "-o", "jsonpath={.data.root-password} {.data.admin-password}")
        .output().strip().split(" ")).map(encoded -> new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)).toList();
    String password = passwords.get(0);
    sql(master, password, "CREATE DATABASE tour; CREATE TABLE tour.notes (id INT PRIMARY KEY, note TEXT);"
        + " INSERT INTO tour.notes VALUES (1, 'written before the failover')");

    assertThat(kubectl("delete", "pod", master).output()).contains("pod \"" + master + "\" deleted");
    String newMaster = await(FAILED_OVER, "the master to move from " + master,
        () -> kubectl("get", "myc", "catalog", "-o", "jsonpath={.status.phase} {.status.master}").output(),
        phaseAndMaster -> phaseAndMaster.matches("Ready catalog-\\d") && !phaseAndMaster.endsWith(master)).split(" ")[1];
    assertThat(sqlThroughPortForward(newMaster, passwords.get(1), "SELECT note FROM tour.notes WHERE id = 1"))
        .contains("written before the failover");
  }

  /**
   * SQL through {@code kubectl port-forward}, as tandem_admin (root answers on the Pod's socket
   * only) with the host's mariadb client: the README's way to reach a Pod's mysqld from outside.
   */
  private String sqlThroughPortForward(String pod, String adminPassword, String statements) throws Exception {
    var builder = new ProcessBuilder("kubectl", "port-forward", "pod/" + pod, ":3306").redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    var forward = builder.start();
    try {
      var printed = new BufferedReader(new InputStreamReader(forward.getInputStream(), StandardCharsets.UTF_8));
      String first = CompletableFuture.supplyAsync(() -> {
        try {
          return printed.readLine();
        } catch (IOException e) {
          return "unreadable: " + e;
        }
      }).get(30, TimeUnit.SECONDS);
      var local = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 3306").matcher(String.valueOf(first));
      assertThat(local.find()).as("kubectl port-forward printed: " + first).isTrue();
      var result = run(List.of("mariadb", "--no-defaults", "-h127.0.0.1", "-P" + local.group(1), "-utandem_admin", "-p" + adminPassword,
          "-N", "-e", statements));
      assertThat(result.exit()).as("mariadb through kubectl port-forward to " + pod + ": " + result.output()).isZero();
      return result.output();
    } finally {
      forward.destroy();
      forward.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SQL as root through kubectl exec; the password is in the command, which no message here shows. */
  private String sql(String pod, String password, String statements) throws Exception {
    var result = run(List.of("kubectl", "exec", pod, "--", "mariadb", "-uroot", "-p" + password, "-N", "-e", statements));
    assertThat(result.exit()).as("kubectl exec " + pod + " -- mariadb: " + result.output()).isZero();
    return result.output();
  }

  private Result kubectl(String... arguments) throws Exception {
    var command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(arguments));
    return run(command);
  }

  private Result run(List<String> command) throws Exception {
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    var process = builder.start();
    var output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "unreadable: " + e;
      }
    });
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command.get(0) + " " + command.get(1) + " took over 30 s");
    }
    return new Result(process.exitValue(), output.get(10, TimeUnit.SECONDS));
  }

  private static String await(Duration timeout, String what, CheckedSupplier value, Predicate<String> done) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = value.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what + "; last seen: " + last);
      }
      Thread.sleep(500);
      last = value.get();
    }
    return last;
  }

  private interface CheckedSupplier {
    String get() throws Exception;
  }

  private void readOutput(Process playground, CompletableFuture<Path> exported) {
    try (var lines = new BufferedReader(new InputStreamReader(playground.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        playgroundOutput.append(line).append('\n');
        if (line.startsWith(Playground.EXPORT)) {
          exported.complete(Path.of(line.substring(Playground.EXPORT.length())));
        }
      }
      exported.completeExceptionally(new AssertionError("the playground exited before printing " + Playground.EXPORT + ":\n" + playgroundOutput));
    } catch (IOException e) {
      exported.completeExceptionally(e);
    }
  }
}

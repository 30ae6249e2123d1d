package dev.tandem.plugin;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code kubectl tandem}: what people do by hand with Tandem's clusters, against the current kube
 * context (KUBECONFIG), in one command each. Run as {@code kubectl-tandem} (make install-plugin),
 * which starts the operator's jar with {@code plugin} first; it never starts the operator.
 */
@Command(name = "kubectl tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0", scope = ScopeType.INHERIT,
    description = "Tandem's MySQL and MariaDB clusters: topology, switchover, re-seeding, backups, restores, a SQL shell, history.",
    subcommands = {StatusCommand.class, SwitchoverCommand.class, ReseedCommand.class, BackupCommand.class, RestoreCommand.class,
        SqlCommand.class, HistoryCommand.class})
public final class TandemPlugin implements Runnable {

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, description = "The namespace; the kube context's by default.")
  String namespace;

  final KubernetesClient client;
  final PrintWriter out;
  /** How often a command that waits looks again. */
  final Duration poll;

  TandemPlugin(KubernetesClient client, PrintWriter out, Duration poll) {
    this.client = client;
    this.out = out;
    this.poll = poll;
  }

  String namespace() {
    return Optional.ofNullable(namespace).or(() -> Optional.ofNullable(client.getNamespace())).orElse("default");
  }

  @Override
  public void run() {
    new CommandLine(this).usage(out);
  }

  /** Runs one command line; its exit status. */
  public static int run(KubernetesClient client, PrintWriter out, PrintWriter err, String... args) {
    var line = new CommandLine(new TandemPlugin(client, out, Duration.ofMillis(250)));
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler((e, command, parsed) -> {
      err.println("error: " + e.getMessage() + (e.getCause() == null || e instanceof Refused ? "" : ": " + e.getCause().getMessage()));
      return 1;
    });
    int status = line.execute(args);
    out.flush();
    err.flush();
    return status;
  }

  /** Held: a logger's level is forgotten once nothing references it. */
  private static final java.util.logging.Logger VERSION_WARNINGS =
      java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils");

  public static int main(String... args) {
    // "The client is using resource type ... with unstable version v1alpha1" is for the operator's log, not a user's terminal.
    VERSION_WARNINGS.setLevel(java.util.logging.Level.OFF);
    try (var client = new KubernetesClientBuilder().build()) {
      return run(client, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }
  }

  /** A failure the user can act on: printed as it is, exit status 1. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }
}

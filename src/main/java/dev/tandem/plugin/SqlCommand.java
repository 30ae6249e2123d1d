package dev.tandem.plugin;

import dev.tandem.kubernetes.ClusterCertificates;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import dev.tandem.tls.ServingCertificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "sql", description = "A SQL client on an instance, through a port-forward, as the cluster's administrator"
    + " (" + StatefulSetDependent.ADMIN_USER + ": data privileges and CREATE USER; root only answers on the Pod's own socket)."
    + " The password comes from the credentials Secret and is never printed. Needs a local mariadb or mysql client.")
final class SqlCommand implements Runnable {

  @ParentCommand TandemPlugin plugin;

  @Parameters(paramLabel = "POD") String pod;

  @Option(names = {"-e", "--execute"}, paramLabel = "STATEMENT", description = "Run this and print the result instead of a shell.")
  String statement;

  private Path authoritiesFile(String namespace, dev.tandem.api.MySQLCluster cluster) throws IOException {
    String name = ClusterCertificates.servingSecret(cluster);
    var secret = Optional.ofNullable(plugin.client.secrets().inNamespace(namespace).withName(name).get())
        .orElseThrow(() -> new TandemPlugin.Refused("no TLS Secret " + name));
    Path file = Files.createTempFile("tandem-ca", ".crt");
    file.toFile().deleteOnExit();
    Files.writeString(file, CredentialsSecret.value(secret, ServingCertificate.AUTHORITIES)
        .orElseThrow(() -> new TandemPlugin.Refused("the TLS Secret " + name + " has no " + ServingCertificate.AUTHORITIES)));
    return file;
  }

  @Override
  public void run() {
    String namespace = plugin.namespace();
    var target = Optional.ofNullable(plugin.client.pods().inNamespace(namespace).withName(pod).get())
        .orElseThrow(() -> new TandemPlugin.Refused("no Pod " + pod + " in namespace " + namespace));
    String clusterName = Optional.ofNullable(target.getMetadata().getLabels()).map(l -> l.get(ClusterLabels.INSTANCE))
        .orElseThrow(() -> new TandemPlugin.Refused(pod + " is not an instance of a MySQLCluster"));
    var cluster = Clusters.get(plugin.client, namespace, clusterName);
    var secret = Optional.ofNullable(plugin.client.secrets().inNamespace(namespace).withName(ClusterNames.credentialsSecret(cluster)).get())
        .orElseThrow(() -> new TandemPlugin.Refused("no credentials Secret " + ClusterNames.credentialsSecret(cluster)));
    String password = CredentialsSecret.value(secret, CredentialsSecret.ADMIN_PASSWORD).orElseThrow(() -> new TandemPlugin.Refused(
        "the credentials Secret of " + clusterName + " has no " + CredentialsSecret.ADMIN_PASSWORD + ": the cluster has no administrator"));
    String client = clientProgram().orElseThrow(() -> new TandemPlugin.Refused("no mariadb or mysql client on PATH"));
    try (var forward = plugin.client.pods().inNamespace(namespace).withName(pod).portForward(MyCnf.PORT)) {
      // --no-defaults: a password in the user's ~/.my.cnf would otherwise win over MYSQL_PWD.
      var command = new ArrayList<>(List.of(client, "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", Integer.toString(forward.getLocalPort()),
          "-u", StatefulSetDependent.ADMIN_USER));
      if (cluster.getSpec().getTls().isEnabled()) {
        // Verified with the cluster's CA (both clients take --ssl-ca as "TLS, verify the chain"); not by name: it is a forward.
        command.add("--ssl-ca=" + authoritiesFile(namespace, cluster));
      }
      if (statement != null) {
        command.addAll(List.of("-e", statement));
      }
      var builder = new ProcessBuilder(command);
      // The password travels in the client's environment: never on a command line a `ps` shows.
      builder.environment().put("MYSQL_PWD", password);
      if (statement == null) {
        builder.inheritIO();
        System.exit(builder.start().waitFor());
      }
      var process = builder.redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      plugin.out.print(output);
      if (process.waitFor() != 0) {
        throw new TandemPlugin.Refused(client + " exited with " + process.exitValue());
      }
    } catch (IOException e) {
      throw new TandemPlugin.Refused("port-forward to " + pod + " or the client failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TandemPlugin.Refused("interrupted");
    }
  }

  private static Optional<String> clientProgram() {
    return Stream.of(System.getenv("PATH").split(":")).flatMap(dir -> Stream.of(Path.of(dir, "mariadb"), Path.of(dir, "mysql")))
        .filter(Files::isExecutable).map(Path::toString).findFirst();
  }
}

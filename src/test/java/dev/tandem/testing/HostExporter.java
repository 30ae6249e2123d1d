package dev.tandem.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.kubernetes.StatefulSetDependent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The exporter sidecar run on this machine: Debian's mysqld_exporter is 0.14, which knows neither
 * --mysqld.address nor --mysqld.username nor MYSQLD_EXPORTER_PASSWORD (0.15 added them and dropped
 * DATA_SOURCE_NAME), and the sidecar is given what the upstream image needs. So those two flags and
 * the password become the DATA_SOURCE_NAME 0.14 reads, and so does the TLS flag, which 0.14 applies
 * to a .my.cnf only; every other argument is passed unchanged.
 */
public final class HostExporter {

  public static final String BINARY = "/usr/bin/prometheus-mysqld-exporter";
  private static final String ADDRESS = "--mysqld.address=";
  private static final String USERNAME = "--mysqld.username=";
  private static final String PASSWORD = "MYSQLD_EXPORTER_PASSWORD";
  private static final String TLS = StatefulSetDependent.EXPORTER_TLS_FLAG;

  private HostExporter() {}

  /** An image of upstream's exporter, whatever its registry and tag. */
  public static boolean isExporterImage(String image) {
    String repository = image.replaceFirst("[:@].*$", "");
    return repository.endsWith("prom/mysqld-exporter") || repository.endsWith("prometheus/mysqld-exporter");
  }

  /** The command for the container's arguments: the host's binary with what 0.14 accepts. */
  public static List<String> command(List<String> args) {
    assertThat(java.nio.file.Files.isExecutable(java.nio.file.Path.of(BINARY))).as(BINARY + " is missing: run 'make deps' (apt-get install -y prometheus-mysqld-exporter)")
        .isTrue();
    var command = new ArrayList<>(List.of(BINARY));
    args.stream().filter(arg -> !arg.startsWith(ADDRESS) && !arg.startsWith(USERNAME) && !arg.equals(TLS))
        .forEach(command::add);
    return command;
  }

  /** The container's environment plus the DATA_SOURCE_NAME its flags and password make. */
  public static Map<String, String> environment(List<String> args, Map<String, String> environment) {
    String address = flag(args, ADDRESS, "localhost:3306");
    String user = flag(args, USERNAME, "");
    var withSource = new java.util.HashMap<>(environment);
    withSource.put("DATA_SOURCE_NAME", user + ":" + environment.getOrDefault(PASSWORD, "") + "@tcp(" + address + ")/"
        + (args.contains(TLS) ? "?tls=skip-verify" : ""));
    return withSource;
  }

  private static String flag(List<String> args, String prefix, String otherwise) {
    return args.stream().filter(arg -> arg.startsWith(prefix)).map(arg -> arg.substring(prefix.length())).reduce((a, b) -> b)
        .orElse(otherwise);
  }
}

package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** my.cnf and the container scripts. */
public class ConfigMapDependent extends DesiredObjectDependent<ConfigMap> {

  public static final String MY_CNF = "my.cnf";
  public static final String INIT_SCRIPT = "init.sh";
  public static final String PROBE_SCRIPT = "probe.sh";
  public static final String BACKUP_SCRIPT = "backup.sh";
  public static final String SEED_SCRIPT = "seed.sh";
  private static final String INIT = resource(INIT_SCRIPT);
  private static final String PROBE = resource(PROBE_SCRIPT);
  private static final String BACKUP = resource(BACKUP_SCRIPT);
  private static final String SEED = resource(SEED_SCRIPT);

  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap build(MySQLCluster cluster) {
    return desiredFor(cluster);
  }

  public static ConfigMap desiredFor(MySQLCluster cluster) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(ClusterNames.configMap(cluster))
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(ClusterLabels.common(cluster))
        .endMetadata()
        .withData(data(cluster))
        .build();
  }

  static Map<String, String> data(MySQLCluster cluster) {
    return data(cluster, cluster.getSpec().getMysqld());
  }

  /** The data with {@code userSettings} in place of spec.mysqld. */
  static Map<String, String> data(MySQLCluster cluster, Map<String, String> userSettings) {
    var data = new LinkedHashMap<String, String>();
    data.put(MY_CNF, MyCnf.render(cluster.getSpec(), userSettings));
    data.put(INIT_SCRIPT, INIT);
    data.put(PROBE_SCRIPT, PROBE);
    data.put(BACKUP_SCRIPT, BACKUP);
    data.put(SEED_SCRIPT, SEED);
    return data;
  }

  private static String resource(String name) {
    try (InputStream in = ConfigMapDependent.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the operator's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

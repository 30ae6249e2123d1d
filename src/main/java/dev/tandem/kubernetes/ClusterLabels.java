package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels Tandem puts on what it owns and the selectors that find them again. */
public final class ClusterLabels {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String VERSION = "app.kubernetes.io/version";

  /** Moved by the failover control loop; the writer Service selects role=master. */
  public static final String ROLE = "mysql.tandem.dev/role";

  /** DualMaster: set on each healthy master; the masters Service selects it. */
  public static final String WRITABLE = "mysql.tandem.dev/writable";

  public static final String ROLE_MASTER = "master";
  public static final String ROLE_REPLICA = "replica";
  public static final String ROLE_OFFLINE = "offline";
  public static final String ROLE_ERRANT = "errant";
  public static final String MANAGER = "tandem";
  /** Selects every object Tandem manages, for the operator's informers. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGER;

  private ClusterLabels() {}

  /** Labels on every object of the cluster. */
  public static Map<String, String> common(MySQLCluster cluster) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME, "mysql");
    labels.put(INSTANCE, cluster.getMetadata().getName());
    labels.put(COMPONENT, "database");
    labels.put(PART_OF, "tandem");
    labels.put(MANAGED_BY, MANAGER);
    return labels;
  }

  /** The stable subset that selects the cluster's Pods; never changes after creation. */
  public static Map<String, String> podSelector(MySQLCluster cluster) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME, "mysql");
    labels.put(INSTANCE, cluster.getMetadata().getName());
    labels.put(MANAGED_BY, MANAGER);
    return labels;
  }

  public static Map<String, String> withRole(MySQLCluster cluster, String role) {
    var labels = podSelector(cluster);
    labels.put(ROLE, role);
    return labels;
  }

  /** The controller reference of an object the cluster owns: it goes when the cluster is deleted. */
  public static io.fabric8.kubernetes.api.model.OwnerReference controllerReference(MySQLCluster cluster) {
    return new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withApiVersion(cluster.getApiVersion())
        .withKind(cluster.getKind())
        .withName(cluster.getMetadata().getName())
        .withUid(cluster.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}

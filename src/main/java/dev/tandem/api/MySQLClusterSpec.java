package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@ValidationRule(
    value = "self.topology == oldSelf.topology",
    message = "topology cannot change on an existing cluster: create a new cluster with the"
        + " other topology and restore a backup into it")
// Transition rules sit here, not on the nested objects: a rule on engine or storage would not
// run when the user adds or removes the whole object, and a default would change unseen.
@ValidationRule(
    value = "(has(self.engine) ? self.engine.flavor : 'MySQL')"
        + " == (has(oldSelf.engine) ? oldSelf.engine.flavor : 'MySQL')",
    message = "engine.flavor cannot change on an existing cluster: restore a backup into a new"
        + " cluster of the other flavor instead")
@ValidationRule(
    value = "(has(self.storage) ? self.storage.size : '10Gi')"
        + " == (has(oldSelf.storage) ? oldSelf.storage.size : '10Gi')",
    message = "storage.size cannot change on an existing cluster: a StatefulSet's volume claim"
        + " templates are immutable. Expand each PVC directly if its StorageClass allows it")
@ValidationRule(
    value = "(has(self.storage) && has(self.storage.storageClassName)"
        + " ? self.storage.storageClassName : '')"
        + " == (has(oldSelf.storage) && has(oldSelf.storage.storageClassName)"
        + " ? oldSelf.storage.storageClassName : '')",
    message = "storage.storageClassName cannot change on an existing cluster")
// A data directory upgraded to a newer release series cannot be read by an older one.
@ValidationRule(
    value = MySQLClusterSpec.SERIES_NEW + " >= " + MySQLClusterSpec.SERIES_OLD,
    message = "engine.version cannot go back to an older release series (e.g. 8.4 to 8.0, 11.4 to 10.11):"
        + " the data directories were upgraded and an older server cannot read them. Restore a backup taken"
        + " before the upgrade into a new cluster instead")
@ValidationRule(
    value = "self.topology != 'DualMaster' || self.instances >= 2",
    message = "DualMaster needs instances >= 2: instances 0 and 1 are the two masters")
@ValidationRule(
    value = "(has(self.credentials) && has(self.credentials.secretName)"
        + " ? self.credentials.secretName : '')"
        + " == (has(oldSelf.credentials) && has(oldSelf.credentials.secretName)"
        + " ? oldSelf.credentials.secretName : '')",
    message = "credentials.secretName cannot change on an existing cluster: the passwords live"
        + " in the data directories; change them inside the Secret instead")
@ValidationRule(
    value = "has(self.bootstrap) == has(oldSelf.bootstrap)"
        + " && (!has(self.bootstrap) || (self.bootstrap.from.backup == oldSelf.bootstrap.from.backup"
        + " && has(self.bootstrap.from.pointInTime) == has(oldSelf.bootstrap.from.pointInTime)"
        + " && (!has(self.bootstrap.from.pointInTime) || self.bootstrap.from.pointInTime == oldSelf.bootstrap.from.pointInTime)))",
    message = "spec.bootstrap is read when a cluster is created and cannot be added or changed later:"
        + " a restore never overwrites a running cluster. Restore into a new MySQLCluster instead")
@ValidationRule(
    value = "!has(self.master) || !has(self.offline) || !(self.master in self.offline)",
    message = "spec.master cannot also be listed in spec.offline")
public class MySQLClusterSpec {

  /** The release series of the effective engine.version as one number: 8.4 is 8004, 10.11 is 10011. */
  private static final String VERSION_NEW = "(has(self.engine) && has(self.engine.version) ? self.engine.version"
      + " : ((has(self.engine) && has(self.engine.flavor) ? self.engine.flavor : 'MySQL') == 'MySQL' ? '8.4' : '10.11'))";
  private static final String VERSION_OLD = "(has(oldSelf.engine) && has(oldSelf.engine.version) ? oldSelf.engine.version"
      + " : ((has(oldSelf.engine) && has(oldSelf.engine.flavor) ? oldSelf.engine.flavor : 'MySQL') == 'MySQL' ? '8.4' : '10.11'))";
  static final String SERIES_NEW = "(int(" + VERSION_NEW + ".split('.')[0]) * 1000 + int(" + VERSION_NEW + ".split('.')[1]))";
  static final String SERIES_OLD = "(int(" + VERSION_OLD + ".split('.')[0]) * 1000 + int(" + VERSION_OLD + ".split('.')[1]))";

  public static final int MAX_INSTANCES = 16;

  @JsonPropertyDescription("MasterReplica (default) or DualMaster. Cannot change later.")
  @Default("MasterReplica")
  private Topology topology = Topology.MasterReplica;

  @JsonPropertyDescription(
      "Number of mysqld instances, named <name>-0, <name>-1, ... MasterReplica needs 1 or more,"
          + " DualMaster 2 or more (the two masters plus read replicas).")
  @Default("3")
  @Min(1)
  @Max(MAX_INSTANCES)
  private int instances = 3;

  @JsonPropertyDescription("The database server: flavor, version and image.")
  private EngineSpec engine = new EngineSpec();

  @JsonPropertyDescription(
      "The instance you want as master (a wish). Changing it triggers a planned switchover;"
          + " status.master says where the writer Service points now.")
  @Size(max = 63)
  private String master;

  @JsonPropertyDescription("Replication mode.")
  private ReplicationSpec replication = new ReplicationSpec();

  @JsonPropertyDescription("Failure detection and automatic failover.")
  private FailoverSpec failover = new FailoverSpec();

  @JsonPropertyDescription(
      "Instances taken out of service for maintenance or backups: out of every Service and"
          + " never a failover candidate. They catch up when removed from this list.")
  @Size(max = MAX_INSTANCES)
  @ValidationRule(
      value = "self.all(x, self.exists_one(y, y == x))",
      message = "spec.offline lists an instance more than once")
  private List<@Size(max = 63) String> offline = new ArrayList<>();

  @JsonPropertyDescription("Persistent storage of each instance.")
  private StorageSpec storage = new StorageSpec();

  @JsonPropertyDescription("CPU and memory of the mysqld container.")
  private ResourceRequirements resources;

  @JsonPropertyDescription(
      "Extra [mysqld] settings, e.g. max_connections: \"500\". Settings Tandem owns"
          + " (replication, GTIDs, durability, read_only, networking) are refused.")
  @Size(max = 64)
  @ValidationRule(
      value = "self.all(k, !(k in " + OwnedMysqldSettings.CEL_LIST + "))",
      messageExpression = "'spec.mysqld.' + self.filter(k, k in " + OwnedMysqldSettings.CEL_LIST
          + ")[0] + ' is set by Tandem and cannot be overridden (replication, GTID, durability,"
          + " read-only and network settings are owned by the operator)'")
  private Map<String, String> mysqld = new LinkedHashMap<>();

  @JsonPropertyDescription("Where the database passwords come from.")
  private CredentialsSpec credentials = new CredentialsSpec();

  @JsonPropertyDescription("The writer and reader Services.")
  private ServiceSpec service = new ServiceSpec();

  @JsonPropertyDescription("Placement and metadata of the database Pods.")
  private PodSpec pod = new PodSpec();

  @JsonPropertyDescription("Where a new cluster's data comes from; set at creation only.")
  private BootstrapSpec bootstrap;

  @JsonPropertyDescription("TLS for clients, replication and the operator's own connections.")
  private TlsSpec tls = new TlsSpec();

  public TlsSpec getTls() {
    return tls;
  }

  public void setTls(TlsSpec tls) {
    this.tls = tls;
  }

  @JsonPropertyDescription("Metrics the instances' Pods serve for Prometheus.")
  private MonitoringSpec monitoring = new MonitoringSpec();

  public MonitoringSpec getMonitoring() {
    return monitoring;
  }

  public void setMonitoring(MonitoringSpec monitoring) {
    this.monitoring = monitoring;
  }

  public BootstrapSpec getBootstrap() {
    return bootstrap;
  }

  public void setBootstrap(BootstrapSpec bootstrap) {
    this.bootstrap = bootstrap;
  }

  public Topology getTopology() {
    return topology;
  }

  public void setTopology(Topology topology) {
    this.topology = topology;
  }

  public int getInstances() {
    return instances;
  }

  public void setInstances(int instances) {
    this.instances = instances;
  }

  public EngineSpec getEngine() {
    return engine;
  }

  public void setEngine(EngineSpec engine) {
    this.engine = engine;
  }

  public String getMaster() {
    return master;
  }

  public void setMaster(String master) {
    this.master = master;
  }

  public ReplicationSpec getReplication() {
    return replication;
  }

  public void setReplication(ReplicationSpec replication) {
    this.replication = replication;
  }

  public FailoverSpec getFailover() {
    return failover;
  }

  public void setFailover(FailoverSpec failover) {
    this.failover = failover;
  }

  public List<String> getOffline() {
    return offline;
  }

  public void setOffline(List<String> offline) {
    this.offline = offline;
  }

  public StorageSpec getStorage() {
    return storage;
  }

  public void setStorage(StorageSpec storage) {
    this.storage = storage;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public Map<String, String> getMysqld() {
    return mysqld;
  }

  public void setMysqld(Map<String, String> mysqld) {
    this.mysqld = mysqld;
  }

  public CredentialsSpec getCredentials() {
    return credentials;
  }

  public void setCredentials(CredentialsSpec credentials) {
    this.credentials = credentials;
  }

  public ServiceSpec getService() {
    return service;
  }

  public void setService(ServiceSpec service) {
    this.service = service;
  }

  public PodSpec getPod() {
    return pod;
  }

  public void setPod(PodSpec pod) {
    this.pod = pod;
  }
}

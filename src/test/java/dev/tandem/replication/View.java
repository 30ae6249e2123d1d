package dev.tandem.replication;

import dev.tandem.replication.ReplicationStatus.IoThread;
import dev.tandem.replication.ReplicationStatus.ReplicationError;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Observed clusters for planner tests, built in named steps:
 * {@code View.of(3).master("shop-0", "0-1000-10").replica("shop-1", "shop-0", "0-1000-10")…plan()}.
 * Members are shop-0…shop-n on 10.0.0.10+ordinal; server_id is 1000 + ordinal, as init.sh sets it.
 * GTIDs use MariaDB's format unless {@link #mySql()} is called.
 */
public final class View {

  private final Map<String, Member> members = new LinkedHashMap<>();
  private DesiredCluster.Layout layout = DesiredCluster.Layout.MASTER_REPLICA;
  private Optional<String> preferred = Optional.empty();
  private List<String> priority = List.of();
  private Set<String> offline = Set.of();
  private boolean semiSync = true;
  private boolean automatic = true;
  private Optional<String> recorded = Optional.empty();
  private final Set<String> down = new HashSet<>();
  private final Set<String> longUnreachable = new HashSet<>();
  private final Set<String> restarted = new HashSet<>();
  private final Map<String, ClusterView.LostReplica> lost = new LinkedHashMap<>();
  private Dialect dialect = new MariaDbDialect("10.11");
  private Optional<String> sourceAuthorities = Optional.empty();
  /** Every member when unset. */
  private Set<String> servingTls;

  private static final class Member {
    final int ordinal;
    boolean reachable = true;
    boolean readOnly = true;
    String executed = "";
    Optional<String> source = Optional.empty();
    String received = "";
    IoThread io = IoThread.RUNNING;
    boolean sqlRunning = true;
    Optional<ReplicationError> sqlError = Optional.empty();
    Optional<ReplicationError> ioError = Optional.empty();
    Optional<Long> behind = Optional.of(0L);
    boolean semiSyncSource;
    Optional<String> sourceAuthorities = Optional.empty();

    Member(int ordinal) {
      this.ordinal = ordinal;
    }
  }

  public static View of(int instances) {
    var view = new View();
    for (int ordinal = 0; ordinal < instances; ordinal++) {
      view.members.put("shop-" + ordinal, new Member(ordinal));
    }
    return view;
  }

  public View master(String name, String executed) {
    var member = members.get(name);
    member.readOnly = false;
    member.executed = executed;
    member.semiSyncSource = semiSync && members.size() > 1;
    return this;
  }

  /** A running replica of {@code source} that received exactly what it executed. */
  public View replica(String name, String source, String executed) {
    var member = members.get(name);
    member.source = Optional.of(source);
    member.executed = executed;
    member.received = executed;
    return this;
  }

  /** A read-only instance that replicates from nobody (a restarted master, say). */
  public View standalone(String name, String executed) {
    var member = members.get(name);
    member.readOnly = true;
    member.semiSyncSource = false;
    member.source = Optional.empty();
    member.executed = executed;
    return this;
  }

  public View behind(String name, long seconds) {
    members.get(name).behind = Optional.of(seconds);
    return this;
  }

  public View received(String name, String received) {
    members.get(name).received = received;
    return this;
  }

  public View io(String name, IoThread state) {
    members.get(name).io = state;
    return this;
  }

  public View sqlStopped(String name) {
    members.get(name).sqlRunning = false;
    return this;
  }

  public View sqlError(String name, int number, String gtid) {
    var member = members.get(name);
    member.sqlRunning = false;
    member.sqlError = Optional.of(new ReplicationError(number, "applier failed", Optional.of(gtid)));
    return this;
  }

  public View ioError(String name, int number) {
    var member = members.get(name);
    member.io = IoThread.STOPPED;
    member.ioError = Optional.of(new ReplicationError(number, "receiver failed", Optional.empty()));
    return this;
  }

  public View writable(String name) {
    members.get(name).readOnly = false;
    return this;
  }

  public View semiSyncSource(String name, boolean enabled) {
    members.get(name).semiSyncSource = enabled;
    return this;
  }

  public View unreachable(String... names) {
    for (String name : names) {
      members.get(name).reachable = false;
    }
    return this;
  }

  public View recorded(String master) {
    recorded = Optional.of(master);
    return this;
  }

  /** Not reached by the control loop for a while (and unreachable now). */
  public View longUnreachable(String name) {
    longUnreachable.add(name);
    return unreachable(name);
  }

  /** Restarted since the recorded master was last seen: what it had received and not applied is gone. */
  public View restartedSinceMasterSeen(String name) {
    restarted.add(name);
    return this;
  }

  /** Cut off from the binlog; {@code bound} empty while it is not known yet. */
  public View lost(String name, String bound) {
    lost.put(name, new ClusterView.LostReplica(endpoint(members.get(name).ordinal).host(),
        bound.isEmpty() ? Optional.empty() : Optional.of(dialect.parseGtidSet(bound))));
    return this;
  }

  public View down(String name) {
    down.add(name);
    return this;
  }

  public View preferred(String name) {
    preferred = Optional.of(name);
    return this;
  }

  public View priority(String... names) {
    priority = List.of(names);
    return this;
  }

  public View offline(String... names) {
    offline = Set.of(names);
    return this;
  }

  public View async() {
    semiSync = false;
    return this;
  }

  public View manualFailover() {
    automatic = false;
    return this;
  }

  public View dualMaster() {
    layout = DesiredCluster.Layout.DUAL_MASTER;
    return this;
  }

  /** The cluster wants replication over TLS, verified with this CA file. */
  public View replicationOverTls(String caFile) {
    sourceAuthorities = Optional.of(caFile);
    return this;
  }

  /** Only these members have their certificate (a rollout turning TLS on is under way). */
  public View servingTls(String... names) {
    servingTls = Set.of(names);
    return this;
  }

  /** The instance's receiver connects over TLS, verifying with this CA file. */
  public View receiverOverTls(String name, String caFile) {
    members.get(name).sourceAuthorities = Optional.of(caFile);
    return this;
  }

  public View mySql() {
    dialect = new MySqlDialect("8.4");
    return this;
  }

  static Endpoint endpoint(int ordinal) {
    return new Endpoint("10.0.0." + (10 + ordinal), 3306);
  }

  public ClusterView build() {
    var endpoints = new LinkedHashMap<String, Endpoint>();
    members.forEach((name, member) -> endpoints.put(name, endpoint(member.ordinal)));
    var desired = new DesiredCluster(layout, endpoints, preferred, priority, offline, semiSync, automatic, sourceAuthorities,
        servingTls == null ? endpoints.keySet() : servingTls);
    var snapshots = new LinkedHashMap<String, InstanceSnapshot>();
    members.forEach((name, member) -> snapshots.put(name, snapshot(name, member)));
    return new ClusterView(desired, snapshots, recorded, down, longUnreachable, lost, restarted);
  }

  public Plan plan() {
    return Planner.plan(build());
  }

  private InstanceSnapshot snapshot(String name, Member member) {
    var endpoint = endpoint(member.ordinal);
    if (!member.reachable) {
      return InstanceSnapshot.unreachable(name, endpoint, "connect timed out", Duration.ofMillis(500));
    }
    var replication = member.source.map(source -> new ReplicationStatus(
        endpoint(members.get(source).ordinal).host(), 3306, member.io, member.sqlRunning, member.ioError, member.sqlError,
        member.behind, dialect.parseGtidSet(member.received), true, "mysql-bin.000001:4 heartbeats 0",
        member.sourceAuthorities));
    var server = new InstanceSnapshot.ServerState(dialect, "test", 1000 + member.ordinal,
        Optional.of(uuid(member.ordinal)), member.readOnly, dialect.parseGtidSet(member.executed), replication,
        new InstanceSnapshot.SemiSync(member.semiSyncSource, true, member.semiSyncSource, 0), Set.of(),
        Duration.ofHours(1));
    return InstanceSnapshot.reachable(name, endpoint, server, Duration.ofMillis(1));
  }

  /** The server_uuid of shop-N in MySQL-format tests: 00000000-0000-0000-0000-00000000000N. */
  static String uuid(int ordinal) {
    return String.format("00000000-0000-0000-0000-%012d", ordinal);
  }
}

package dev.tandem.failover;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.LostReplica;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.ReplicationMode;
import dev.tandem.api.Topology;
import dev.tandem.kubernetes.ClusterControl;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.ClusterStatusAggregator;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.replication.Account;
import dev.tandem.replication.Action;
import dev.tandem.replication.ClusterView;
import dev.tandem.replication.DesiredCluster;
import dev.tandem.replication.Dialect;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.Executor;
import dev.tandem.replication.Finding;
import dev.tandem.replication.InstanceSnapshot;
import dev.tandem.replication.Observer;
import dev.tandem.replication.Plan;
import dev.tandem.replication.Planner;
import dev.tandem.replication.RuntimeSettings;
import dev.tandem.replication.ServedCertificates;
import dev.tandem.replication.Sessions;
import dev.tandem.replication.StepResult;
import dev.tandem.kubernetes.StatusUpdate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.security.cert.X509Certificate;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The control loop of one MySQLCluster, on a thread of its own so that a cluster whose master
 * hangs never delays another. Each pass observes every instance, plans with the replication
 * engine, runs the plan, moves the role labels and writes the status; the status is written by
 * nobody else. A pass runs every probe interval, at once when a Pod changes, and again after
 * {@link #RETRY_AFTER_MISS} when the master missed a probe.
 *
 * <p>A change of master is recorded in status (intent) before anything is done, and the master
 * the writer Service points at is recorded only once the new one took over: an operator killed
 * at any point starts from that record, finishes the change it finds, and never starts a second
 * one for the same fault.
 */
final class ClusterMonitor {

  private static final Logger LOG = Logger.getLogger(ClusterMonitor.class);

  /**
   * A missed probe of the master is retried this soon, not one interval later: the threshold
   * counts consecutive misses, and a crash should be confirmed within tenths of a second.
   */
  static final Duration RETRY_AFTER_MISS = Duration.ofMillis(50);

  /** Bounds every statement but the catch-up: long enough for a busy server, short enough to retry. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

  /** GTID positions and lag alone are written to status at most this often: they change with every write. */
  static final Duration POSITIONS_REFRESH = Duration.ofSeconds(10);

  /**
   * A replica the control loop has not reached for this long is cut off from the binlog while the
   * master lives (semi-sync). Shorter than any wait for a lost node, longer than a restart's blip.
   */
  static final Duration LOST_REPLICA_AFTER = Duration.ofSeconds(5);

  /** The longest a switchover target may take to apply what it lacks while writes are stopped. */
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

  private final ResourceID id;
  /** The cluster this loop controls: another created later under the same name gets a loop of its own. */
  private final String uid;
  private final KubernetesClient client;
  private final ClusterEvents events;
  private final FailoverMetrics metrics;
  private final ExecutorService probes;
  /** Present when the operator runs outside the cluster and reaches instances by port-forward. */
  private final Optional<PortForwards> forwards;
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private volatile ClusterControl.Reconciled reconciled;
  private volatile boolean stopped;

  // Owned by the monitor's thread.
  private Engine engine;
  private boolean started;
  private Optional<String> recordedMaster = Optional.empty();
  private FailoverRecord intent;
  private int masterMisses;
  private Instant firstMiss;
  private final Map<String, String> lastAddress = new HashMap<>();
  private final Set<String> deletedToFence = new HashSet<>();
  private final Set<String> reported = new HashSet<>();
  private final Map<String, Instant> unreachableSince = new HashMap<>();
  private final ReceiverSilence silence = new ReceiverSilence();
  /** When the recorded master last answered (see {@link #lastSighting}). */
  private Instant masterLastSeen = Instant.EPOCH;
  /** The replicas cut off from the binlog, by name, as status.lostReplicas records them. */
  private final Map<String, LostReplica> lost = new LinkedHashMap<>();
  private final RollingChange rolling;
  private final SeedControl seeds;
  private final TlsControl tls;
  private MySQLClusterStatus written;
  /** Where the instances whose Pods have no certificate are dialled: the only ones the operator may speak plaintext to. */
  private volatile Set<String> plaintextHosts = Set.of();
  private final SpecInForce specInForce = new SpecInForce();
  /** Why changes the spec asks for wait in this pass, if they do (see {@link SpecInForce}). */
  private Optional<String> specHold = Optional.empty();
  private Instant writtenAt = Instant.EPOCH;

  private record Accounts(Account operator, Account replication) {}

  /** The engine's parts for one pair of accounts, probe interval and set of trusted CAs; rebuilt when one changes. */
  private record Engine(Accounts accounts, Duration probeInterval, boolean verifying, List<X509Certificate> authorities,
      Observer observer,
      Executor executor, RuntimeSettings runtime, ServedCertificates certificates) {}

  ClusterMonitor(ResourceID id, String uid, KubernetesClient client, ClusterEvents events, FailoverMetrics metrics,
      ExecutorService probes, InstanceAccess access, ClusterControl.Reconciled reconciled) {
    this.id = id;
    this.uid = uid;
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.probes = probes;
    this.forwards = access == InstanceAccess.PORT_FORWARD
        ? Optional.of(new PortForwards(client, id.getNamespace().orElseThrow()))
        : Optional.empty();
    this.reconciled = reconciled;
    this.rolling = new RollingChange(id, client, events);
    this.seeds = new SeedControl(id, client, events);
    this.tls = new TlsControl(id.toString(), client, events);
    this.thread = new Thread(this::run, "tandem-monitor-" + id.getNamespace().orElse("") + "-" + id.getName());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean isStopped() {
    return stopped;
  }

  /** New input from the reconciler (a Pod or the spec changed): look again now. */
  void update(ClusterControl.Reconciled latest) {
    reconciled = latest;
    if (wake.availablePermits() == 0) {
      wake.release();
    }
  }

  void stop() {
    stopped = true;
    thread.interrupt();
  }

  /** Whether this loop controls that cluster, and not one deleted before it under the same name. */
  boolean controls(MySQLCluster cluster) {
    return uid.equals(cluster.getMetadata().getUid());
  }

  /** Stops the loop and waits for a pass under way to end, so that no other loop acts alongside it. */
  void stopAndWait() {
    stop();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      loop();
    } finally {
      forwards.ifPresent(PortForwards::close);
    }
  }

  private void loop() {
    while (!stopped) {
      Duration next;
      try {
        next = pass();
      } catch (RuntimeException e) {
        LOG.errorf(e, "cluster %s: control loop pass failed; retrying", id);
        next = Duration.ofSeconds(1);
      }
      try {
        if (wake.tryAcquire(next.toMillis(), TimeUnit.MILLISECONDS)) {
          wake.drainPermits();
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private Duration pass() {
    var inputs = reconciled;
    var found = inputs.primaryCache().apply(id);
    if (found.isEmpty() || !controls(found.get())) {
      // A cache can hold a new cluster of the same name without ever having shown this one gone.
      // Stopped last: a loop started once this one reads stopped must keep the metrics it registers.
      metrics.forget(id);
      LOG.infof("cluster %s: %s; its control loop stops", id,
          found.isEmpty() ? "deleted" : "deleted and created again (uid " + found.get().getMetadata().getUid() + ")");
      stopped = true;
      return Duration.ZERO;
    }
    var cluster = found.get();
    if (!started) {
      resumeFrom(cluster.getStatus());
      started = true;
    }
    var pods = new ArrayList<>(inputs.podsOf().apply(cluster));
    var inForce = specInForce.actingOn(cluster, inputs.problems(), inputs.checkedGeneration());
    specHold = inForce.hold();
    var acting = inForce.cluster();
    var interval = Duration.ofMillis(acting.getSpec().getFailover().getProbeIntervalMillis());
    Optional<ObservedStatus.Observation> observation = Optional.empty();
    var accounts = inputs.credentials().flatMap(ClusterMonitor::accounts);
    boolean tlsInPlay = false;
    if (accounts.isPresent()) {
      var mounted = TlsControl.mountedSecrets(pods);
      var servingTls = mounted.keySet();
      plaintextHosts = TlsControl.plaintextHosts(acting, pods, servingTls);
      tls.refresh(acting, mounted, Instant.now());
      tlsInPlay = TlsControl.inPlay(acting, servingTls);
      var engine = engine(accounts.get(), interval, tlsInPlay, tls.authorities());
      var observed = observeAndAct(acting, pods, inputs.statefulSet(), engine, servingTls);
      tls.reload(acting, observed.view().desired().members().entrySet().stream()
              .filter(member -> servingTls.contains(member.getKey()) && observed.view().snapshot(member.getKey()).isReachable())
              .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
          servingTls, engine.certificates());
      observation = Optional.of(observed);
    }
    var previous = written != null ? written : cluster.getStatus();
    var now = Instant.now();
    var status = ClusterStatusAggregator.aggregate(cluster, previous, pods, inputs.statefulSet(), inputs.problems(), now);
    // Written while the master is unseen only: it does not change then, so it costs no extra write.
    var lastSeen = observation.filter(seen -> recordedMaster.map(seen.view()::snapshot).filter(s -> !s.isReachable()).isPresent())
        .map(seen -> masterLastSeen);
    var observed = ObservedStatus.apply(status, previous, recordedMaster, intent, List.copyOf(lost.values()), lastSeen,
        observation, now);
    if (tlsInPlay) {
      observed = ObservedStatus.withCertificates(observed, previous, tls.problem(), tls.previousAuthoritiesTrusted(acting), now);
    }
    metrics.statusWritten(id, observed);
    writeStatus(cluster, observed);
    return masterMisses > 0 ? RETRY_AFTER_MISS : interval;
  }

  private void resumeFrom(MySQLClusterStatus status) {
    if (status == null) {
      return;
    }
    written = status;
    recordedMaster = Optional.ofNullable(status.getMaster());
    masterLastSeen = lastSighting(status);
    status.getLostReplicas().forEach(replica -> lost.put(replica.name(), replica));
    var last = status.getLastFailover();
    if (last != null && last.finishedAt() == null) {
      intent = last;
      LOG.infof("cluster %s: resuming the %s from %s to %s started at %s", id, last.type().toLowerCase(), last.from(), last.to(),
          last.startedAt());
    }
  }

  /**
   * When the recorded master last answered, as far as status tells: the time recorded while it
   * did not answer, else when it last became writable (it answered then, and maybe later: an
   * earlier time only makes more replicas count as restarted since), else the epoch.
   */
  static Instant lastSighting(MySQLClusterStatus status) {
    if (status.getMasterLastSeenAt() != null) {
      return Instant.parse(status.getMasterLastSeenAt());
    }
    return status.getConditions().stream()
        .filter(condition -> ObservedStatus.WRITABLE.equals(condition.getType()) && "True".equals(condition.getStatus()))
        .map(condition -> Instant.parse(condition.getLastTransitionTime()))
        .findFirst()
        .orElse(Instant.EPOCH);
  }

  private ObservedStatus.Observation observeAndAct(MySQLCluster cluster, List<Pod> pods, Optional<StatefulSet> statefulSet,
      Engine engine, Set<String> servingTls) {
    Map<String, Pod> podsByName = pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    var desired = desired(cluster, podsByName, statefulSet, servingTls);
    Set<String> knownDown = desired.names().stream().filter(name -> isDown(podsByName.get(name))).collect(Collectors.toSet());
    var observedAt = Instant.now();
    var probed = observe(desired, podsByName, engine.observer());
    if (recordedMaster.map(probed::get).filter(InstanceSnapshot::isReachable).isPresent()) {
      masterLastSeen = observedAt;
    }
    var snapshots = silence.mark(probed, observedAt, detectionWindow(cluster), masterLastSeen);
    metrics.observed(id, snapshots.values());
    boundLostReplicas(cluster, snapshots, observedAt, Duration.ofMillis(cluster.getSpec().getFailover().getProbeIntervalMillis()));
    var observed = new ClusterView(desired, snapshots, recordedMaster, knownDown, longUnreachable(snapshots, observedAt),
        lostView(snapshots), restartedSinceMasterSeen(snapshots, observedAt));
    var observedPlan = Planner.plan(observed);
    countMasterMisses(snapshots);
    // A rollout decides from a healthy plan only; when it moves the master, the switchover is planned like any other.
    var rolloutHold = rolloutHold(observedPlan);
    var rollout = recordedMaster.flatMap(master -> rolling.decide(cluster, statefulSet, podsByName, observed, master,
        successors(cluster, master, observed.desired()), rolloutHold, degraded(observedPlan), rolloutHold.isEmpty(), engine.runtime()));
    var switchOverTo = rollout.map(Rollout.Decision::step).filter(Rollout.SwitchOver.class::isInstance)
        .map(step -> ((Rollout.SwitchOver) step).to());
    var view = switchOverTo.map(observed::withPreferredMaster).orElse(observed);
    var plan = switchOverTo.isPresent() ? Planner.plan(view) : observedPlan;

    // The threshold confirms a master that stopped answering. One that answers read-only (it
    // restarted, maybe while nobody watched) is seen as it is: nothing is left to confirm. Nor is
    // there when its address refused the connection (its Pod IP, not a forward): no mysqld
    // listens there, a crash, not a stall; the replicas must still have lost it too (the plan).
    int threshold = cluster.getSpec().getFailover().getFailureThreshold();
    boolean masterSilent = recordedMaster.filter(master -> !snapshots.get(master).isReachable()).isPresent();
    boolean masterGone = masterSilent && forwards.isEmpty() && Observer.refused(snapshots.get(recordedMaster.get()));
    if (plan.state() == Plan.State.FAILOVER && masterSilent && masterMisses < threshold
        && !knownDown.contains(recordedMaster.get()) && !masterGone) {
      String hold = "master " + recordedMaster.get() + " missed " + masterMisses + " of " + threshold
          + " probes needed to confirm its failure";
      return ObservedStatus.Observation.held(view, plan, hold);
    }

    boolean masterChanges = recordedMaster.isPresent() && plan.master().isPresent() && !plan.master().equals(recordedMaster);
    if (masterChanges && !beginChange(cluster, plan, view, podsByName, switchOverTo.map(to -> rollout.get().message()))) {
      return ObservedStatus.Observation.held(view, plan, "the intent to change the master could not be recorded in"
          + " status; nothing was done");
    }

    if (!recordCutOffsBeforehand(cluster, plan)) {
      return ObservedStatus.Observation.held(view, plan, "the replicas to cut off from the binlog could not be recorded in"
          + " status; nothing was done");
    }
    var results = plan.actions().isEmpty() ? List.<StepResult>of() : engine.executor().execute(plan, view.desired());
    logResults(plan, results);
    recordCutOffs(cluster, results);
    results.stream()
        .filter(result -> result.action() instanceof Action.Fence && result.outcome() == StepResult.Outcome.UNCONFIRMED)
        .forEach(result -> deleteToFence(cluster, result));
    boolean succeeded = results.stream().noneMatch(StepResult::failed);
    if (succeeded && plan.master().isPresent()) {
      if (recordedMaster.isEmpty()) {
        LOG.infof("cluster %s: bootstrapped with master %s", id, plan.master().get());
        events.normal(cluster, ClusterEvents.Reason.Bootstrapped, plan.master().get() + " is the first master");
      } else if (plan.state() == Plan.State.FAILOVER && plan.master().equals(recordedMaster) && intent == null) {
        String line = "master " + recordedMaster.get() + " was read-only and holds every transaction; it takes writes again";
        LOG.infof("cluster %s: %s", id, line);
        events.normal(cluster, ClusterEvents.Reason.MasterRestored, line);
      }
      recordedMaster = plan.master();
      deletedToFence.clear();
    }

    List<String> writers = intent != null && !succeeded ? List.of()
        : succeeded && !plan.masters().isEmpty() ? plan.masters()
        : recordedMaster.stream().toList();
    var writerMoved = applyLabels(cluster, pods, podsByName,
        RoleLabels.decide(desired, snapshots, writers, plan.findings(), currentLabels(desired, podsByName)));
    if (intent != null && succeeded && recordedMaster.filter(intent.to()::equals).isPresent()) {
      finishChange(cluster, writerMoved);
    } else if (intent != null && succeeded && plan.master().filter(intent.from()::equals).isPresent()) {
      // Only a plan that leaves the old master taking writes ends the change; one that waits does not.
      abandonChange(cluster);
    }
    reportFindings(cluster, plan);
    if (succeeded && plan.actions().isEmpty() && rollout.map(Rollout.Decision::step).orElse(null) instanceof Rollout.Restart restart
        && podsByName.containsKey(restart.instance())) {
      rolling.restart(cluster, podsByName.get(restart.instance()), rollout.get());
    }
    var promoted = results.stream()
        .filter(result -> result.action() instanceof Action.Promote && !result.failed())
        .map(result -> result.action().instance())
        .collect(Collectors.toSet());
    var seeding = seeds.act(cluster, written != null ? written : cluster.getStatus(), statefulSet, podsByName, view, recordedMaster,
        intent != null || masterChanges);
    return new ObservedStatus.Observation(view, plan, Optional.empty(), promoted, rollout, seeding);
  }

  /**
   * Why a rollout may not act at all now, if so: a change of master is under way or due, or no
   * master takes writes. Settings are not changed at runtime either: this pass belongs to the failover.
   */
  private Optional<String> rolloutHold(Plan plan) {
    if (specHold.isPresent()) {
      return specHold;
    }
    if (intent != null) {
      return Optional.of("a " + intent.type().toLowerCase() + " from " + intent.from() + " to " + intent.to() + " is under way");
    }
    if (plan.state() == Plan.State.HEALTHY || plan.state() == Plan.State.DEGRADED) {
      return Optional.empty();
    }
    return Optional.of("the cluster is in state " + describe(plan));
  }

  /** Why the cluster is not healthy, if it is not: a rollout restarts no instance that is up then. */
  private static Optional<String> degraded(Plan plan) {
    return plan.state() == Plan.State.HEALTHY && plan.actions().isEmpty() ? Optional.empty() : Optional.of(describe(plan));
  }

  private static String describe(Plan plan) {
    String findings = plan.findings().stream().map(Finding::message).collect(Collectors.joining("; "));
    return plan.state().name().toLowerCase().replace('_', ' ') + (findings.isEmpty() ? "" : " (" + findings + ")");
  }

  /**
   * Who may take the master's role in a switchover, best first: in DualMaster the other master
   * only; otherwise every instance that stays, in failover priority order, then by ordinal.
   */
  private List<String> successors(MySQLCluster cluster, String master, DesiredCluster desired) {
    if (desired.layout() == DesiredCluster.Layout.DUAL_MASTER) {
      return desired.names().subList(0, 2).stream().filter(name -> !name.equals(master)).toList();
    }
    return successorOrder(cluster, master);
  }

  private DesiredCluster desired(MySQLCluster cluster, Map<String, Pod> podsByName, Optional<StatefulSet> statefulSet,
      Set<String> servingTls) {
    var spec = cluster.getSpec();
    var members = new LinkedHashMap<String, Endpoint>();
    for (int ordinal = 0; ordinal < ClusterNames.spannedOrdinals(cluster, recordedMaster); ordinal++) {
      String name = ClusterNames.instance(cluster, ordinal);
      Optional.ofNullable(podsByName.get(name)).map(p -> p.getStatus() == null ? null : p.getStatus().getPodIP())
          .ifPresent(ip -> lastAddress.put(name, ip));
      // The last known Pod IP stays the address of a Pod that is gone: replicas compare their
      // source with it to tell whether they lost the master too.
      String host = lastAddress.getOrDefault(name, name + "." + ClusterNames.headlessService(cluster));
      members.put(name, new Endpoint(host, MyCnf.PORT));
      forwards.ifPresent(route -> route.register(host, name));
    }
    // A wished master that still runs an outdated template waits for its restart: switching to it
    // first would cost the rollout a second switchover.
    Optional<String> preferred = Optional.ofNullable(spec.getMaster()).filter(wished -> specHold.isEmpty()).filter(members::containsKey)
        .filter(wished -> !isRemoved(cluster, wished))
        .filter(wished -> !RollingChange.runsOutdatedTemplate(podsByName.get(wished), statefulSet));
    var leaving = recordedMaster.filter(master -> isTerminating(podsByName.get(master)) || isRemoved(cluster, master));
    if (leaving.isPresent()) {
      preferred = successor(cluster, leaving.get(), podsByName);
    }
    // A switchover under way that nothing in the spec names (a rollout's) is finished toward its
    // recorded target, after an operator restart too, rather than undone and started again.
    if (preferred.isEmpty() && intent != null && FailoverMetrics.SWITCHOVER.equals(intent.type())
        && members.containsKey(intent.to()) && !isRemoved(cluster, intent.to())) {
      preferred = Optional.of(intent.to());
    }
    return new DesiredCluster(
        spec.getTopology() == Topology.DualMaster ? DesiredCluster.Layout.DUAL_MASTER : DesiredCluster.Layout.MASTER_REPLICA,
        members,
        preferred,
        spec.getFailover().getPriority(),
        Set.copyOf(spec.getOffline()),
        spec.getReplication().getMode() == ReplicationMode.SemiSync,
        spec.getFailover().isAutomatic(),
        TlsControl.sourceAuthorities(cluster, servingTls),
        servingTls);
  }

  /** spec.instances no longer counts this instance: it goes once it is no master. */
  private static boolean isRemoved(MySQLCluster cluster, String instance) {
    return ClusterNames.ordinal(cluster, instance).filter(ordinal -> ordinal >= cluster.getSpec().getInstances()).isPresent();
  }

  /**
   * The master's Pod is being deleted on purpose (a drain, a rolling restart) or spec.instances
   * no longer counts it: the master moves by switchover, without loss, to the first ready
   * instance that stays, in failover priority order.
   */
  private Optional<String> successor(MySQLCluster cluster, String leaving, Map<String, Pod> podsByName) {
    return successorOrder(cluster, leaving).stream()
        .filter(name -> podsByName.containsKey(name) && !isDown(podsByName.get(name)))
        .findFirst();
  }

  /** The instances that stay and are online, other than {@code leaving}: failover priority first, then by ordinal. */
  private static List<String> successorOrder(MySQLCluster cluster, String leaving) {
    var spec = cluster.getSpec();
    var names = new LinkedHashSet<>(spec.getFailover().getPriority());
    for (int ordinal = 0; ordinal < spec.getInstances(); ordinal++) {
      names.add(ClusterNames.instance(cluster, ordinal));
    }
    return names.stream()
        .filter(name -> !name.equals(leaving) && !spec.getOffline().contains(name) && !isRemoved(cluster, name))
        .toList();
  }

  /** Every member with a Pod IP is probed; the others are unreachable without a dial. */
  private Map<String, InstanceSnapshot> observe(DesiredCluster desired, Map<String, Pod> podsByName, Observer observer) {
    var addressed = new LinkedHashMap<String, Endpoint>();
    desired.members().forEach((name, endpoint) -> {
      var pod = podsByName.get(name);
      if (pod != null && pod.getStatus() != null && pod.getStatus().getPodIP() != null) {
        addressed.put(name, endpoint);
      }
    });
    // A master that missed a probe is probed again with a short timeout, so that the looks
    // confirming its failure come every few tenths of a second. Not through a port-forward, whose
    // every connect crosses the API server.
    var suspects = masterMisses > 0 && forwards.isEmpty() ? recordedMaster.stream().collect(Collectors.toSet()) : Set.<String>of();
    var probed = observer.observeAll(addressed, suspects, probes);
    var snapshots = new LinkedHashMap<String, InstanceSnapshot>();
    desired.members().forEach((name, endpoint) -> snapshots.put(name, probed.containsKey(name) ? probed.get(name)
        : InstanceSnapshot.unreachable(name, endpoint, podsByName.containsKey(name) ? "its Pod has no IP yet" : "its Pod does not exist",
            Duration.ZERO)));
    return snapshots;
  }

  /** The reachable members whose mysqld started after the recorded master last answered. */
  private Set<String> restartedSinceMasterSeen(Map<String, InstanceSnapshot> snapshots, Instant observedAt) {
    if (recordedMaster.map(snapshots::get).filter(InstanceSnapshot::isReachable).isPresent()) {
      return Set.of();
    }
    var sinceSeen = Duration.between(masterLastSeen, observedAt);
    return snapshots.values().stream()
        .filter(snapshot -> snapshot.server().filter(server -> server.uptime().compareTo(sinceSeen) < 0).isPresent())
        .map(InstanceSnapshot::name)
        .collect(Collectors.toSet());
  }

  /** The members unreachable at every look since at least {@link #LOST_REPLICA_AFTER} before this one. */
  private Set<String> longUnreachable(Map<String, InstanceSnapshot> snapshots, Instant observedAt) {
    snapshots.forEach((name, snapshot) -> {
      if (snapshot.isReachable()) {
        unreachableSince.remove(name);
      } else {
        unreachableSince.putIfAbsent(name, observedAt);
      }
    });
    unreachableSince.keySet().retainAll(snapshots.keySet());
    // Cut off by address only: a name (no Pod IP seen yet) is never what mysqld sees under skip_name_resolve.
    return unreachableSince.entrySet().stream()
        .filter(entry -> !entry.getValue().plus(LOST_REPLICA_AFTER).isAfter(observedAt) && lastAddress.containsKey(entry.getKey()))
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  private Map<String, ClusterView.LostReplica> lostView(Map<String, InstanceSnapshot> snapshots) {
    var dialect = snapshots.values().stream().flatMap(snapshot -> snapshot.server().stream()).map(InstanceSnapshot.ServerState::dialect)
        .findFirst();
    var view = new LinkedHashMap<String, ClusterView.LostReplica>();
    lost.forEach((name, replica) -> view.put(name, new ClusterView.LostReplica(replica.host(),
        Optional.ofNullable(replica.gtidBound()).flatMap(bound -> dialect.map(d -> d.parseGtidSet(bound))))));
    return view;
  }

  /**
   * A cut-off replica's bound is the master's GTID set at a look that began after the cut-off
   * (a probe interval later: a transaction sent to it before then has committed) and found no
   * binlog dump to it: the dumps list is read before the GTID sets, and the replica is refused
   * everywhere since, so it holds no more.
   */
  private void boundLostReplicas(MySQLCluster cluster, Map<String, InstanceSnapshot> snapshots, Instant observedAt, Duration interval) {
    var master = recordedMaster.map(snapshots::get).filter(InstanceSnapshot::isWritable).flatMap(InstanceSnapshot::server);
    for (var replica : List.copyOf(lost.values())) {
      var snapshot = Optional.ofNullable(snapshots.get(replica.name()));
      boolean streamedTo = master.filter(server -> snapshot.map(s -> server.feeding().contains(s.endpoint().host())).orElse(false)
          || server.feeding().contains(replica.host())).isPresent();
      if (replica.gtidBound() != null && (snapshot.map(InstanceSnapshot::isReachable).orElse(false) || streamedTo)) {
        // Seen again, or streamed to (from a new address, say): it may hold more than the bound now.
        lost.put(replica.name(), replica.withoutBound());
        continue;
      }
      boolean boundable = replica.gtidBound() == null && master.isPresent() && recordedMaster.get().equals(replica.cutOffOn())
          && snapshot.map(s -> !s.isReachable()).orElse(true) && !streamedTo
          && !Instant.parse(replica.cutOffAt()).plus(interval).isAfter(observedAt);
      if (boundable) {
        String bound = master.get().executed().toString();
        lost.put(replica.name(), replica.withBound(bound));
        String line = replica.name() + " holds at most " + bound + " (" + recordedMaster.get() + " no longer streams to it)";
        LOG.infof("cluster %s: %s", id, line);
        events.normal(cluster, ClusterEvents.Reason.ReplicaBounded, line);
      }
    }
  }

  /**
   * A cut-off is recorded in status before it is made, as a change of master is: an operator
   * killed between the two still knows an account to drop when the replica returns. Without a
   * bound, the record only waits for a readmission.
   */
  private boolean recordCutOffsBeforehand(MySQLCluster cluster, Plan plan) {
    var cutOffs = plan.actions().stream().filter(action -> action instanceof Action.CutOff).map(action -> (Action.CutOff) action).toList();
    if (cutOffs.isEmpty()) {
      return true;
    }
    var before = new LinkedHashMap<>(lost);
    cutOffs.forEach(cutOff -> lost.put(cutOff.replica(),
        new LostReplica(cutOff.replica(), cutOff.host(), cutOff.instance(), Instant.now().toString(), null)));
    var status = written != null ? written : Optional.ofNullable(cluster.getStatus()).orElseGet(MySQLClusterStatus::new);
    if (!writeStatus(cluster, ObservedStatus.withLostReplicas(status, List.copyOf(lost.values())))) {
      lost.clear();
      lost.putAll(before);
      return false;
    }
    return true;
  }

  private void recordCutOffs(MySQLCluster cluster, List<StepResult> results) {
    for (var result : results) {
      if (result.failed()) {
        continue;
      }
      if (result.action() instanceof Action.CutOff cutOff) {
        String line = cutOff.replica() + " unreachable for " + LOST_REPLICA_AFTER.toSeconds() + " s: cut off from the binlog of "
            + cutOff.instance() + " (" + result.detail() + ")";
        LOG.warnf("cluster %s: %s", id, line);
        events.warning(cluster, ClusterEvents.Reason.ReplicaCutOff, line);
      } else if (result.action() instanceof Action.Readmit readmit && lost.remove(readmit.replica()) != null) {
        String line = readmit.replica() + " is reachable again: " + result.detail();
        LOG.infof("cluster %s: %s", id, line);
        events.normal(cluster, ClusterEvents.Reason.ReplicaReadmitted, line);
      }
    }
  }

  /**
   * How long a master must be silent before it is failed over: this long without an event or a
   * heartbeat at any replica (and failureThreshold probes missed by the operator). A stall shorter
   * than this is ridden out.
   */
  static Duration detectionWindow(MySQLCluster cluster) {
    var failover = cluster.getSpec().getFailover();
    var asked = Duration.ofMillis((long) failover.getProbeIntervalMillis() * failover.getFailureThreshold());
    return asked.compareTo(SHORTEST_DETECTION_WINDOW) < 0 ? SHORTEST_DETECTION_WINDOW : asked;
  }

  /** A shorter window could see the same heartbeat count twice on a live idle master. */
  static final Duration SHORTEST_DETECTION_WINDOW = Dialect.HEARTBEAT_PERIOD.multipliedBy(5);

  private void countMasterMisses(Map<String, InstanceSnapshot> snapshots) {
    boolean missed = recordedMaster.map(snapshots::get).filter(snapshot -> !snapshot.isReachable()).isPresent();
    if (!missed) {
      masterMisses = 0;
      firstMiss = null;
      return;
    }
    if (masterMisses++ == 0) {
      firstMiss = Instant.now();
    }
  }

  /**
   * Records the intent before anything is done, then takes the master label off the old master
   * so the writer Service stops sending it new connections. Returns false when the record could
   * not be written: acting without it could start a second change after an operator restart.
   */
  private boolean beginChange(MySQLCluster cluster, Plan plan, ClusterView view, Map<String, Pod> podsByName,
      Optional<String> rolloutReason) {
    String from = recordedMaster.orElseThrow();
    String to = plan.master().orElseThrow();
    if (intent != null) {
      if (!intent.to().equals(to)) {
        intent = new FailoverRecord(intent.type(), intent.from(), to, intent.startedAt(), null, null, intent.reason());
      }
      return true;
    }
    // A DualMaster plan moves the active role while the old master keeps taking writes: nothing failed.
    boolean planned = plan.state() == Plan.State.SWITCHOVER || plan.masters().contains(from);
    Instant started = planned || firstMiss == null ? Instant.now() : firstMiss;
    intent = new FailoverRecord(planned ? FailoverMetrics.SWITCHOVER : FailoverMetrics.FAILOVER, from, to, started.toString(),
        null, null, planned ? rolloutReason.map(reason -> "rolling change: " + reason).orElseGet(() -> switchoverReason(cluster, from, to))
            : failureReason(view, from, to));
    var status = written != null ? written : Optional.ofNullable(cluster.getStatus()).orElseGet(MySQLClusterStatus::new);
    if (!writeStatus(cluster, ObservedStatus.withIntent(status, intent))) {
      intent = null;
      return false;
    }
    LOG.infof("cluster %s: %s %s -> %s started: %s", id, intent.type().toLowerCase(), from, to, intent.reason());
    Optional.ofNullable(podsByName.get(from)).ifPresent(pod -> patchLabels(pod, RoleLabels.Labels.NONE));
    return true;
  }

  private String switchoverReason(MySQLCluster cluster, String from, String to) {
    if (to.equals(cluster.getSpec().getMaster())) {
      return "spec.master is " + to;
    }
    return isRemoved(cluster, from) ? "spec.instances=" + cluster.getSpec().getInstances() + " removes master " + from
        : "the Pod of master " + from + " is being deleted";
  }

  private String failureReason(ClusterView view, String master, String to) {
    if (view.snapshot(master).isReachable()) {
      return "master " + master + " is read-only (restarted) and " + to + " is the instance to promote: "
          + master + " holds " + view.reachableServer(master).executed() + ", " + to + " received "
          + view.reachableServer(to).received();
    }
    String failure = view.snapshot(master).failure().orElse("no answer");
    String witness = view.knownDown().contains(master) ? "its Pod is down" : "its replicas lost it too";
    return "master " + master + " failed (" + failure + "); " + witness;
  }

  /** {@code writerMoved}: when the writer Service began to select the new master, the change's end. */
  private void finishChange(MySQLCluster cluster, Instant writerMoved) {
    var record = closeChange(intent.to(), writerMoved, intent.reason());
    events.normal(cluster, FailoverMetrics.SWITCHOVER.equals(record.type()) ? ClusterEvents.Reason.Switchover
        : ClusterEvents.Reason.Failover, describe(record));
    metrics.masterChanged(id, record.type(), Duration.ofMillis(record.durationMillis()));
  }

  /**
   * The master the change was leaving takes writes again: it came back holding every transaction
   * before the target was promoted, so it was the better choice. The record says so; no master
   * changed, so no failover is counted.
   */
  private void abandonChange(MySQLCluster cluster) {
    var record = closeChange(intent.from(), Instant.now(),
        intent.reason() + "; abandoned: " + intent.from() + " holds every transaction and takes writes again");
    events.normal(cluster, ClusterEvents.Reason.MasterRestored, describe(record));
  }

  /** Records the change in progress as finished at {@code finished}, with the master it ended on, and logs it. */
  private FailoverRecord closeChange(String endedOn, Instant finished, String reason) {
    long millis = Duration.between(Instant.parse(intent.startedAt()), finished).toMillis();
    var record = new FailoverRecord(intent.type(), intent.from(), endedOn, intent.startedAt(), finished.toString(), millis, reason);
    intent = null;
    written = ObservedStatus.withLastFailover(written != null ? written : new MySQLClusterStatus(), record);
    LOG.infof("cluster %s: %s", id, describe(record));
    return record;
  }

  private static String describe(FailoverRecord record) {
    return record.type().toLowerCase() + " " + record.from() + " -> " + record.to() + " in " + record.durationMillis() + " ms: "
        + record.reason();
  }

  /**
   * The old master could not be made read-only (unreachable, frozen, cut off): its Pod is
   * deleted, so the kubelet stops mysqld. Until then the stopped receivers of every replica keep
   * it from acknowledging a write.
   */
  private void deleteToFence(MySQLCluster cluster, StepResult result) {
    String name = result.action().instance();
    var pod = api(() -> client.pods().inNamespace(cluster.getMetadata().getNamespace()).withName(name).get());
    if (pod == null || isTerminating(pod) || !isMysqldRunning(pod)) {
      // Not running is fenced already: mysqld starts read-only and rejoins only when safe.
      return;
    }
    if (!deletedToFence.add(name)) {
      return;
    }
    LOG.warnf("cluster %s: fencing %s by deleting its Pod: %s", id, name, result.detail());
    events.warning(cluster, ClusterEvents.Reason.Fenced, "Deleted Pod " + name + " to fence it: it could not be made read-only ("
        + result.detail() + ")");
    try {
      // No grace: a SIGKILL, so crash recovery drops what was never acknowledged (semi-sync replica role).
      api(() -> client.pods().inNamespace(cluster.getMetadata().getNamespace()).withName(name).withGracePeriod(0).delete());
    } catch (KubernetesClientException e) {
      deletedToFence.remove(name);
      LOG.warnf("cluster %s: could not delete Pod %s to fence it: %s", id, name, e.getMessage());
    }
  }

  private void logResults(Plan plan, List<StepResult> results) {
    for (var result : results) {
      if (result.failed()) {
        LOG.warnf("cluster %s: %s: %s", id, plan.state(), result);
      } else if (result.outcome() != StepResult.Outcome.ALREADY_DONE) {
        LOG.infof("cluster %s: %s: %s", id, plan.state(), result);
      }
    }
  }

  /**
   * One Warning Event per errant or broken instance, and per reason a lost master is not replaced
   * (a bootstrap waiting for its Pods is no warning); again only once it cleared and came back.
   */
  private void reportFindings(MySQLCluster cluster, Plan plan) {
    var current = new HashSet<String>();
    for (var finding : plan.findings()) {
      ClusterEvents.Reason reason;
      if (finding instanceof Finding.Errant) {
        reason = ClusterEvents.Reason.Errant;
      } else if (finding instanceof Finding.ReplicationBroken) {
        reason = ClusterEvents.Reason.ReplicationBroken;
      } else if (plan.state() == Plan.State.FAILOVER_NEEDED && finding instanceof Finding.Waiting) {
        reason = ClusterEvents.Reason.FailoverNeeded;
      } else if (plan.state() == Plan.State.WAITING && recordedMaster.isPresent() && finding instanceof Finding.Waiting) {
        reason = ClusterEvents.Reason.FailoverHeld;
      } else {
        continue;
      }
      String key = reason + "/" + finding.instance();
      current.add(key);
      if (reported.add(key)) {
        LOG.warnf("cluster %s: %s", id, finding.message());
        events.warning(cluster, reason, finding.message());
      }
    }
    reported.retainAll(current);
  }

  private static Map<String, RoleLabels.Labels> currentLabels(DesiredCluster desired, Map<String, Pod> podsByName) {
    var labels = new HashMap<String, RoleLabels.Labels>();
    desired.names().forEach(name -> Optional.ofNullable(podsByName.get(name))
        .ifPresent(pod -> labels.put(name, RoleLabels.Labels.of(pod.getMetadata().getLabels()))));
    return labels;
  }

  /**
   * Patches the Pods whose labels differ and keeps the patched copies for this pass's status.
   * Returns when the master label was set (the writer Service follows it from then on), or now
   * when it needed no change or could not be set.
   */
  private Instant applyLabels(MySQLCluster cluster, List<Pod> pods, Map<String, Pod> podsByName, Map<String, RoleLabels.Labels> wanted) {
    Instant masterLabelled = null;
    // The master label first, so the writer Service follows the new master before anything else.
    var order = wanted.keySet().stream()
        .sorted((a, b) -> Boolean.compare(!wanted.get(a).role().filter(ClusterLabels.ROLE_MASTER::equals).isPresent(),
            !wanted.get(b).role().filter(ClusterLabels.ROLE_MASTER::equals).isPresent()))
        .toList();
    for (String name : order) {
      var pod = podsByName.get(name);
      if (pod == null || pod.getMetadata().getDeletionTimestamp() != null
          || RoleLabels.Labels.of(pod.getMetadata().getLabels()).equals(wanted.get(name))) {
        continue;
      }
      var patched = patchLabels(pod, wanted.get(name));
      patched.ifPresent(updated -> pods.replaceAll(p -> p.getMetadata().getName().equals(name) ? updated : p));
      if (patched.isPresent() && wanted.get(name).role().filter(ClusterLabels.ROLE_MASTER::equals).isPresent()) {
        masterLabelled = Instant.now();
      }
    }
    return masterLabelled != null ? masterLabelled : Instant.now();
  }

  /** A merge patch, not an update: the kubelet writes the same Pod all the time. */
  private Optional<Pod> patchLabels(Pod pod, RoleLabels.Labels labels) {
    var patch = new HashMap<String, Object>();
    patch.put(ClusterLabels.ROLE, labels.role().orElse(null));
    patch.put(ClusterLabels.WRITABLE, labels.writable() ? "true" : null);
    try {
      return Optional.ofNullable(api(() -> client.pods().inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("metadata", Map.of("labels", patch))))));
    } catch (KubernetesClientException e) {
      LOG.warnf("cluster %s: could not label Pod %s: %s", id, pod.getMetadata().getName(), e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * An API call retried when no answer came at all (code 0, a timeout): the retry goes over
   * another connection. The client it runs on gives up after a few seconds, not the default 10:
   * a failover must not wait on one stalled request.
   */
  private <T> T api(java.util.function.Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 0 || attempt == 3) {
          throw e;
        }
        LOG.warnf("cluster %s: API call got no answer (attempt %d), retrying: %s", id, attempt, e.getMessage());
      }
    }
  }

  /**
   * Writes when the status differs from the last one written or from the cached object: a whole
   * object update by someone else can put an old status back.
   */
  private boolean writeStatus(MySQLCluster cluster, MySQLClusterStatus status) {
    if (status.equals(written) && status.equals(cluster.getStatus())) {
      return true;
    }
    boolean onlyPositionsMoved = cluster.getStatus() != null
        && ObservedStatus.withoutPositions(status).equals(ObservedStatus.withoutPositions(cluster.getStatus()))
        && Instant.now().isBefore(writtenAt.plus(POSITIONS_REFRESH));
    if (onlyPositionsMoved) {
      return true;
    }
    // A PUT of the status at the version last seen, never a JSON patch: the mock API server
    // never answers a patch whose test operation fails, and the client then waits 10 s.
    var target = cluster;
    for (int attempt = 1; ; attempt++) {
      var current = target;
      try {
        api(() -> StatusUpdate.put(client, current, status, MySQLCluster::new));
        written = status;
        writtenAt = Instant.now();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 3) {
          LOG.warnf("cluster %s: could not write status: %s", id, e.getMessage());
          return false;
        }
        target = api(() -> client.resources(MySQLCluster.class).inNamespace(cluster.getMetadata().getNamespace())
            .withName(cluster.getMetadata().getName()).get());
        if (target == null) {
          return false;
        }
      }
    }
  }

  /**
   * @param verifying whether TLS is on or an instance still serves it: then the operator verifies
   *     every instance, and speaks plaintext only to those of {@link #plaintextHosts}
   */
  private Engine engine(Accounts accounts, Duration interval, boolean verifying, List<X509Certificate> authorities) {
    if (engine == null || !engine.accounts().equals(accounts) || !engine.probeInterval().equals(interval)
        || engine.verifying() != verifying || !engine.authorities().equals(authorities)) {
      // A probe must answer within an interval; a frozen server accepts TCP and never greets.
      var connectTimeout = interval.compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : interval;
      var plaintext = new Sessions(accounts.operator(), connectTimeout, READ_TIMEOUT,
          forwards.<Sessions.Route>map(route -> route).orElse(Sessions.Route.DIRECT));
      var sessions = verifying ? plaintext.verifyingServersWith(authorities, instance -> plaintextHosts.contains(instance.host()))
          : plaintext;
      engine = new Engine(accounts, interval, verifying, authorities, new Observer(sessions),
          new Executor(sessions, accounts.replication(), CATCH_UP_TIMEOUT), new RuntimeSettings(sessions),
          new ServedCertificates(sessions));
    }
    return engine;
  }

  private static Optional<Accounts> accounts(Secret secret) {
    if (!CredentialsSecret.missingKeys(secret).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Accounts(
        new Account(StatefulSetDependent.OPERATOR_USER, decode(secret, CredentialsSecret.OPERATOR_PASSWORD)),
        new Account(StatefulSetDependent.REPLICATION_USER, decode(secret, CredentialsSecret.REPLICATION_PASSWORD))));
  }

  private static String decode(Secret secret, String key) {
    return CredentialsSecret.value(secret, key).orElseThrow();
  }

  /** mysqld's container, not a sidecar: an exporter running beside a stopped mysqld fences nothing. */
  private static boolean isMysqldRunning(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
        && pod.getStatus().getContainerStatuses().stream().anyMatch(c -> StatefulSetDependent.MYSQLD_CONTAINER.equals(c.getName())
            && c.getState() != null && c.getState().getRunning() != null);
  }

  static boolean isTerminating(Pod pod) {
    return pod != null && pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** The kubelet's word, the second witness: the Pod is gone, terminating, or not ready. */
  static boolean isDown(Pod pod) {
    return pod == null || isTerminating(pod) || !ClusterStatusAggregator.isReady(pod);
  }
}

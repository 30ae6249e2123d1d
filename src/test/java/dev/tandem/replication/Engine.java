package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The engine driven the way the control loop will drive it: observe every member, plan, run the
 * actions, record the master; again until the plan says the cluster is healthy.
 */
public final class Engine implements AutoCloseable {

  static final Sessions PLAINTEXT = new Sessions(LocalMariaDb.OPERATOR, Duration.ofMillis(500), Duration.ofSeconds(2), Sessions.Route.DIRECT);
  final Sessions sessions;
  final Observer observer;
  final Executor executor;
  final ExecutorService probes = Executors.newCachedThreadPool();
  DesiredCluster desired;
  Optional<String> recordedMaster = Optional.empty();
  final Set<String> knownDown = new HashSet<>();
  /** Whether each step's result is printed (tests) or not (the bench). */
  boolean quiet;

  /** One pass's plan and what running it did. */
  public record Pass(Plan plan, List<StepResult> results) {}

  public Engine(DesiredCluster desired) {
    this(desired, PLAINTEXT);
  }

  Engine(DesiredCluster desired, Sessions sessions) {
    this.desired = desired;
    this.sessions = sessions;
    this.observer = new Observer(sessions);
    this.executor = new Executor(sessions, LocalMariaDb.REPLICATION, Duration.ofSeconds(10));
  }

  ClusterView view() {
    return new ClusterView(desired, observer.observeAll(desired.members(), probes), recordedMaster, knownDown);
  }

  Plan plan() {
    return Planner.plan(view());
  }

  Pass pass() {
    var plan = plan();
    var results = executor.execute(plan, desired);
    if (results.stream().noneMatch(StepResult::failed) && !plan.masters().isEmpty()) {
      recordedMaster = plan.master();
    }
    if (!quiet) {
      results.forEach(result -> System.out.println("  " + result));
    }
    return new Pass(plan, results);
  }

  /** Passes until healthy; fails with the last plan when it takes longer than the timeout. */
  public List<Pass> converge(Duration timeout) throws InterruptedException {
    var passes = new ArrayList<Pass>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      var pass = pass();
      passes.add(pass);
      if (pass.plan().state() == Plan.State.HEALTHY) {
        return passes;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not healthy within " + timeout + "; last plan " + pass.plan() + "; results " + pass.results());
      }
      Thread.sleep(100);
    }
  }

  /** Passes until one has nothing left to do: healthy, or degraded with only findings to report. */
  List<Pass> settle(Duration timeout) throws InterruptedException {
    var passes = new ArrayList<Pass>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      var pass = pass();
      passes.add(pass);
      if (pass.plan().actions().isEmpty()) {
        return passes;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still acting after " + timeout + "; last plan " + pass.plan() + "; results " + pass.results());
      }
      Thread.sleep(100);
    }
  }

  InstanceSnapshot.ServerState server(String name) {
    return observer.observe(name, desired.members().get(name)).server()
        .orElseThrow(() -> new AssertionError(name + " is unreachable"));
  }

  /** Converges on the servers, then creates the application's schema on the master. */
  Engine convergedWithSchema(LocalMariaDb servers) throws Exception {
    converge(Duration.ofSeconds(30));
    ContinuousWriter.createSchema(servers.server(recordedMaster.orElseThrow()));
    return this;
  }

  public static DesiredCluster masterReplica(LocalMariaDb servers) {
    return new DesiredCluster(DesiredCluster.Layout.MASTER_REPLICA, servers.endpoints(), Optional.empty(), List.of(), Set.of(), true, true);
  }

  static DesiredCluster dualMaster(LocalMariaDb servers) {
    return new DesiredCluster(DesiredCluster.Layout.DUAL_MASTER, servers.endpoints(), Optional.empty(), List.of(), Set.of(), true, true);
  }

  DesiredCluster withPreferredMaster(String name) {
    return desired.withPreferredMaster(name);
  }

  @Override
  public void close() {
    probes.shutdownNow();
  }
}

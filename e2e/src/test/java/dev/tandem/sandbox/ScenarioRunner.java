package dev.tandem.sandbox;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.Topology;
import dev.tandem.kubernetes.ClusterCertificates;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.packaging.ChartRendering;
import dev.tandem.replication.Account;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.ServedCertificates;
import dev.tandem.replication.Sessions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Runs a {@link Scenario} against the sandbox and the operator, and reports what happened: every
 * change of master, the writes acknowledged and lost, whether two instances ever took writes,
 * whether the instances agree at the end, and each expectation's verdict.
 */
public final class ScenarioRunner implements AutoCloseable {

  static final List<String> STEPS = List.of("waitReady", "writes", "kill", "freeze", "deletePod", "partition", "restartOperator",
      "stopOperator", "startOperator", "waitCondition", "waitFailover", "waitReconciled", "apply", "sleep", "expect", "heal", "showTopology", "thaw", "backup", "restore", "load", "schedule", "markTime",
      "holdApplier", "releaseApplier", "killOperatorMidChange", "waitWrites", "waitConverged", "offline", "online",
      "waitRollout", "sql", "waitAnnotationRemoved", "deleteBackup", "measureWrites", "log", "stress", "waitSchemaApplied",
      "deleteSecret", "waitEvents", "switchOver");
  static final String APP_USER = "app";
  static final String APP_PASSWORD = "app-pw";
  static final String APP_TABLE = "app.writes";

  private final Sandbox sandbox;
  private final OperatorProcess operator;
  private final KubernetesClient client;
  private final Scenario scenario;
  private final String namespace;
  private final String cluster;
  private final boolean dualMaster;
  private final Observations observations;
  private final ScenarioBackups backups;
  private final java.util.function.Consumer<Map<String, Object>> progress;
  private final List<Map<String, Object>> stepReports = new ArrayList<>();
  private final List<Map<String, Object>> verdicts = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();
  private final List<OperatorStart> operatorStarts = new ArrayList<>();
  /** When run() began: step and write times in the report count from it. */
  private long runStarted;
  private final List<ClientPod.Ack> earlierAcks = new ArrayList<>();
  /** The writer Service's writes, one session per writes start..stop: a stop is no gap. */
  private final List<WriteSession> earlierSessions = new ArrayList<>();

  /** One writes start..stop: its acknowledgements, and when it stopped (now for the one running). */
  record WriteSession(List<ClientPod.Ack> acks, long stoppedNanos) {}
  private ClientPod writer;
  /** Writers through other Services (a DualMaster's masters Service); counted for lost writes only. */
  private final List<ClientPod> otherWriters = new ArrayList<>();
  /** The writer of the first writes start, started with the scenario (see {@link ClientPod#standby}). */
  private ClientPod standbyWriter;
  private final List<ClientPod.Ack> otherAcks = new ArrayList<>();
  private long nextId = 1;
  /** When the last fault or apply happened: waitFailover waits for a change of master after it. */
  private long lastMark;
  private final List<String> cutNetworks = new ArrayList<>();
  private final List<ProcessHandle> frozen = new ArrayList<>();
  private final ApplierHold applierHold = new ApplierHold();
  /** The change of master that was in progress when killOperatorMidChange killed the operator. */
  private FailoverRecord interruptedChange;
  private long appliedAt;
  private Long readyMillis;
  private Instant runStartedAt = Instant.EPOCH;
  /** A gap between acknowledged writes longer than this counts as a stall in the report. */
  private static final long STALL_MILLIS = 100;
  /** Pod name → uid when the cluster was first Ready: a Pod with another uid now was replaced since. */
  private final Map<String, String> uidsWhenReady = new LinkedHashMap<>();
  private boolean schemaCreated;

  /** A fault injected on a Pod, and whether that Pod was the master then. */
  record Fault(String kind, String pod, String address, long nanos, Instant at, boolean onMaster) {}

  /** An operator (re)started by a step: when, once its predecessor was dead. */
  record OperatorStart(long nanos, Instant at) {}

  /** @param progress told of each step as soon as it finished (its report entry) */
  public ScenarioRunner(Sandbox sandbox, OperatorProcess operator, Scenario scenario,
      java.util.function.Consumer<Map<String, Object>> progress) {
    this.progress = progress;
    this.sandbox = sandbox;
    this.operator = operator;
    this.client = sandbox.api().client();
    this.scenario = scenario;
    this.namespace = namespace(scenario);
    @SuppressWarnings("unchecked")
    var metadata = (Map<String, Object>) scenario.cluster().get("metadata");
    this.cluster = metadata.get("name").toString();
    @SuppressWarnings("unchecked")
    var spec = (Map<String, Object>) scenario.cluster().getOrDefault("spec", Map.of());
    this.dualMaster = Topology.DualMaster.name().equals(spec.get("topology"));
    this.observations = new Observations(client, namespace, cluster, dualMaster);
    this.backups = new ScenarioBackups(client, namespace, cluster, scenario.cluster(), this::writerAcks,
        sandbox.root().resolve("claims").resolve(namespace), sandbox.root().resolve("s3"), pod -> {
          recordFault("kill", pod);
          sandbox.kubelet().runtime(namespace, pod).process().ifPresent(mysqld -> signal("KILL", mysqld));
        }, this::dataBytes);
  }

  /** The namespace a scenario runs in, its own. */
  static String namespace(Scenario scenario) {
    return "s-" + scenario.name().toLowerCase().replaceAll("[^a-z0-9-]", "-");
  }

  /** Runs every step, stopping at the first that fails; returns the report (see e2e/README.md). */
  public Map<String, Object> run() {
    long started = System.nanoTime();
    runStarted = started;
    runStartedAt = Instant.now();
    String failure = null;
    try {
      operator.useInstanceAccess(scenario.instanceAccess());
      sandbox.api().createNamespace(namespace);
      @SuppressWarnings("unchecked")
      var metadata = (Map<String, Object>) scenario.cluster().get("metadata");
      metadata.put("namespace", namespace);
      asWritten(scenario.cluster()).create();
      appliedAt = System.nanoTime();
      if (scenario.steps().stream().anyMatch(step -> step.kind().equals("writes") && "start".equals(step.string("value", "")))) {
        standbyWriter = ClientPod.standby(sandbox, namespace, cluster, APP_USER, APP_PASSWORD, APP_TABLE);
      }
      observations.start();
      for (var step : scenario.steps()) {
        long stepStarted = System.nanoTime();
        var report = new LinkedHashMap<String, Object>();
        report.put("step", step.toString());
        report.put("atMillis", (stepStarted - runStarted) / 1_000_000);
        try {
          String detail = run(step);
          report.put("ok", true);
          if (!detail.isEmpty()) {
            report.put("detail", detail);
          }
        } catch (Exception | AssertionError e) {
          report.put("ok", false);
          report.put("detail", String.valueOf(e.getMessage()));
          failure = step + ": " + e.getMessage();
        }
        report.put("millis", (System.nanoTime() - stepStarted) / 1_000_000);
        stepReports.add(report);
        progress.accept(report);
        if (failure != null) {
          break;
        }
      }
      recordMetrics();
    } catch (Exception e) {
      failure = "setting up: " + e;
    }
    var report = report();
    report.put("millis", (System.nanoTime() - started) / 1_000_000);
    boolean passed = failure == null && verdicts.stream().allMatch(v -> Boolean.TRUE.equals(v.get("passed")));
    report.put("passed", passed);
    if (failure != null) {
      report.put("failure", failure);
    }
    return report;
  }

  private String run(Scenario.Step step) throws Exception {
    var timeout = Duration.ofMillis((long) (step.number("timeoutSeconds", 60) * 1000));
    switch (step.kind()) {
      case "waitReady" -> {
        await(timeout, this::isReady, "the cluster to be Ready with a master");
        if (readyMillis == null) {
          readyMillis = (System.nanoTime() - appliedAt) / 1_000_000;
          pods().forEach(pod -> uidsWhenReady.put(pod.getMetadata().getName(), pod.getMetadata().getUid()));
        }
        createSchemaOnce();
        return "ready; master " + master().orElse("?");
      }
      case "writes" -> {
        return writes(step);
      }
      case "kill" -> {
        var pods = "all".equals(step.string("target", "")) ? pods().stream().map(p -> p.getMetadata().getName()).toList() : List.of(target(step));
        var processes = new ArrayList<ProcessHandle>();
        for (String pod : pods) {
          processes.add(sandbox.kubelet().runtime(namespace, pod).process()
              .orElseThrow(() -> new IllegalStateException(pod + " runs no mysqld")));
          recordFault("kill", pod);
        }
        // Every fault is recorded before the first kill: all of them at once, as a power cut would.
        processes.forEach(ProcessHandle::destroyForcibly);
        return "kill -9 of mysqld in " + pods;
      }
      case "freeze" -> {
        var pod = target(step);
        var process = sandbox.kubelet().runtime(namespace, pod).process().orElseThrow(() -> new IllegalStateException(pod + " runs no mysqld"));
        recordFault("freeze", pod);
        signal("STOP", process);
        frozen.add(process);
        if (!step.args().containsKey("seconds")) {
          return "froze " + pod + " until a thaw step";
        }
        Thread.sleep((long) (step.number("seconds", 10) * 1000));
        thaw();
        return "froze " + pod + " for " + step.number("seconds", 10) + " s";
      }
      case "thaw" -> {
        return thaw();
      }
      case "stress" -> {
        var pod = target(step);
        var duration = java.time.Duration.ofSeconds((long) step.number("seconds", 60));
        var stress = sandbox.kubelet().runtime(namespace, pod).stress(duration);
        String output = new String(stress.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!stress.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || stress.exitValue() != 0) {
          stress.destroyForcibly();
          throw new IllegalStateException("stress-ng on " + pod + " failed: " + output.strip());
        }
        return "stress-ng in " + pod + "'s Pod for " + duration.toSeconds() + " s (every core, 2 fsync writers): "
            + output.lines().filter(line -> line.contains("cpu ") || line.contains("hdd ")).map(String::strip).toList();
      }
      case "deletePod" -> {
        var pods = "all".equals(step.string("target", "")) ? pods().stream().map(p -> p.getMetadata().getName()).toList() : List.of(target(step));
        for (String pod : pods) {
          recordFault("deletePod", pod);
          client.pods().inNamespace(namespace).withName(pod).delete();
        }
        return "deleted " + pods;
      }
      case "partition" -> {
        return partition(step);
      }
      case "heal" -> {
        return heal();
      }
      case "showTopology" -> {
        var table = new StringBuilder(String.format("%n  %-8s %-12s %-6s %-10s %s", "POD", "IP", "READY", "READ_ONLY", "ROLE"));
        Thread.sleep(300);
        for (var row : topology()) {
          table.append(String.format("%n  %-8s %-12s %-6s %-10s %s", row.get("pod"), row.get("ip"), row.get("ready"), row.get("readOnly"),
              row.get("role")));
        }
        return table.toString();
      }
      case "restartOperator", "startOperator" -> {
        operator.restart();
        // After the kill: from here on, a renewal of the Lease is the new process's.
        operatorStarts.add(new OperatorStart(System.nanoTime(), Instant.now()));
        return "operator started";
      }
      case "stopOperator" -> {
        operator.kill();
        return "operator killed";
      }
      case "killOperatorMidChange" -> {
        return killOperatorMidChange(timeout);
      }
      case "holdApplier" -> {
        var master = master().orElseThrow(() -> new IllegalStateException("no master: the replicas are the other instances"));
        var held = new ArrayList<String>();
        for (var pod : pods()) {
          if (!pod.getMetadata().getName().equals(master)) {
            applierHold.hold(pod.getStatus().getPodIP());
            held.add(pod.getMetadata().getName());
          }
        }
        return "replication appliers held on " + held;
      }
      case "releaseApplier" -> {
        return "released " + applierHold.release() + " applier hold(s)";
      }
      case "waitCondition" -> {
        String type = step.string("type", "Ready");
        String status = step.string("status", "True");
        String of = step.string("cluster", cluster);
        Optional<String> reason = Optional.ofNullable(step.args().get("reason")).map(Object::toString);
        // With readyInstances, the condition counts once that many instances are Ready: a scale-up's new one among them.
        int readyInstances = (int) step.number("readyInstances", 0);
        await(timeout, () -> condition(of, type).filter(c -> c.getStatus().equals(status)
            && reason.map(c.getReason()::equals).orElse(true)).isPresent() && (readyInstances == 0 || readyInstances(of) == readyInstances),
            of + " " + type + "=" + status + reason.map(r -> " (" + r + ")").orElse("")
                + (readyInstances == 0 ? "" : " with " + readyInstances + " instances Ready"));
        return condition(of, type).map(c -> c.getReason() + ": " + c.getMessage()).orElse("");
      }
      case "sql" -> {
        String target = step.string("target", "master");
        String pod = target.equals("master") ? master().orElseThrow(() -> new IllegalStateException("sql: no master in status")) : target;
        String output = sandbox.kubelet().runtime(namespace, pod).sqlAsRoot(secret(CredentialsSecret.ROOT_PASSWORD),
            step.string("statement", "")).strip();
        return "on " + pod + (output.isEmpty() ? "" : ": " + output);
      }
      case "deleteSecret" -> {
        String name = step.string("name", "");
        client.secrets().inNamespace(namespace).withName(name).delete();
        return "deleted Secret " + name;
      }
      case "waitEvents" -> {
        String reason = step.string("reason", "");
        long count = (long) step.number("count", 1);
        await(timeout, () -> eventCounts(java.util.Set.of(reason)).get(reason) >= count, count + " " + reason + " Events");
        return eventCounts(java.util.Set.of(reason)).get(reason) + " " + reason + " Events";
      }
      case "waitAnnotationRemoved" -> {
        String annotation = step.string("name", "");
        await(timeout, () -> Optional.ofNullable(current().getMetadata().getAnnotations()).map(a -> !a.containsKey(annotation)).orElse(true),
            "annotation " + annotation + " to be removed");
        return "";
      }
      case "measureWrites" -> {
        if (writer == null) {
          throw new IllegalStateException("measureWrites needs writes running");
        }
        double seconds = step.number("seconds", 10);
        long from = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        int acknowledged = writer.acknowledgedSince(from);
        return String.format(java.util.Locale.ROOT, "%.0f writes/s over %.0f s", acknowledged / seconds, seconds);
      }
      case "log" -> {
        // As kubectl logs: a Job's Pod (job:) or a Pod (pod:), its first container unless container: names another.
        String job = step.string("job", null);
        var pod = job == null
            ? patiently(() -> client.pods().inNamespace(namespace).withName(step.string("pod", "")).get())
            : patiently(() -> client.pods().inNamespace(namespace).withLabel(JobController.JOB_NAME_LABEL, job).list().getItems())
                .stream().findFirst().orElse(null);
        if (pod == null) {
          throw new IllegalStateException("no Pod " + (job == null ? step.string("pod", "") : "of Job " + job));
        }
        String container = step.string("container", pod.getSpec().getContainers().get(0).getName());
        var lines = sandbox.kubelet().log(namespace, pod.getMetadata().getName(), container).orElse("").lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - (int) step.number("lines", 2)), lines.size()));
      }
      case "deleteBackup" -> {
        String name = step.string("name", "");
        client.resources(dev.tandem.api.MySQLBackup.class).inNamespace(namespace).withName(name).delete();
        await(timeout, () -> client.resources(dev.tandem.api.MySQLBackup.class).inNamespace(namespace).withName(name).get() == null,
            "backup " + name + " and its files to be deleted");
        return "";
      }
      case "waitWrites" -> {
        if (writer == null) {
          throw new IllegalStateException("waitWrites needs writes running");
        }
        long since = System.nanoTime();
        await(timeout, () -> writer.acks().stream().anyMatch(ack -> ack.nanos() > since),
            "a write acknowledged through the writer Service after this step began");
        var first = writer.acks().stream().filter(ack -> ack.nanos() > since).findFirst().orElseThrow();
        return "a write acknowledged " + (first.nanos() - since) / 1_000_000 + " ms after this step began, by " + first.address();
      }
      case "offline", "online" -> {
        var offline = step.kind().equals("offline") ? List.of(target(step)) : List.<String>of();
        lastMark = System.nanoTime();
        client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster)
            .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("spec", Map.of("offline", offline))));
        return "spec.offline " + offline;
      }
      case "waitConverged" -> {
        long since = System.nanoTime();
        awaitNothingLeft(timeout, this::divergence, "the cluster to converge");
        return "converged in " + (System.nanoTime() - since) / 1_000_000 + " ms; master " + master().orElse("?");
      }
      case "waitReconciled" -> {
        await(timeout, () -> Optional.ofNullable(current()).filter(c -> c.getStatus() != null
            && Objects.equals(c.getStatus().getObservedGeneration(), c.getMetadata().getGeneration())).isPresent(),
            "the operator to observe the cluster's latest generation");
        return "observed generation " + current().getMetadata().getGeneration();
      }
      case "waitFailover" -> {
        int before = observations.changesBefore(lastMark);
        await(timeout, () -> observations.changes().size() > before, "a completed change of master");
        var change = observations.changes().get(observations.changes().size() - 1);
        return change.type() + " " + change.from() + " -> " + change.to() + " in " + change.durationMillis() + " ms";
      }
      case "apply" -> {
        return apply(step);
      }
      case "switchOver" -> {
        // By role, not by name: which replica a failover promoted (the most advanced) is not known
        // beforehand. One no fault hit is preferred: an old master may come back with errant writes.
        var faulted = faults.stream().map(Fault::pod).collect(Collectors.toSet());
        String to = replicas().stream().sorted(Comparator.comparing(faulted::contains)).findFirst()
            .orElseThrow(() -> new IllegalStateException("no replica to switch over to"));
        return apply(new Scenario.Step("apply", Map.of("patch", Map.of("spec", Map.of("master", to))))) + ": spec.master " + to;
      }
      case "load" -> {
        return load(step, timeout);
      }
      case "backup" -> {
        return backups.backup(step, timeout);
      }
      case "restore" -> {
        return backups.restore(step, timeout);
      }
      case "schedule" -> {
        return backups.schedule(step, timeout);
      }
      case "markTime" -> {
        return backups.markTime(step, writer != null);
      }
      case "waitRollout" -> {
        long since = System.nanoTime();
        awaitNothingLeft(timeout, this::rolloutPending, "every Pod to run the current template and be Ready");
        return "rolled out in " + (System.nanoTime() - since) / 1_000_000 + " ms; master " + master().orElse("?");
      }
      case "waitSchemaApplied" -> {
        String on = step.string("on", "master");
        awaitNothingLeft(timeout, () -> schemaNotApplied(on.equals("master") ? master().orElse("?") : on),
            "every MySQLDatabase, MySQLUser and MySQLGrant Ready and applied on " + on);
        return "every MySQLDatabase, MySQLUser and MySQLGrant Ready, applied on " + master().orElse("?");
      }
      case "sleep" -> {
        Thread.sleep((long) (step.number("seconds", 1) * 1000));
        return "";
      }
      case "expect" -> {
        return expect(step);
      }
      default -> throw new IllegalArgumentException("unknown step " + step.kind());
    }
  }

  /**
   * Waits until status records a change of master that has started and not finished, SIGKILLs
   * the operator, then reads status again: the change must still be unfinished now that no
   * operator runs, or the scenario did not kill the operator mid-change and the step fails.
   */
  private String killOperatorMidChange(Duration timeout) throws InterruptedException {
    await(timeout, () -> unfinishedChange().isPresent(), "status to record a change of master in progress");
    var seen = unfinishedChange().orElseThrow();
    long started = System.nanoTime();
    operator.kill();
    long killMillis = (System.nanoTime() - started) / 1_000_000;
    var afterDeath = unfinishedChange();
    if (afterDeath.isEmpty() || !afterDeath.get().startedAt().equals(seen.startedAt())) {
      throw new AssertionError("the operator was killed too late: status after its death shows "
          + Optional.ofNullable(current()).map(MySQLCluster::getStatus).map(status -> status.getLastFailover())
              .map(ScenarioRunner::describe).orElse("no change of master")
          + ", not the unfinished " + describe(seen));
    }
    interruptedChange = afterDeath.get();
    return "operator SIGKILLed (" + killMillis + " ms) with " + describe(interruptedChange) + " recorded and unfinished";
  }

  private Optional<FailoverRecord> unfinishedChange() {
    return Optional.ofNullable(current()).map(MySQLCluster::getStatus).map(status -> status.getLastFailover())
        .filter(change -> change.startedAt() != null && change.finishedAt() == null);
  }

  private static String describe(FailoverRecord change) {
    return change.type() + " " + change.from() + " -> " + change.to() + " started at " + change.startedAt();
  }

  /** The completed change that is the interrupted one: same type, instances and start. */
  private Object interruptedChangeFinished() {
    if (interruptedChange == null) {
      return "no change was interrupted: killOperatorMidChange did not run";
    }
    var finished = observations.changes().stream().filter(change -> change.type().equals(interruptedChange.type())
        && change.from().equals(interruptedChange.from()) && change.to().equals(interruptedChange.to())
        && change.startedAt().equals(interruptedChange.startedAt())).findFirst();
    return finished.<Object>map(change -> true).orElseGet(() -> "not finished: interrupted " + describe(interruptedChange)
        + "; completed " + observations.changes().stream().map(ScenarioRunner::describe).toList());
  }

  /**
   * {@code load: {rows, rowBytes}}: a table app.bulk of that many rows, written on the master in
   * batches, then waited for on every instance; the data set of the backup steps.
   */
  private String load(Scenario.Step step, Duration timeout) throws Exception {
    long rows = (long) step.number("rows", 100_000);
    int rowBytes = (int) step.number("rowBytes", 200);
    createSchemaOnce();
    String master = master().orElseThrow();
    long started = System.nanoTime();
    var root = sandbox.kubelet().runtime(namespace, master);
    root.sqlAsRoot(secret(CredentialsSecret.ROOT_PASSWORD), "CREATE TABLE IF NOT EXISTS app.bulk (id BIGINT PRIMARY KEY, pad VARCHAR(4096))");
    long batch = 50_000;
    for (long first = 1; first <= rows; first += batch) {
      long last = Math.min(rows, first + batch - 1);
      root.sqlAsRoot(secret(CredentialsSecret.ROOT_PASSWORD),
          "INSERT INTO app.bulk SELECT seq, REPEAT('x', " + rowBytes + ") FROM app.seq_" + first + "_to_" + last);
    }
    await(timeout, () -> pods().stream().allMatch(pod -> bulkRows(pod.getStatus().getPodIP()) == rows), "every instance to hold the loaded rows");
    return "loaded " + rows + " rows of " + rowBytes + " bytes (" + rows * rowBytes / 1_000_000 + " MB) in "
        + (System.nanoTime() - started) / 1_000_000 + " ms, on every instance";
  }

  /** InnoDB data and index bytes of the application's schemas on one instance, as its tables report them. */
  private Optional<Long> dataBytes(String pod) {
    try (var connection = DriverManager.getConnection(url(podIp(pod)), APP_USER, APP_PASSWORD);
        var rows = connection.createStatement().executeQuery("SELECT SUM(data_length + index_length) FROM information_schema.tables"
            + " WHERE table_schema NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema')")) {
      rows.next();
      return Optional.of(rows.getLong(1));
    } catch (SQLException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static long bulkRows(String ip) {
    try (var connection = DriverManager.getConnection(url(ip), APP_USER, APP_PASSWORD);
        var rows = connection.createStatement().executeQuery("SELECT COUNT(*) FROM app.bulk")) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException notYet) {
      return -1;
    }
  }

  private String writes(Scenario.Step step) throws Exception {
    String what = step.string("value", "");
    if (step.args().containsKey("start")) {
      String service = step.string("start", cluster);
      createSchemaOnce();
      var other = ClientPod.writer(sandbox, ClientPod.POD + "-" + (otherWriters.size() + 2), namespace, service, APP_USER, APP_PASSWORD,
          APP_TABLE, nextId + 100_000_000L * (otherWriters.size() + 1));
      otherWriters.add(other);
      await(Duration.ofSeconds(60), () -> other.acknowledgedCount() > 0, "a first write acknowledged through " + service);
      return "writing through Service " + service;
    }
    if ("start".equals(what)) {
      if (writer != null) {
        throw new IllegalStateException("writes are already running");
      }
      createSchemaOnce();
      writer = standbyWriter != null ? standbyWriter.go(nextId) : ClientPod.writer(sandbox, namespace, cluster, APP_USER, APP_PASSWORD,
          APP_TABLE, nextId);
      standbyWriter = null;
      await(Duration.ofSeconds(60), () -> writer.acknowledgedCount() > 0, "a first acknowledged write");
      return "writing through Service " + cluster;
    }
    if ("stop".equals(what)) {
      if (writer == null) {
        throw new IllegalStateException("writes are not running");
      }
      writer.close();
      earlierAcks.addAll(writer.acks());
      earlierSessions.add(new WriteSession(writer.acks(), System.nanoTime()));
      for (var other : otherWriters) {
        other.close();
        otherAcks.addAll(other.acks());
      }
      otherWriters.clear();
      nextId = allAcks().stream().mapToLong(ClientPod.Ack::id).max().orElse(0) + 1_000_000_000L;
      writer = null;
      return allAcks().size() + " writes acknowledged";
    }
    throw new IllegalArgumentException("writes: start, stop or {start: <service>}, not '" + what + "'");
  }

  private String partition(Scenario.Step step) throws Exception {
    var pod = target(step);
    var runtime = sandbox.kubelet().runtime(namespace, pod);
    @SuppressWarnings("unchecked")
    var from = (List<Object>) step.args().getOrDefault("from", List.of("everyone"));
    var network = sandbox.network();
    recordFault("partition", pod);
    cutNetworks.add(runtime.networkName());
    if (from.contains("everyone")) {
      network.cutOff(runtime.networkName());
    } else {
      var peers = new ArrayList<String>();
      for (Object group : from) {
        switch (group.toString()) {
          case "operator" -> peers.add(network.attachment(OperatorProcess.POD).ip());
          case "clients" -> {
            if (writer != null) {
              peers.add(network.attachment(writer.pod()).ip());
            }
            otherWriters.forEach(other -> peers.add(network.attachment(other.pod()).ip()));
          }
          case "replicas" -> pods().stream().filter(p -> !p.getMetadata().getName().equals(pod))
              .map(p -> p.getStatus().getPodIP()).filter(Objects::nonNull).forEach(peers::add);
          default -> throw new IllegalArgumentException("partition from: everyone, operator, clients or replicas, not " + group);
        }
      }
      network.cut(runtime.networkName(), peers);
    }
    if (!step.args().containsKey("seconds")) {
      return "cut " + pod + " from " + from + " until a heal step";
    }
    double seconds = step.number("seconds", 10);
    try {
      Thread.sleep((long) (seconds * 1000));
    } finally {
      heal();
    }
    return "cut " + pod + " from " + from + " for " + seconds + " s, then healed";
  }

  /** SIGCONT to every frozen mysqld. */
  private String thaw() {
    frozen.stream().filter(ProcessHandle::isAlive).forEach(process -> signal("CONT", process));
    int count = frozen.size();
    frozen.clear();
    return "thawed " + count + " process(es)";
  }

  /** Heals every cut; a Pod deleted meanwhile took its network, and its cut, with it. */
  private String heal() {
    var healed = new ArrayList<String>();
    for (String network : cutNetworks) {
      try {
        sandbox.network().heal(network);
        healed.add(network);
      } catch (IllegalArgumentException gone) {
        // The Pod was deleted (fenced); its replacement has a network of its own.
      }
    }
    cutNetworks.clear();
    return "healed " + healed.size() + " network(s)";
  }

  private String apply(Scenario.Step step) {
    lastMark = System.nanoTime();
    @SuppressWarnings("unchecked")
    var expectation = (Map<String, Object>) step.args().getOrDefault("expect", Map.of());
    boolean shouldBeRejected = Boolean.TRUE.equals(expectation.get("rejected"));
    try {
      if (step.args().containsKey("patch")) {
        var target = new LinkedHashMap<>(scenario.cluster());
        if (step.args().containsKey("cluster")) {
          target.put("metadata", Map.of("name", step.string("cluster", cluster)));
        }
        asWritten(target).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(step.args().get("patch")));
      } else {
        @SuppressWarnings("unchecked")
        var manifest = new LinkedHashMap<>((Map<String, Object>) step.args().get("manifest"));
        @SuppressWarnings("unchecked")
        var metadata = new LinkedHashMap<>((Map<String, Object>) manifest.get("metadata"));
        metadata.put("namespace", namespace);
        manifest.put("metadata", metadata);
        asWritten(manifest).createOr(existing -> existing.update());
      }
    } catch (KubernetesClientException e) {
      if (!shouldBeRejected) {
        throw e;
      }
      String contains = String.valueOf(expectation.getOrDefault("messageContains", ""));
      boolean matches = e.getMessage().contains(contains);
      verdict("rejected", true, true, matches);
      if (!matches) {
        throw new AssertionError("rejected, but the message does not contain '" + contains + "': " + e.getMessage());
      }
      return "rejected: " + e.getStatus().getMessage();
    }
    if (shouldBeRejected) {
      verdict("rejected", true, false, false);
      throw new AssertionError("the API server accepted what should have been rejected");
    }
    return "applied";
  }

  /**
   * The manifest as the user wrote it, sent as kubectl sends it: untyped, so that a value the
   * CRD does not allow (an unknown enum value) reaches the API server and its admission answers,
   * rather than failing to map onto {@link MySQLCluster} in the client.
   */
  private Resource<GenericKubernetesResource> asWritten(Map<String, Object> manifest) {
    var resource = Serialization.unmarshal(Serialization.asJson(manifest), GenericKubernetesResource.class);
    resource.getMetadata().setNamespace(namespace);
    return client.genericKubernetesResources(resource.getApiVersion(), resource.getKind()).inNamespace(namespace).resource(resource);
  }

  private String expect(Scenario.Step step) throws Exception {
    var failed = new ArrayList<String>();
    for (var entry : step.args().entrySet()) {
      Object expected = entry.getValue();
      Object actual = switch (entry.getKey()) {
        case "lostWrites" -> lostWrites().size();
        case "splitBrain" -> splitBrain().isPresent();
        case "consistent" -> Consistency.await(Duration.ofSeconds(60), this::instances);
        case "masterChanged" -> !observations.changes().isEmpty();
        case "failovers" -> observations.changes().stream().filter(c -> "Failover".equals(c.type())).count();
        case "switchovers" -> observations.changes().stream().filter(c -> "Switchover".equals(c.type())).count();
        case "master" -> master().orElse("");
        case "minWrites" -> allAcks().size();
        case "roles" -> roles();
        case "instancesWrittenBeforeFault" -> allAcks().stream()
            .filter(ack -> faults.isEmpty() || ack.nanos() < faults.get(0).nanos()).map(ClientPod.Ack::address).distinct().count();
        case "metrics" -> metrics(((Map<?, ?>) expected).keySet());
        case "restoredMatchesBackup" -> restoredMismatch(expected.toString()).orElse("exact");
        case "interruptedChangeFinished" -> interruptedChangeFinished();
        case "mysqld" -> mysqldSettings((Map<?, ?>) expected);
        case "maxWriteGapMillis" -> maxWriteGap().orElse(-1L);
        case "writesResumedAfterLeaderMillis" -> operatorStarts.isEmpty() ? -1L
            : writesResumedAfterLeader(operatorStarts.get(operatorStarts.size() - 1)).orElse(-1L);
        case "writesResumedAfterAllReachableMillis" -> writesResumedAfterAllReachable().orElse(-1L);
        case "writable" -> writableNow();
        case "ready" -> readyNow();
        case "pods" -> podsAwaited(((List<?>) expected).stream().map(Object::toString).sorted().toList());
        case "settings" -> mysqldSettings(everyInstance((Map<?, ?>) expected));
        case "podsReplaced" -> podsReplaced();
        case "rollingRestarts" -> rollingRestarts();
        case "serviceAnnotations" -> serviceAnnotations();
        case "events" -> eventCounts(((Map<?, ?>) expected).keySet());
        case "keptAside" -> keptAside();
        case "tls" -> tlsProblems();
        case "exporters" -> exporterSeries((Map<?, ?>) expected);
        default -> throw new IllegalArgumentException("unknown expectation " + entry.getKey()
            + "; known: lostWrites, splitBrain, consistent, masterChanged, failovers, switchovers, master, minWrites, roles, metrics,"
            + " instancesWrittenBeforeFault, restoredMatchesBackup, interruptedChangeFinished, mysqld, maxWriteGapMillis,"
            + " writesResumedAfterLeaderMillis, writesResumedAfterAllReachableMillis, writable, ready, pods, settings, podsReplaced,"
            + " rollingRestarts, serviceAnnotations, events, keptAside, tls, exporters");
      };
      boolean passed = switch (entry.getKey()) {
        case "consistent" -> Boolean.parseBoolean(expected.toString()) == ((Consistency.Verdict) actual).consistent();
        case "minWrites" -> ((Number) actual).longValue() >= Long.parseLong(expected.toString());
        // A bound: measured, and no longer than expected (-1 when there was nothing to measure).
        case "maxWriteGapMillis", "writesResumedAfterLeaderMillis", "writesResumedAfterAllReachableMillis" ->
            ((Number) actual).longValue() >= 0 && ((Number) actual).longValue() <= Long.parseLong(expected.toString());
        case "restoredMatchesBackup" -> "exact".equals(actual);
        case "mysqld" -> String.valueOf(expected).equals(String.valueOf(actual));
        case "serviceAnnotations" -> ((Map<?, ?>) actual).values().stream().allMatch(annotations -> ((Map<?, ?>) expected).entrySet()
            .stream().allMatch(wanted -> String.valueOf(wanted.getValue()).equals(((Map<?, ?>) annotations).get(wanted.getKey()))));
        case "settings" -> !((Map<?, ?>) actual).isEmpty() && ((Map<?, ?>) actual).values().stream().allMatch(values -> ((Map<?, ?>) values).entrySet().stream()
            .allMatch(value -> String.valueOf(((Map<?, ?>) expected).get(value.getKey())).equals(String.valueOf(value.getValue()))));
        case "roles" -> ((Map<?, ?>) expected).entrySet().stream()
            .allMatch(role -> String.valueOf(role.getValue()).equals(((Map<?, ?>) actual).get(role.getKey())));
        case "events" -> ((Map<?, ?>) expected).entrySet().stream()
            .allMatch(count -> String.valueOf(count.getValue()).equals(String.valueOf(((Map<?, ?>) actual).get(count.getKey()))));
        case "keptAside" -> ((List<?>) expected).stream().map(Object::toString).sorted().toList().equals(actual);
        case "tls" -> Boolean.parseBoolean(expected.toString()) == ((List<?>) actual).isEmpty();
        case "metrics" -> ((Map<?, ?>) expected).entrySet().stream().allMatch(metric ->
            Double.valueOf(metric.getValue().toString()).equals(((Map<?, ?>) actual).get(metric.getKey())));
        case "exporters" -> !((Map<?, ?>) actual).isEmpty() && ((Map<?, ?>) actual).values().stream()
            .allMatch(series -> seriesValues((Map<?, ?>) expected).equals(series));
        default -> expected.toString().equals(actual.toString());
      };
      verdict(entry.getKey(), expected, actual, passed);
      if (!passed) {
        failed.add(entry.getKey() + ": expected " + expected + ", was " + actual);
      }
    }
    if (!failed.isEmpty()) {
      throw new AssertionError(String.join("; ", failed));
    }
    return "all met";
  }

  /**
   * What each named instance's running mysqld has for each named global variable, e.g.
   * {@code {shop-2: {max_connections: 77}}}: read again for up to 60 s until it is the expected
   * value, since an instance deleted to take a change may still be stopping or starting.
   */
  private Map<String, Map<String, String>> mysqldSettings(Map<?, ?> expected) throws Exception {
    var settings = new LinkedHashMap<String, Map<String, String>>();
    for (var instance : expected.entrySet()) {
      String pod = instance.getKey().toString();
      var values = new LinkedHashMap<String, String>();
      for (var variable : ((Map<?, ?>) instance.getValue()).entrySet()) {
        String sql = "SELECT @@GLOBAL." + variable.getKey().toString().replaceAll("[^A-Za-z0-9_]", "");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String value;
        do {
          try {
            value = sandbox.kubelet().runtime(namespace, pod).sqlAsRoot(secret(CredentialsSecret.ROOT_PASSWORD), sql).strip();
          } catch (IllegalStateException | IllegalArgumentException e) {
            value = "unreadable: " + e.getMessage();
          }
          if (value.equals(variable.getValue().toString())) {
            break;
          }
          Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        values.put(variable.getKey().toString(), value);
      }
      settings.put(pod, values);
    }
    return settings;
  }

  /** The first MySQLDatabase, MySQLUser or MySQLGrant of the scenario not Ready or not applied on {@code instance}. */
  private Optional<String> schemaNotApplied(String instance) {
    var resources = new ArrayList<io.fabric8.kubernetes.client.CustomResource<?, dev.tandem.api.SchemaObjectStatus>>();
    resources.addAll(client.resources(dev.tandem.api.MySQLDatabase.class).inNamespace(namespace).list().getItems());
    resources.addAll(client.resources(dev.tandem.api.MySQLUser.class).inNamespace(namespace).list().getItems());
    resources.addAll(client.resources(dev.tandem.api.MySQLGrant.class).inNamespace(namespace).list().getItems());
    if (resources.isEmpty()) {
      return Optional.of("none exists");
    }
    return resources.stream().filter(resource -> {
      var status = resource.getStatus();
      return status == null || !instance.equals(status.getAppliedOn())
          || status.ready().filter(ready -> "True".equals(ready.getStatus())).isEmpty();
    }).map(resource -> resource.getKind() + " " + resource.getMetadata().getName() + ": "
        + Optional.ofNullable(resource.getStatus()).map(s -> s.getAppliedOn() + ", " + s.getMessage()).orElse("no status"))
        .findFirst();
  }

  /** Waits until {@code left} finds nothing left to wait for; the failure says what it found last. */
  private void awaitNothingLeft(Duration timeout, java.util.function.Supplier<Optional<String>> left, String what)
      throws InterruptedException {
    var problem = new java.util.concurrent.atomic.AtomicReference<String>("not looked yet");
    try {
      await(timeout, () -> {
        problem.set(left.get().orElse(null));
        return problem.get() == null;
      }, what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + problem.get());
    }
  }

  /** The same expected values for every instance spec.instances counts. */
  private Map<String, Map<?, ?>> everyInstance(Map<?, ?> values) {
    var expected = new LinkedHashMap<String, Map<?, ?>>();
    for (int ordinal = 0; ordinal < current().getSpec().getInstances(); ordinal++) {
      expected.put(cluster + "-" + ordinal, values);
    }
    return expected;
  }

  /** The annotations of the writer and reader Services. */
  private Map<String, Map<String, String>> serviceAnnotations() {
    var cluster = current();
    var annotations = new LinkedHashMap<String, Map<String, String>>();
    for (String service : List.of(ClusterNames.writerService(cluster), ClusterNames.readerService(cluster))) {
      var found = client.services().inNamespace(namespace).withName(service).get();
      annotations.put(service, found == null ? Map.of() : Optional.ofNullable(found.getMetadata().getAnnotations()).orElse(Map.of()));
    }
    return annotations;
  }

  /** The Pods whose uid differs from the one they had when the cluster was first Ready. */
  private List<String> podsReplaced() {
    return pods().stream()
        .filter(pod -> !pod.getMetadata().getUid().equals(uidsWhenReady.getOrDefault(pod.getMetadata().getName(), pod.getMetadata().getUid())))
        .map(pod -> pod.getMetadata().getName()).sorted().toList();
  }

  /**
   * What keeps the cluster from TLS everywhere, if anything: an instance whose certificate does
   * not verify against the CA in the serving Secret or is not the Secret's, a replica receiving
   * in plaintext or verifying with another CA file, a plaintext client let in while the spec
   * requires TLS.
   */
  private List<String> tlsProblems() throws Exception {
    var cluster = Objects.requireNonNull(current(), "the cluster is gone");
    var serving = ClusterCertificates.serving(client.secrets().inNamespace(namespace)
        .withName(ClusterCertificates.servingSecret(cluster)).get());
    var leaf = serving.leaf();
    var wanted = new ServedCertificates.Validity(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    var operator = new Account(StatefulSetDependent.OPERATOR_USER, secret(CredentialsSecret.OPERATOR_PASSWORD));
    var sessions = new Sessions(operator, Duration.ofSeconds(1), Duration.ofSeconds(5), Sessions.Route.DIRECT)
        .verifyingServersWith(serving.authorities(), everyInstanceHasItsCertificate -> false);
    var certificates = new ServedCertificates(sessions);
    var problems = new ArrayList<String>();
    String master = master().orElse("");
    for (var instance : instances().entrySet()) {
      String name = instance.getKey();
      var pod = instance.getValue();
      if (pod.isEmpty() || pod.get().getStatus() == null || pod.get().getStatus().getPodIP() == null) {
        problems.add(name + " has no Pod IP");
        continue;
      }
      var endpoint = new Endpoint(pod.get().getStatus().getPodIP(), 3306);
      try {
        var served = certificates.served(endpoint);
        if (!served.equals(Optional.of(wanted))) {
          problems.add(name + " serves " + served.map(Object::toString).orElse("no TLS") + ", not the Secret's " + wanted);
        }
      } catch (SQLException e) {
        problems.add(name + ": no session verified with the CA: " + e.getMessage());
      }
      if (!name.equals(master)) {
        try (var session = sessions.open(endpoint); var receiver = session.createStatement().executeQuery("SHOW SLAVE STATUS")) {
          if (!receiver.next() || !"Yes".equals(receiver.getString("Master_SSL_Allowed"))
              || !MyCnf.TLS_AUTHORITIES.equals(receiver.getString("Master_SSL_CA_File"))) {
            problems.add(name + " does not receive over TLS verified with " + MyCnf.TLS_AUTHORITIES);
          }
        } catch (SQLException e) {
          problems.add(name + ": its receiver could not be read: " + e.getMessage());
        }
      }
      if (cluster.getSpec().getTls().isRequireSecureTransport()) {
        try (var plaintext = DriverManager.getConnection(url(endpoint.host()) + "&sslMode=DISABLED", operator.user(), operator.password())) {
          problems.add(name + " let a plaintext client in");
        } catch (SQLException refused) {
          // MariaDB words it as a failed login (1045); the same account over TLS got in above. Any other error
          // (unreachable, timed out) proves nothing about require_secure_transport.
          if (refused.getErrorCode() != 1045) {
            problems.add(name + ": a plaintext client was not refused as require_secure_transport refuses (1045) but failed with "
                + refused.getErrorCode() + ": " + refused.getMessage());
          }
        }
      }
    }
    return problems;
  }

  /** How many Events of each reason the operator emitted in the namespace. */
  private Map<String, Long> eventCounts(java.util.Set<?> reasons) {
    var counts = new java.util.TreeMap<String, Long>();
    reasons.forEach(reason -> counts.put(reason.toString(), 0L));
    client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(event -> counts.containsKey(event.getReason()))
        .forEach(event -> counts.merge(event.getReason(), (long) Optional.ofNullable(event.getCount()).orElse(1), Long::sum));
    return counts;
  }

  /** The instances whose volume holds a whole data directory put aside by a re-seed (.tandem-aside-*), read on the sandbox's disk. */
  private List<String> keptAside() throws java.io.IOException {
    var claims = sandbox.root().resolve("claims").resolve(namespace);
    var kept = new ArrayList<String>();
    for (var pod : pods()) {
      var claim = claims.resolve(StatefulSetDependent.DATA_VOLUME + "-" + pod.getMetadata().getName());
      if (java.nio.file.Files.isDirectory(claim)) {
        try (var entries = java.nio.file.Files.list(claim)) {
          if (entries.anyMatch(entry -> entry.getFileName().toString().startsWith(".tandem-aside-")
              && !entry.getFileName().toString().endsWith(".partial") && java.nio.file.Files.isDirectory(entry.resolve("mysql")))) {
            kept.add(pod.getMetadata().getName());
          }
        }
      }
    }
    return kept;
  }

  /** The instances the operator restarted in rollouts, in the order of its RollingRestart Events. */
  private List<String> rollingRestarts() {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(event -> "RollingRestart".equals(event.getReason()))
        .sorted(Comparator.comparing(event -> Instant.parse(event.getFirstTimestamp())))
        .map(event -> event.getMessage().split(" ")[1])
        .toList();
  }

  /**
   * What keeps the rollout from being done, if anything: a Pod missing, not Ready, or created
   * from another template (or running other spec.mysqld settings) than the StatefulSet's.
   */
  private Optional<String> rolloutPending() {
    var statefulSet = client.apps().statefulSets().inNamespace(namespace).withName(cluster).get();
    if (statefulSet == null) {
      return Optional.of("no StatefulSet");
    }
    var template = statefulSet.getSpec().getTemplate().getMetadata().getAnnotations();
    var current = current();
    var spec = current.getSpec();
    // The template first: right after an apply it may not carry the change yet.
    if (current.getStatus() == null || !Objects.equals(current.getStatus().getObservedGeneration(), current.getMetadata().getGeneration())
        || !StatefulSetDependent.settingsAnnotation(spec.getMysqld()).equals(template.get(StatefulSetDependent.MYSQLD_SETTINGS))) {
      return Optional.of("the operator has not carried generation " + current.getMetadata().getGeneration() + " to the StatefulSet yet");
    }
    for (int ordinal = 0; ordinal < spec.getInstances(); ordinal++) {
      String name = cluster + "-" + ordinal;
      var pod = pods().stream().filter(p -> p.getMetadata().getName().equals(name)).findFirst();
      if (pod.isEmpty()) {
        return Optional.of(name + " has no Pod");
      }
      var annotations = Optional.ofNullable(pod.get().getMetadata().getAnnotations()).orElse(Map.of());
      String hash = StatefulSetDependent.RESTART_HASH;
      if (!Objects.equals(template.get(hash), annotations.get(hash))) {
        return Optional.of(name + " has " + hash + "=" + annotations.get(hash) + ", the template " + template.get(hash));
      }
      var running = StatefulSetDependent.runningSettings(pod.get());
      if (!running.equals(StatefulSetDependent.settingsOf(template))) {
        return Optional.of(name + " runs spec.mysqld " + running + ", the template has " + StatefulSetDependent.settingsOf(template));
      }
      if (!Readiness.isPodReady(pod.get())) {
        return Optional.of(name + " is not Ready");
      }
    }
    return Optional.empty();
  }

  private void verdict(String what, Object expected, Object actual, boolean passed) {
    var verdict = new LinkedHashMap<String, Object>();
    verdict.put("expect", what);
    verdict.put("expected", expected);
    verdict.put("actual", actual);
    verdict.put("passed", passed);
    verdicts.add(verdict);
  }

  // ---- what the report measures

  private Map<String, Object> report() {
    var report = new LinkedHashMap<String, Object>();
    report.put("scenario", scenario.name());
    report.put("namespace", namespace);
    report.put("readyMillis", readyMillis);
    var changes = new ArrayList<Map<String, Object>>();
    for (var change : observations.changes()) {
      var entry = new LinkedHashMap<String, Object>();
      entry.put("type", change.type());
      entry.put("from", change.from());
      entry.put("to", change.to());
      entry.put("reason", change.reason());
      entry.put("operatorMillis", change.durationMillis());
      changes.add(entry);
    }
    report.put("masterChanges", changes);
    if (interruptedChange != null) {
      report.put("interruptedChange", describe(interruptedChange));
    }
    var faultReports = new ArrayList<Map<String, Object>>();
    var acks = writerAcks();
    for (int index = 0; index < faults.size(); index++) {
      var fault = faults.get(index);
      var entry = new LinkedHashMap<String, Object>();
      entry.put("fault", fault.kind());
      entry.put("pod", fault.pod());
      entry.put("onMaster", fault.onMaster());
      // The failovers that ended after this fault and before the next one: what it caused, when
      // each fault is let settle before the next (make bench's stalls).
      Instant next = index + 1 < faults.size() ? faults.get(index + 1).at() : Instant.MAX;
      entry.put("failoversBeforeNextFault", observations.changes().stream()
          .filter(change -> "Failover".equals(change.type()) && change.finishedAt() != null)
          .map(change -> Instant.parse(change.finishedAt()))
          .filter(finished -> finished.isAfter(fault.at()) && finished.isBefore(next))
          .count());
      firstAckAfter(acks, fault).ifPresent(ack -> entry.put("rtoMillis", (ack.nanos() - fault.nanos()) / 1_000_000));
      // The operator's clock is this machine's: when status says the writer Service moved.
      observations.changes().stream().map(FailoverRecord::finishedAt).map(Instant::parse).filter(finished -> finished.isAfter(fault.at()))
          .findFirst().ifPresent(finished -> entry.put("repointedMillis", java.time.Duration.between(fault.at(), finished).toMillis()));
      faultReports.add(entry);
    }
    report.put("faults", faultReports);
    report.put("writeGapsMillis", writeGaps(acks));
    maxWriteGap().ifPresent(gap -> report.put("maxWriteGapMillis", gap));
    // A write takes a few ms here: a longer gap is time the writer Service took no writes.
    var stalls = writeGaps().stream().filter(gap -> gap.millis() > STALL_MILLIS).toList();
    report.put("writeStallsMillis", stalls.stream().map(WriteGap::millis).toList());
    report.put("writeStallsTotalMillis", stalls.stream().mapToLong(WriteGap::millis).sum());
    // Wall-clock starts, to read beside the operator's log.
    report.put("writeStallsFrom", stalls.stream().map(gap -> runStartedAt.plusNanos(gap.startNanos() - runStarted).toString()).toList());
    var starts = new ArrayList<Map<String, Object>>();
    for (var start : operatorStarts) {
      var entry = new LinkedHashMap<String, Object>();
      observations.leaderAcquiredAfter(start).ifPresent(leader -> entry.put("leaderMillis", (leader - start.nanos()) / 1_000_000));
      writesResumedAfterLeader(start).ifPresent(millis -> entry.put("writesResumedAfterLeaderMillis", millis));
      starts.add(entry);
    }
    report.put("operatorStarts", starts);
    writesResumedAfterAllReachable().ifPresent(millis -> report.put("writesResumedAfterAllReachableMillis", millis));
    var writes = new LinkedHashMap<String, Object>();
    writes.put("acknowledged", allAcks().size());
    var lostOrWhyUnknown = safely(this::lostWrites);
    writes.put("lost", lostOrWhyUnknown instanceof Set<?> lost ? lost.size() : lostOrWhyUnknown);
    // Which writes, acknowledged by whom and when: what a failure needs to be traced to its step.
    writes.put("lostIds", safely(() -> {
      if (!(lostOrWhyUnknown instanceof Set<?> lost)) {
        return lostOrWhyUnknown;
      }
      return allAcks().stream().filter(ack -> lost.contains(ack.id())).limit(20)
          .map(ack -> Map.of("id", ack.id(), "ackedBy", observations.instanceAt(ack.address()), "atMillis", (ack.nanos() - runStarted) / 1_000_000))
          .toList();
    }));
    writes.put("duplicated", allAcks().size() - allAcks().stream().map(ClientPod.Ack::id).distinct().count());
    report.put("writes", writes);
    report.put("splitBrain", splitBrain().orElse("none"));
    report.put("topology", safely(this::topology));
    report.put("backups", backups.reports());
    report.put("restores", backups.restores());
    report.put("expectations", verdicts);
    report.put("steps", stepReports);
    return report;
  }

  private static Object safely(java.util.concurrent.Callable<Object> measure) {
    try {
      return measure.call();
    } catch (Exception e) {
      return "unknown: " + e.getMessage();
    }
  }

  /** The writes through the writer Service: what RTO, write gaps and split brain are measured on. */
  private List<ClientPod.Ack> writerAcks() {
    var acks = new ArrayList<>(earlierAcks);
    if (writer != null) {
      acks.addAll(writer.acks());
    }
    return acks;
  }

  /** Every acknowledged write, through any Service. */
  private List<ClientPod.Ack> allAcks() {
    var acks = writerAcks();
    acks.addAll(otherAcks);
    otherWriters.forEach(other -> acks.addAll(other.acks()));
    return acks;
  }

  /** The first write acknowledged after the fault by an instance other than the one it hit. */
  private static Optional<ClientPod.Ack> firstAckAfter(List<ClientPod.Ack> acks, Fault fault) {
    return acks.stream()
        .filter(ack -> ack.nanos() > fault.nanos() && !(fault.onMaster() && ack.address().equals(fault.address())))
        .findFirst();
  }

  /**
   * The longest stretch without an acknowledged write on the writer Service while writes ran,
   * the stretch from the last one to the stop (or to now) included: writes that never resume are
   * the longest gap of all.
   */
  private Optional<Long> maxWriteGap() {
    return writeGaps().stream().map(WriteGap::millis).max(Long::compare);
  }

  /** A stretch without an acknowledged write: from {@code startNanos} (the last acknowledgement before it). */
  private record WriteGap(long startNanos, long millis) {}

  /** Every stretch between two acknowledged writes, and from the last one to the stop, in order. */
  private List<WriteGap> writeGaps() {
    var sessions = new ArrayList<>(earlierSessions);
    if (writer != null) {
      sessions.add(new WriteSession(writer.acks(), System.nanoTime()));
    }
    return sessions.stream()
        .filter(session -> !session.acks().isEmpty())
        .flatMap(session -> {
          var acks = session.acks();
          var gaps = new ArrayList<WriteGap>();
          for (int i = 1; i < acks.size(); i++) {
            gaps.add(new WriteGap(acks.get(i - 1).nanos(), (acks.get(i).nanos() - acks.get(i - 1).nanos()) / 1_000_000));
          }
          long last = acks.get(acks.size() - 1).nanos();
          gaps.add(new WriteGap(last, (session.stoppedNanos() - last) / 1_000_000));
          return gaps.stream();
        })
        .toList();
  }

  /** From the moment a started operator acquired its Lease to the next acknowledged write. */
  private Optional<Long> writesResumedAfterLeader(OperatorStart start) {
    var leader = observations.leaderAcquiredAfter(start);
    return leader.flatMap(at -> writerAcks().stream().filter(ack -> ack.nanos() > at).findFirst()
        .map(ack -> (ack.nanos() - at) / 1_000_000));
  }

  /**
   * After the last fault that hit more than one instance at once: from the moment every instance
   * answered SQL again to the next acknowledged write.
   */
  private Optional<Long> writesResumedAfterAllReachable() {
    var lastFault = faults.stream().filter(fault -> faults.stream().filter(other -> other.kind().equals(fault.kind())
        && Math.abs(other.nanos() - fault.nanos()) < 1_000_000_000L).count() > 1).reduce((first, second) -> second);
    var reachable = lastFault.flatMap(fault -> observations.allReachableAfter(fault.nanos()));
    return reachable.flatMap(at -> writerAcks().stream().filter(ack -> ack.nanos() > at).findFirst()
        .map(ack -> (ack.nanos() - at) / 1_000_000));
  }

  /**
   * What keeps the cluster from the state every pass must lead to, seen from outside: status
   * Ready; the writer Service's Pod (the one labelled master) is status.master and the one
   * writable instance (in DualMaster, both masters are writable and the labelled one is one of
   * them); every other instance of the spec not offline replicates from it with both threads
   * running (each DualMaster master from the other); no Pod of an ordinal the spec dropped is
   * left. Empty once converged.
   */
  private Optional<String> divergence() {
    var cluster = current();
    if (cluster == null || cluster.getStatus() == null) {
      return Optional.of("no status");
    }
    var ready = condition("Ready");
    if (ready.isEmpty() || !"True".equals(ready.get().getStatus())) {
      return Optional.of("Ready is " + ready.map(c -> c.getStatus() + " (" + c.getReason() + ": " + c.getMessage() + ")").orElse("absent"));
    }
    int instances = cluster.getSpec().getInstances();
    var offline = cluster.getSpec().getOffline();
    var pods = pods().stream().filter(pod -> pod.getMetadata().getDeletionTimestamp() == null).toList();
    var names = pods.stream().map(pod -> pod.getMetadata().getName()).toList();
    var wanted = java.util.stream.IntStream.range(0, instances).mapToObj(ordinal -> cluster.getMetadata().getName() + "-" + ordinal).toList();
    if (!names.equals(wanted)) {
      return Optional.of("Pods " + names + ", the spec asks for " + wanted);
    }
    var labelled = pods.stream().filter(p -> ClusterLabels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(ClusterLabels.ROLE)))
        .map(p -> p.getMetadata().getName()).toList();
    String master = cluster.getStatus().getMaster();
    if (labelled.size() != 1 || !labelled.get(0).equals(master)) {
      return Optional.of("labelled master " + labelled + ", status.master " + master);
    }
    if (cluster.getSpec().getMaster() != null && !cluster.getSpec().getMaster().equals(master)) {
      return Optional.of("spec.master is " + cluster.getSpec().getMaster() + ", status.master " + master);
    }
    var notLabelledOffline = pods.stream().filter(pod -> offline.contains(pod.getMetadata().getName())
        && !ClusterLabels.ROLE_OFFLINE.equals(pod.getMetadata().getLabels().get(ClusterLabels.ROLE))).map(pod -> pod.getMetadata().getName())
        .toList();
    if (!notLabelledOffline.isEmpty()) {
      return Optional.of(notLabelledOffline + " in spec.offline but not labelled offline");
    }
    if (!operatorStarts.isEmpty() && observations.leaderAcquiredAfter(operatorStarts.get(operatorStarts.size() - 1)).isEmpty()) {
      return Optional.of("the operator started last holds no Lease yet");
    }
    var ips = new LinkedHashMap<String, String>();
    pods.forEach(pod -> ips.put(pod.getMetadata().getName(), pod.getStatus() == null ? null : pod.getStatus().getPodIP()));
    var writable = new ArrayList<String>();
    for (String name : wanted) {
      if (ips.get(name) == null) {
        return Optional.of(name + " has no IP");
      }
      try (var connection = DriverManager.getConnection(url(ips.get(name)), APP_USER, APP_PASSWORD);
          var rows = connection.createStatement().executeQuery("SELECT @@read_only")) {
        rows.next();
        if (!rows.getBoolean(1)) {
          writable.add(name);
        }
      } catch (SQLException e) {
        return Optional.of(name + " cannot be read: " + e.getMessage());
      }
    }
    var masters = dualMaster ? wanted.subList(0, 2) : List.of(master);
    if (!writable.equals(masters) || !masters.contains(master)) {
      return Optional.of("writable " + writable + ", expected " + masters + " with the writer Service on " + master);
    }
    for (String name : wanted) {
      if (offline.contains(name) || (!dualMaster && name.equals(master))) {
        continue;
      }
      String source = dualMaster && masters.contains(name) ? masters.get(masters.get(0).equals(name) ? 1 : 0) : master;
      try (var connection = DriverManager.getConnection(url(ips.get(name)),
          dev.tandem.kubernetes.StatefulSetDependent.OPERATOR_USER, secret(CredentialsSecret.OPERATOR_PASSWORD));
          var rows = connection.createStatement().executeQuery("SHOW SLAVE STATUS")) {
        if (!rows.next()) {
          return Optional.of(name + " does not replicate");
        }
        if (!ips.get(source).equals(rows.getString("Master_Host")) || !"Yes".equals(rows.getString("Slave_IO_Running"))
            || !"Yes".equals(rows.getString("Slave_SQL_Running"))) {
          return Optional.of(name + " replicates from " + rows.getString("Master_Host") + " (IO " + rows.getString("Slave_IO_Running")
              + ", SQL " + rows.getString("Slave_SQL_Running") + "), not from " + source + " at " + ips.get(source));
        }
      } catch (SQLException e) {
        return Optional.of(name + "'s replication cannot be read: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The cluster's Pods not being deleted, read again for up to 60 s until they are the expected ones. */
  private List<String> podsAwaited(List<String> expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> names;
    do {
      names = pods().stream().filter(pod -> pod.getMetadata().getDeletionTimestamp() == null).map(pod -> pod.getMetadata().getName())
          .sorted().toList();
      if (names.equals(expected)) {
        break;
      }
      Thread.sleep(500);
    } while (System.nanoTime() < deadline);
    return names;
  }

  /** The one instance whose mysqld has read_only off, or what was found instead. */
  private String writableNow() {
    var writable = writableInstances();
    return writable.size() == 1 ? writable.get(0) : "writable: " + writable;
  }

  private List<String> writableInstances() {
    var writable = new ArrayList<String>();
    for (var pod : pods()) {
      try (var connection = DriverManager.getConnection(url(pod.getStatus().getPodIP()), APP_USER, APP_PASSWORD);
          var rows = connection.createStatement().executeQuery("SELECT @@read_only")) {
        rows.next();
        if (!rows.getBoolean(1)) {
          writable.add(pod.getMetadata().getName());
        }
      } catch (SQLException unreachable) {
        // Unreachable takes no writes.
      }
    }
    return writable;
  }

  /**
   * Ready as a user would check it: the Ready condition True, and the writer Service's Pod (the
   * one labelled master) is the status's master and takes writes.
   */
  private String readyNow() {
    var ready = condition("Ready").map(c -> c.getStatus() + " (" + c.getReason() + ")").orElse("absent");
    var labelled = pods().stream().filter(p -> ClusterLabels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(ClusterLabels.ROLE)))
        .map(p -> p.getMetadata().getName()).toList();
    // In DualMaster both masters take writes; the writer Service's is one of them.
    var writable = writableInstances();
    boolean isReady = ready.startsWith("True") && labelled.size() == 1 && labelled.get(0).equals(master().orElse(""))
        && writable.contains(labelled.get(0)) && (dualMaster || writable.size() == 1);
    return isReady ? "true" : "Ready " + ready + ", labelled master " + labelled + ", status master " + master().orElse("none")
        + ", writable " + writable;
  }

  /**
   * Each time the acknowledging instance changed (by Pod name: a Pod deleted and back has a new
   * address and is the same instance): how long writes stopped around it.
   */
  private List<Long> writeGaps(List<ClientPod.Ack> acks) {
    var gaps = new ArrayList<Long>();
    for (int i = 1; i < acks.size(); i++) {
      if (!observations.instanceAt(acks.get(i).address()).equals(observations.instanceAt(acks.get(i - 1).address()))) {
        gaps.add((acks.get(i).nanos() - acks.get(i - 1).nanos()) / 1_000_000);
      }
    }
    return gaps;
  }

  /**
   * The acknowledged writes the master lacks, given up to a minute to arrive (as consistency is):
   * in DualMaster a write the old active master acknowledged reaches the new one through the ring
   * after the change, not before. A write that is lost never arrives.
   */
  private Set<Long> lostWrites() throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      var lost = lostWritesNow();
      if (lost.isEmpty() || System.nanoTime() > deadline) {
        return lost;
      }
      Thread.sleep(500);
    }
  }

  /** Acknowledged ids missing on the master now. */
  private Set<Long> lostWritesNow() throws SQLException {
    var acked = allAcks().stream().map(ClientPod.Ack::id).collect(java.util.stream.Collectors.toCollection(HashSet::new));
    if (acked.isEmpty()) {
      return Set.of();
    }
    var master = master().orElseThrow(() -> new IllegalStateException("no master to count the rows on"));
    acked.removeAll(ids(podIp(master)));
    return acked;
  }

  /**
   * Two writers, either seen (two instances with read_only off at one sample, MasterReplica) or
   * in the acknowledgements: writes acknowledged by more runs of instances than there were
   * changes of master means writes went back to an instance that had been replaced.
   */
  private Optional<String> splitBrain() {
    if (observations.twoWritersSeen().isPresent()) {
      return observations.twoWritersSeen();
    }
    var acks = writerAcks();
    int runs = acks.isEmpty() ? 0 : 1 + writeGaps(acks).size();
    int allowed = 1 + observations.changes().size();
    return runs > allowed && !dualMaster
        ? Optional.of("writes were acknowledged by " + runs + " successive instances across " + observations.changes().size() + " change(s) of master")
        : Optional.empty();
  }

  /** Every instance the cluster's spec asks for, with its Pod if it has one. */
  private Map<String, Optional<Pod>> instances() {
    var current = Objects.requireNonNull(current(), () -> "MySQLCluster " + cluster + " is gone");
    var podsByName = new LinkedHashMap<String, Pod>();
    pods().forEach(pod -> podsByName.put(pod.getMetadata().getName(), pod));
    var instances = new LinkedHashMap<String, Optional<Pod>>();
    for (int ordinal = 0; ordinal < current.getSpec().getInstances(); ordinal++) {
      String name = ClusterNames.instance(current, ordinal);
      instances.put(name, Optional.ofNullable(podsByName.get(name)));
    }
    return instances;
  }

  private static Set<Long> ids(String ip) throws SQLException {
    try (var connection = DriverManager.getConnection(url(ip), APP_USER, APP_PASSWORD);
        var rows = connection.createStatement().executeQuery("SELECT id FROM " + APP_TABLE)) {
      var ids = new HashSet<Long>();
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
      return ids;
    }
  }

  /**
   * The restored cluster's rows, read on every instance once they agree (replicas may still be
   * catching up), checked against the writes its backup should hold.
   */
  private Optional<String> restoredMismatch(String restoredCluster) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Optional<String> mismatch;
    do {
      var rows = new LinkedHashMap<String, Set<Long>>();
      for (var pod : patiently(() -> client.pods().inNamespace(namespace).withLabel(ClusterLabels.INSTANCE, restoredCluster).list().getItems())) {
        try {
          rows.put(pod.getMetadata().getName(), ids(pod.getStatus().getPodIP()));
        } catch (SQLException | RuntimeException e) {
          rows.put(pod.getMetadata().getName(), Set.of());
        }
      }
      mismatch = backups.restoredMismatch(restoredCluster, rows);
      if (mismatch.isPresent()) {
        Thread.sleep(500);
      }
    } while (mismatch.isPresent() && System.nanoTime() < deadline);
    return mismatch;
  }

  private static boolean isFinished(Pod pod) {
    return pod.getStatus() != null && ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase()));
  }

  static String url(String ip) {
    return "jdbc:mysql://" + ip + ":3306/?connectTimeout=1000&socketTimeout=5000";
  }

  /**
   * The operator's Prometheus series of this cluster, scraped from its /q/metrics: the value of
   * each named series whose namespace label is this scenario's (summed over its other labels).
   */
  /**
   * The series the operator serves now, for ScenariosIT's check of the dashboard; a scenario that
   * ends with the operator stopped serves none, which is no failure of the scenario.
   */
  private void recordMetrics() {
    try {
      ScrapedMetrics.record(metricsPage());
    } catch (Exception e) {
      progress.accept(Map.of("metrics", "not scraped: " + e));
    }
  }

  /** The operator's /q/metrics, as Prometheus scrapes it. */
  private String metricsPage() throws Exception {
    String url = "http://" + sandbox.network().attachment(OperatorProcess.POD).ip() + ":8080/q/metrics";
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  /**
   * Each instance's exporter sidecar, scraped on its Pod's IP and port 9104 as a PodMonitor has
   * Prometheus do it: the values of the named unlabelled series, e.g. {@code {shop-0: {mysql_up:
   * 1.0}}}, scraped again for up to 30 s while they differ (an exporter restarted with its Pod).
   */
  private Map<String, Map<String, Double>> exporterSeries(Map<?, ?> expected) throws Exception {
    var wanted = seriesValues(expected);
    var http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    var perInstance = new LinkedHashMap<String, Map<String, Double>>();
    for (var pod : pods()) {
      var url = java.net.URI.create("http://" + pod.getStatus().getPodIP() + ":" + StatefulSetDependent.METRICS_PORT + "/metrics");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      Map<String, Double> values;
      do {
        String page;
        try {
          page = http.send(java.net.http.HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException notServing) {
          page = "";
        }
        ScrapedMetrics.record(page);
        var lines = page.lines().toList();
        var found = new LinkedHashMap<String, Double>();
        for (String name : wanted.keySet()) {
          lines.stream().filter(line -> line.startsWith(name + " ")).findFirst()
              .ifPresent(line -> found.put(name, Double.parseDouble(line.substring(name.length() + 1).strip())));
        }
        values = found;
        if (values.equals(wanted)) {
          break;
        }
        Thread.sleep(500);
      } while (System.nanoTime() < deadline);
      perInstance.put(pod.getMetadata().getName(), values);
    }
    return perInstance;
  }

  private static Map<String, Double> seriesValues(Map<?, ?> expected) {
    var values = new LinkedHashMap<String, Double>();
    expected.forEach((name, value) -> values.put(name.toString(), Double.valueOf(value.toString())));
    return values;
  }

  private Map<String, Double> metrics(java.util.Set<?> names) throws Exception {
    String page = metricsPage();
    var values = new LinkedHashMap<String, Double>();
    for (Object name : names) {
      values.put(name.toString(), page.lines()
          .filter(line -> line.startsWith(name + "{") && line.contains("namespace=\"" + namespace + "\""))
          .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum());
    }
    return values;
  }

  private Map<String, String> roles() {
    var roles = new LinkedHashMap<String, String>();
    pods().forEach(pod -> roles.put(pod.getMetadata().getName(), pod.getMetadata().getLabels().getOrDefault(ClusterLabels.ROLE, "-")));
    return roles;
  }

  private List<Map<String, Object>> topology() {
    var rows = new ArrayList<Map<String, Object>>();
    for (var pod : pods()) {
      var row = new LinkedHashMap<String, Object>();
      row.put("pod", pod.getMetadata().getName());
      row.put("ip", pod.getStatus().getPodIP());
      row.put("role", pod.getMetadata().getLabels().getOrDefault(ClusterLabels.ROLE, "-"));
      row.put("ready", Readiness.isPodReady(pod));
      row.put("readOnly", observations.readOnly(pod.getStatus().getPodIP()).map(Object::toString).orElse("unreachable"));
      rows.add(row);
    }
    return rows;
  }

  // ---- the cluster as the runner sees it

  private void createSchemaOnce() throws Exception {
    if (schemaCreated) {
      return;
    }
    String master = master().orElseThrow(() -> new IllegalStateException("writes need a master: run waitReady first"));
    sandbox.kubelet().runtime(namespace, master).sqlAsRoot(secret(CredentialsSecret.ROOT_PASSWORD),
        "CREATE USER IF NOT EXISTS " + APP_USER + "@'%' IDENTIFIED BY '" + APP_PASSWORD + "'; GRANT ALL ON app.* TO " + APP_USER
            + "@'%'; CREATE DATABASE IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS " + APP_TABLE + " (id BIGINT PRIMARY KEY)");
    schemaCreated = true;
  }

  private String secret(String key) {
    var secret = client.secrets().inNamespace(namespace).withName(cluster + "-credentials").get();
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  private boolean isReady() {
    return condition("Ready").filter(c -> "True".equals(c.getStatus())).isPresent() && master().isPresent();
  }

  private Optional<io.fabric8.kubernetes.api.model.Condition> condition(String type) {
    return condition(cluster, type);
  }

  private int readyInstances(String of) {
    return Optional.ofNullable(patiently(() -> client.resources(MySQLCluster.class).inNamespace(namespace).withName(of).get()))
        .map(MySQLCluster::getStatus).map(MySQLClusterStatus::getReadyInstances).orElse(0);
  }

  private Optional<io.fabric8.kubernetes.api.model.Condition> condition(String of, String type) {
    return Optional.ofNullable(patiently(() -> client.resources(MySQLCluster.class).inNamespace(namespace).withName(of).get()))
        .map(MySQLCluster::getStatus)
        .flatMap(status -> status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst());
  }

  private MySQLCluster current() {
    return patiently(() -> client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster).get());
  }

  /**
   * A read of the API server, retried: the sandbox's mock API server sometimes leaves a request
   * unanswered for seconds (see e2e/README.md), and a scenario must not fail for that.
   */
  private static <T> T patiently(java.util.function.Supplier<T> read) {
    for (int attempt = 1; ; attempt++) {
      try {
        return read.get();
      } catch (KubernetesClientException e) {
        if (attempt == 3) {
          throw e;
        }
        System.err.println("scenario runner: API server read failed (attempt " + attempt + "), retrying: " + e.getMessage());
      }
    }
  }

  private Optional<String> master() {
    return Optional.ofNullable(current()).map(MySQLCluster::getStatus).map(s -> s.getMaster());
  }

  private List<Pod> pods() {
    return patiently(() -> client.pods().inNamespace(namespace).withLabel(ClusterLabels.INSTANCE, cluster).list().getItems()).stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
  }

  private String podIp(String pod) {
    return patiently(() -> client.pods().inNamespace(namespace).withName(pod).get()).getStatus().getPodIP();
  }

  private String target(Scenario.Step step) {
    String target = step.string("target", "master");
    var master = master();
    if ("master".equals(target)) {
      return master.orElseThrow(() -> new IllegalStateException("no master to target"));
    }
    if ("replica".equals(target)) {
      return replicas().stream().findFirst().orElseThrow(() -> new IllegalStateException("no replica to target"));
    }
    return target;
  }

  /** The Pods labelled replica, the master aside, by name. */
  private List<String> replicas() {
    var master = master();
    return pods().stream()
        .filter(p -> ClusterLabels.ROLE_REPLICA.equals(p.getMetadata().getLabels().get(ClusterLabels.ROLE)))
        .map(p -> p.getMetadata().getName())
        .filter(name -> !master.map(name::equals).orElse(false))
        .toList();
  }

  private void recordFault(String kind, String pod) {
    lastMark = System.nanoTime();
    faults.add(new Fault(kind, pod, podIp(pod), System.nanoTime(), Instant.now(), master().map(pod::equals).orElse(false)));
  }

  private static void signal(String signal, ProcessHandle process) {
    var pids = new ArrayList<String>();
    pids.add(Long.toString(process.pid()));
    process.descendants().forEach(child -> pids.add(Long.toString(child.pid())));
    var command = new ArrayList<>(List.of("kill", "-" + signal));
    command.addAll(pids);
    dev.tandem.testing.Commands.run(command.toArray(String[]::new));
  }

  static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    applierHold.close();
    thaw();
    heal();
    observations.close();
    if (writer != null) {
      writer.close();
    }
    if (standbyWriter != null) {
      standbyWriter.close();
    }
    otherWriters.forEach(ClientPod::close);
    try {
      backups.cleanUp();
      client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster).delete();
      await(Duration.ofSeconds(60), () -> patiently(() -> client.pods().inNamespace(namespace).list().getItems()).stream()
          .noneMatch(pod -> pod.getMetadata().getDeletionTimestamp() == null && !isFinished(pod)), "the scenario's Pods to be gone");
    } catch (Exception | AssertionError e) {
      System.err.println("scenario " + scenario.name() + ": cleanup: " + e.getMessage());
    }
  }

  /**
   * Watches from outside while the scenario runs: the completed changes of master in status,
   * and, every 200 ms, which instances take writes.
   */
  static final class Observations implements AutoCloseable {
    /** The Lease the chart's operator elects its leader with (tandem.leader-election.lease-name's default). */
    static final String LEASE = "tandem-operator-lock";

    private final KubernetesClient client;
    private final String namespace;
    private final String cluster;
    private final boolean dualMaster;
    private final List<FailoverRecord> changes = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> changeSeenAt = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Boolean> lastReadOnly = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String twoWriters;
    private final Map<String, String> podsByIp = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean allAnswered;
    /** Each moment every instance answered SQL again after one did not. */
    private final List<Long> allAnsweredSince = Collections.synchronizedList(new ArrayList<>());
    /**
     * Each renewal of the operator's Lease seen: its renewTime, and that moment on this machine's
     * monotonic clock. A renewal after an operator started is that operator leading: its
     * predecessor was killed before it started.
     */
    private final List<Map.Entry<Instant, Long>> renewals = Collections.synchronizedList(new ArrayList<>());
    /** Read once: the Secret does not change while a scenario runs. */
    private Optional<String> operatorPassword = Optional.empty();
    private volatile boolean running = true;
    private final Thread thread = new Thread(this::watch, "scenario-observer");
    /**
     * Apart from the SQL sampling, which can take seconds when instances do not answer: the Lease
     * is renewed every 2 s, and the first renewal by a restarted operator must not be missed.
     */
    private final Thread leaseThread = new Thread(this::watchLease, "scenario-lease-observer");

    Observations(KubernetesClient client, String namespace, String cluster, boolean dualMaster) {
      this.client = client;
      this.namespace = namespace;
      this.cluster = cluster;
      this.dualMaster = dualMaster;
      thread.setDaemon(true);
      leaseThread.setDaemon(true);
    }

    void start() {
      thread.start();
      leaseThread.start();
    }

    List<FailoverRecord> changes() {
      synchronized (changes) {
        return List.copyOf(changes);
      }
    }

    int changesBefore(long nanos) {
      synchronized (changes) {
        return (int) changeSeenAt.stream().filter(at -> at < nanos).count();
      }
    }

    Optional<String> twoWritersSeen() {
      return Optional.ofNullable(twoWriters);
    }

    Optional<Boolean> readOnly(String ip) {
      return Optional.ofNullable(ip).map(lastReadOnly::get);
    }

    /** The first moment after {@code nanos} that every instance answered SQL again. */
    Optional<Long> allReachableAfter(long nanos) {
      synchronized (allAnsweredSince) {
        return allAnsweredSince.stream().filter(at -> at > nanos).findFirst();
      }
    }

    /** The Pod that had this address, or the address itself when no sample saw it. */
    String instanceAt(String ip) {
      return podsByIp.getOrDefault(ip, ip);
    }

    /**
     * When the operator started at {@code start} first renewed the Lease, once it has: at once when
     * it restarted in the same Pod (its identity is the Pod's name, which holds the Lease), after
     * its predecessor's Lease expired when it runs in a new Pod.
     */
    Optional<Long> leaderAcquiredAfter(OperatorStart start) {
      synchronized (renewals) {
        // Wall clock against wall clock (the operator's and this JVM's are the machine's): a
        // renewal by the killed predecessor is dated before the start, whenever it is read.
        return renewals.stream().filter(renewal -> renewal.getKey().isAfter(start.at())).map(Map.Entry::getValue).findFirst();
      }
    }

    /** The Lease's renewTime is the leader's own clock reading, the same machine's. */
    private void sampleLease() {
      var lease = client.leases().inNamespace(ChartRendering.NAMESPACE).withName(LEASE).get();
      if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null) {
        return;
      }
      var renewed = lease.getSpec().getRenewTime().toInstant();
      synchronized (renewals) {
        if (renewals.isEmpty() || !renewals.get(renewals.size() - 1).getKey().equals(renewed)) {
          long ago = java.time.Duration.between(renewed, Instant.now()).toNanos();
          renewals.add(Map.entry(renewed, System.nanoTime() - Math.max(0, ago)));
        }
      }
    }

    private void watchLease() {
      while (running) {
        try {
          sampleLease();
        } catch (RuntimeException e) {
          // A failed look is retried.
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void watch() {
      while (running) {
        try {
          var current = client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster).get();
          var last = current == null || current.getStatus() == null ? null : current.getStatus().getLastFailover();
          if (last != null && last.finishedAt() != null) {
            synchronized (changes) {
              if (changes.stream().noneMatch(c -> c.startedAt().equals(last.startedAt()))) {
                changes.add(last);
                changeSeenAt.add(System.nanoTime());
              }
            }
          }
          sampleWriters(current == null ? 0 : current.getSpec().getInstances());
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // The API server restarts with the sandbox only; a failed look is retried.
        }
      }
    }

    /**
     * A writer is an instance that can acknowledge a write: read_only off and, when it is a
     * semi-sync source, a replica actually receiving from it. A master cut off from its replicas
     * whose receivers were stopped blocks every commit: it is no writer, however it reports.
     * Read with the operator's account, which may see replication status.
     */
    private void sampleWriters(int instances) {
      if (operatorPassword.isEmpty()) {
        operatorPassword = readOperatorPassword();
      }
      var password = operatorPassword;
      if (password.isEmpty()) {
        return;
      }
      var writableIps = new LinkedHashMap<String, String>();
      var semiSyncSources = new HashSet<String>();
      var receivingFrom = new HashSet<String>();
      int answered = 0;
      for (var pod : client.pods().inNamespace(namespace).withLabel(ClusterLabels.INSTANCE, cluster).list().getItems()) {
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || pod.getMetadata().getDeletionTimestamp() != null) {
          continue;
        }
        podsByIp.put(ip, pod.getMetadata().getName());
        try (var connection = DriverManager.getConnection("jdbc:mysql://" + ip + ":3306/?connectTimeout=300&socketTimeout=1000",
            "tandem", password.get())) {
          try (var rows = connection.createStatement().executeQuery("SELECT @@read_only, @@rpl_semi_sync_master_enabled")) {
            rows.next();
            boolean readOnly = rows.getBoolean(1);
            lastReadOnly.put(ip, readOnly);
            if (!readOnly) {
              writableIps.put(ip, pod.getMetadata().getName());
              if (rows.getBoolean(2)) {
                semiSyncSources.add(ip);
              }
            }
          }
          try (var rows = connection.createStatement().executeQuery("SHOW SLAVE STATUS")) {
            if (rows.next() && "Yes".equals(rows.getString("Slave_IO_Running"))) {
              receivingFrom.add(rows.getString("Master_Host"));
            }
          }
          answered++;
        } catch (SQLException unreachable) {
          lastReadOnly.remove(ip);
        }
      }
      boolean allAnswer = instances > 0 && answered >= instances;
      if (allAnswer && !allAnswered) {
        allAnsweredSince.add(System.nanoTime());
      }
      allAnswered = allAnswer;
      var writers = writableIps.entrySet().stream()
          .filter(entry -> !semiSyncSources.contains(entry.getKey()) || receivingFrom.contains(entry.getKey()))
          .map(Map.Entry::getValue).toList();
      if (writers.size() > 1 && !dualMaster && twoWriters == null) {
        twoWriters = "at " + Instant.now() + " " + writers + " could all acknowledge writes";
      }
    }

    private Optional<String> readOperatorPassword() {
      var secret = client.secrets().inNamespace(namespace).withName(cluster + "-credentials").get();
      return Optional.ofNullable(secret).map(s -> s.getData().get(CredentialsSecret.OPERATOR_PASSWORD))
          .map(value -> new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
      leaseThread.interrupt();
    }
  }
}

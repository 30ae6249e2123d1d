package dev.tandem.sandbox;

import dev.tandem.api.BootstrapSpec;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSchedule;
import dev.tandem.api.MySQLBackupScheduleSpec;
import dev.tandem.api.MySQLBackupScheduleStatus;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.RestoreSource;
import dev.tandem.testing.S3ProxyServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import static dev.tandem.backup.MySQLBackupScheduleReconciler.SCHEDULED_AT;
import static dev.tandem.backup.MySQLBackupScheduleReconciler.SCHEDULE_LABEL;

/**
 * The scenario steps about backups: take one and wait for its outcome, restore one into a new
 * cluster, and check that a restored cluster holds exactly the writes its backup should.
 */
final class ScenarioBackups {

  /** A backup as the scenario saw it: when it was asked for and when it finished, on this machine's clock. */
  record Taken(String name, long requestedNanos, long finishedNanos, MySQLBackup backup) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String cluster;
  private final Map<String, Object> clusterManifest;
  private final Supplier<List<ClientPod.Ack>> writerAcks;
  /** Where this namespace's volume claims live in the sandbox: a backup's files can be looked at. */
  private final Path claims;
  private final java.util.function.Consumer<String> killMysqld;
  /** Where S3Proxy, started on the first use of a bucket, keeps the objects: a backup's files can be looked at. */
  private final Path s3Dir;
  private S3ProxyServer s3;
  private final Map<String, Taken> taken = new LinkedHashMap<>();
  /** How late a scheduled backup may start: the operator is woken at its due time. */
  static final Duration ON_TIME = Duration.ofSeconds(5);
  private final List<String> scheduled = new ArrayList<>();
  /** Marked moments: name → (the instant, System.nanoTime() at it). */
  private final Map<String, Map.Entry<java.time.Instant, Long>> marks = new LinkedHashMap<>();
  /** Restored cluster → the span its rows must end in: writes acknowledged before are there, after are not. */
  private final Map<String, long[]> restoredBounds = new LinkedHashMap<>();
  /** Restored cluster → the backup it came from. */
  private final Map<String, String> restored = new LinkedHashMap<>();
  private final List<Map<String, Object>> reports = new ArrayList<>();
  private final List<Map<String, Object>> restores = new ArrayList<>();
  /** Backup → the bytes of data (InnoDB data and indexes) its source held when it completed. */
  private final Map<String, Long> dataBytes = new LinkedHashMap<>();
  private final java.util.function.Function<String, Optional<Long>> dataBytesOn;

  ScenarioBackups(KubernetesClient client, String namespace, String cluster, Map<String, Object> clusterManifest,
      Supplier<List<ClientPod.Ack>> writerAcks, Path claims, Path s3Dir, java.util.function.Consumer<String> killMysqld,
      java.util.function.Function<String, Optional<Long>> dataBytesOn) {
    this.s3Dir = s3Dir;
    this.dataBytesOn = dataBytesOn;
    this.claims = claims;
    this.killMysqld = killMysqld;
    this.client = client;
    this.namespace = namespace;
    this.cluster = cluster;
    this.clusterManifest = clusterManifest;
    this.writerAcks = writerAcks;
  }

  /**
   * {@code backup: {name, method, source, claim, killSource, expect: {phase, messageContains}}}, or
   * {@code backup: {names: [a, b]}} for several asked for at once: waits for the outcome.
   */
  String backup(Scenario.Step step, Duration timeout) throws Exception {
    if (step.args().containsKey("names")) {
      return concurrent(step, timeout);
    }
    String name = step.string("name", "backup-" + (taken.size() + 1));
    var backup = backupObject(step, name);
    var storage = backup.getSpec().getStorage();
    long requested = System.nanoTime();
    client.resource(backup).create();
    if (Boolean.parseBoolean(step.string("killSource", "false"))) {
      if (storage.getPvc() == null) {
        throw new IllegalArgumentException("killSource watches the dump on a volume claim: use it without storage: s3");
      }
      killSourceMidDump(name, storage.getPvc().getClaimName(), timeout);
    }
    ScenarioRunner.await(timeout, () -> finished(name).isPresent(), "backup " + name + " to complete or fail");
    long done = System.nanoTime();
    var outcome = finished(name).orElseThrow();
    taken.put(name, new Taken(name, requested, done, outcome));
    var status = outcome.getStatus();
    reports.add(report(name, requested, done, outcome));

    @SuppressWarnings("unchecked")
    var expectation = (Map<String, Object>) step.args().getOrDefault("expect", Map.of());
    String expectedPhase = String.valueOf(expectation.getOrDefault("phase", BackupPhase.Completed.name()));
    if (!expectedPhase.equals(status.getPhase().name())) {
      throw new AssertionError("backup " + name + " is " + status.getPhase() + ", expected " + expectedPhase + ": " + status.getMessage());
    }
    String contains = String.valueOf(expectation.getOrDefault("messageContains", ""));
    if (!status.getMessage().contains(contains)) {
      throw new AssertionError("backup " + name + ": message does not contain '" + contains + "': " + status.getMessage());
    }
    boolean whole = holdsFiles(stored(storage, name));
    boolean partial = storage.getPvc() != null && Files.exists(stored(storage, "." + name + ".partial"));
    if (partial || whole != (status.getPhase() == BackupPhase.Completed)) {
      throw new AssertionError("backup " + name + " is " + status.getPhase() + " but its storage holds " + (whole ? "its files" : "no files")
          + (partial ? " and a partial directory" : ""));
    }
    return status.getPhase() + (status.getSource() == null ? "" : " from " + status.getSource()) + ": " + status.getMessage() + "; "
        + status.getLocation() + " holds " + (whole ? "the backup's files" : "nothing");
  }

  /** Several backups of the cluster asked for at once: all complete, one after the other. */
  private String concurrent(Scenario.Step step, Duration timeout) throws Exception {
    @SuppressWarnings("unchecked")
    var names = (List<String>) step.args().get("names");
    long requested = System.nanoTime();
    for (String name : names) {
      var single = new Scenario.Step("backup", Map.of("name", name, "storage", step.string("storage", PVC)));
      client.resource(backupObject(single, name)).create();
    }
    ScenarioRunner.await(timeout, () -> names.stream().allMatch(name -> finished(name).isPresent()), "backups " + names + " to finish");
    long done = System.nanoTime();
    var windows = new ArrayList<MySQLBackup>();
    for (String name : names) {
      var outcome = finished(name).orElseThrow();
      taken.put(name, new Taken(name, requested, done, outcome));
      reports.add(report(name, requested, done, outcome));
      if (outcome.getStatus().getPhase() != BackupPhase.Completed) {
        throw new AssertionError("backup " + name + " is " + outcome.getStatus().getPhase() + ": " + outcome.getStatus().getMessage());
      }
      windows.add(outcome);
    }
    windows.sort(java.util.Comparator.comparing(b -> b.getStatus().getStartedAt()));
    for (int i = 1; i < windows.size(); i++) {
      var earlier = windows.get(i - 1).getStatus();
      var later = windows.get(i).getStatus();
      if (java.time.Instant.parse(later.getStartedAt()).isBefore(java.time.Instant.parse(earlier.getFinishedAt()))) {
        throw new AssertionError("backups overlapped: " + windows.get(i - 1).getMetadata().getName() + " ran until " + earlier.getFinishedAt()
            + ", " + windows.get(i).getMetadata().getName() + " started at " + later.getStartedAt());
      }
    }
    return "all Completed, one at a time: " + windows.stream()
        .map(b -> b.getMetadata().getName() + " " + b.getStatus().getStartedAt() + " to " + b.getStatus().getFinishedAt()).toList();
  }

  /** Kills the source's mysqld once dumped data reaches the volume: the dump is under way. */
  private void killSourceMidDump(String name, String claim, Duration timeout) throws InterruptedException {
    var dump = claims.resolve(claim).resolve(namespace).resolve(cluster).resolve("." + name + ".partial").resolve("dump.sql.gz");
    ScenarioRunner.await(timeout, () -> {
      try {
        return Files.size(dump) > 0;
      } catch (java.io.IOException notYet) {
        return false;
      }
    }, "backup " + name + " to write dumped data");
    var source = client.resources(MySQLBackup.class).inNamespace(namespace).withName(name).get().getStatus().getSource();
    killMysqld.accept(source);
  }

  /**
   * {@code schedule: {name, cron, keepLast, runs}}: a MySQLBackupSchedule, watched until it has
   * taken {@code runs} backups, then suspended. Checks that each started on time (within
   * {@link #ON_TIME} of when it was due), none overlapped, and retention kept only the newest
   * {@code keepLast}, deleting the others' files. With {@code expect: {messageContains}}, waits
   * for the schedule's status to say that instead (a schedule that cannot run).
   */
  String schedule(Scenario.Step step, Duration timeout) throws Exception {
    String name = step.string("name", "schedule");
    var schedule = new MySQLBackupSchedule();
    schedule.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    var spec = new MySQLBackupScheduleSpec();
    spec.setClusterRef(new MySQLBackupSpec.ClusterRef(cluster));
    spec.setSchedule(step.string("cron", "*/15 * * * * *"));
    spec.setStorage(storage(step));
    if (step.args().containsKey("keepLast")) {
      var retention = new MySQLBackupScheduleSpec.Retention();
      retention.setKeepLast((int) step.number("keepLast", 1));
      spec.setRetention(retention);
    }
    schedule.setSpec(spec);
    var schedules = client.resources(MySQLBackupSchedule.class).inNamespace(namespace);
    schedules.resource(schedule).create();
    scheduled.add(name);
    // A second schedule of the same cluster, due at the same moments: the two must take turns.
    var names = new ArrayList<>(List.of(name));
    String alongside = step.string("alongside", null);
    if (alongside != null) {
      var twin = new MySQLBackupSchedule();
      twin.setMetadata(new ObjectMetaBuilder().withName(alongside).withNamespace(namespace).build());
      twin.setSpec(spec);
      schedules.resource(twin).create();
      scheduled.add(alongside);
      names.add(alongside);
    }
    @SuppressWarnings("unchecked")
    var expectation = (Map<String, Object>) step.args().getOrDefault("expect", Map.of());
    if (expectation.containsKey("messageContains")) {
      String contains = expectation.get("messageContains").toString();
      ScenarioRunner.await(timeout, () -> Optional.ofNullable(schedules.withName(name).get().getStatus())
          .map(MySQLBackupScheduleStatus::getMessage).filter(message -> message.contains(contains)).isPresent(),
          "schedule " + name + " to say '" + contains + "'");
      return "status: " + schedules.withName(name).get().getStatus().getMessage();
    }

    int runs = (int) step.number("runs", 3);
    var seen = new java.util.LinkedHashMap<String, MySQLBackup>();
    ScenarioRunner.await(timeout, () -> {
      for (String each : names) {
        for (var backup : client.resources(MySQLBackup.class).inNamespace(namespace).withLabel(SCHEDULE_LABEL, each).list().getItems()) {
          seen.merge(backup.getMetadata().getName(), backup, (old, fresh) -> fresh);
        }
      }
      return names.stream().allMatch(each -> seen.values().stream().filter(b -> each.equals(b.getMetadata().getLabels().get(SCHEDULE_LABEL)))
          .filter(b -> b.getStatus() != null && b.getStatus().isFinished()).count() >= runs);
    }, "schedules " + names + " to take " + runs + " backups each");
    for (String each : names) {
      schedules.withName(each).edit(current -> {
        current.getSpec().setSuspend(true);
        return current;
      });
    }
    var all = new ArrayList<>(seen.values());
    all.removeIf(b -> b.getStatus() == null || b.getStatus().getStartedAt() == null);
    all.sort(java.util.Comparator.comparing(b -> java.time.Instant.parse(b.getStatus().getStartedAt())));
    var lateness = new ArrayList<Long>();
    java.time.Instant previousFinished = java.time.Instant.EPOCH;
    for (var backup : all) {
      // On time: when it was due, or, when another backup of the cluster was still running, when that one finished.
      var due = java.time.Instant.parse(backup.getMetadata().getAnnotations().get(SCHEDULED_AT));
      var free = due.isAfter(previousFinished) ? due : previousFinished;
      long late = Duration.between(free, java.time.Instant.parse(backup.getStatus().getStartedAt())).toMillis();
      lateness.add(late);
      if (late > ON_TIME.toMillis() || Duration.between(due, java.time.Instant.parse(backup.getStatus().getStartedAt())).isNegative()) {
        throw new AssertionError("backup " + backup.getMetadata().getName() + " started " + late + " ms after it was due (or the cluster's"
            + " previous backup finished)");
      }
      if (backup.getStatus().getFinishedAt() != null) {
        previousFinished = java.time.Instant.parse(backup.getStatus().getFinishedAt());
      }
      if (backup.getStatus().getPhase() != BackupPhase.Completed) {
        throw new AssertionError("backup " + backup.getMetadata().getName() + " is " + backup.getStatus().getPhase() + ": "
            + backup.getStatus().getMessage());
      }
      taken.put(backup.getMetadata().getName(), new Taken(backup.getMetadata().getName(), 0, 0, backup));
    }
    for (int i = 1; i < all.size(); i++) {
      var earlier = all.get(i - 1).getStatus();
      var later = all.get(i).getStatus();
      if (java.time.Instant.parse(later.getStartedAt()).isBefore(java.time.Instant.parse(earlier.getFinishedAt()))) {
        throw new AssertionError("backups of schedules " + names + " overlapped: " + all.get(i - 1).getMetadata().getName()
            + " and " + all.get(i).getMetadata().getName());
      }
    }
    if (spec.getRetention() == null) {
      return all.size() + " backups of " + names + " started on time, one at a time (ms after due, or after the previous one finished: "
          + lateness + ")";
    }
    int keep = spec.getRetention().getKeepLast();
    var kept = all.subList(Math.max(0, all.size() - keep), all.size()).stream().map(b -> b.getMetadata().getName()).toList();
    var expired = all.subList(0, Math.max(0, all.size() - keep)).stream().map(b -> b.getMetadata().getName()).toList();
    ScenarioRunner.await(timeout, () -> expired.stream().allMatch(backup ->
            client.resources(MySQLBackup.class).inNamespace(namespace).withName(backup).get() == null
                && !holdsFiles(stored(spec.getStorage(), backup))),
        "the backups past retention " + expired + " to be deleted with their files");
    for (String backup : kept) {
      if (!holdsFiles(stored(spec.getStorage(), backup))) {
        throw new AssertionError("backup " + backup + " is kept, but its files are gone");
      }
    }
    return all.size() + " backups started on time (ms after due: " + lateness + "), one at a time; kept " + kept
        + "; deleted with their files " + expired + " from " + (spec.getStorage().getS3() != null ? "the bucket" : "the volume");
  }

  /**
   * {@code markTime: {name}}: the next whole second, as a point in time to restore to (binary log
   * times have one-second resolution); waits until a second after it. Writes must be stopped, so
   * that no write straddles the mark.
   */
  String markTime(Scenario.Step step, boolean writing) throws InterruptedException {
    if (writing) {
      throw new IllegalStateException("markTime needs writes stopped: a write in flight across the mark could go either way");
    }
    String name = step.string("name", "t" + (marks.size() + 1));
    var at = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
    long nanosAt = System.nanoTime() + Duration.between(java.time.Instant.now(), at).toNanos();
    marks.put(name, Map.entry(at, nanosAt));
    Thread.sleep(Duration.between(java.time.Instant.now(), at).toMillis() + 1100);
    return name + " = " + at;
  }

  /**
   * {@code restore: {backup, as, pointInTime, byPath, claim}}: a new cluster like the scenario's,
   * bootstrapped from the backup (by its name, or with {@code byPath: true} by its storage, or
   * the volume claim {@code claim}, and path, as no MySQLBackup describes it); waits until Ready.
   */
  String restore(Scenario.Step step, Duration timeout) throws Exception {
    String backup = step.string("backup", null);
    if (backup == null) {
      throw new IllegalArgumentException("restore needs 'backup: <name>'");
    }
    String name = step.string("as", cluster + "-restored");
    var copy = Serialization.unmarshal(Serialization.asJson(clusterManifest), MySQLCluster.class);
    copy.getMetadata().setName(name);
    copy.getMetadata().setNamespace(namespace);
    var bootstrap = new BootstrapSpec();
    var from = new BootstrapSpec.RestoreSource();
    if (Boolean.parseBoolean(step.string("byPath", "false"))) {
      // As after a disaster, from another Kubernetes cluster: the backup named by its storage and path.
      var described = client.resources(MySQLBackup.class).inNamespace(namespace).withName(backup).get();
      var stored = Optional.ofNullable(described).flatMap(RestoreSource::of)
          .orElseThrow(() -> new IllegalArgumentException("restore byPath: backup " + backup + " has no location yet"));
      from.setStorage(stored.storage());
      if (step.args().containsKey("claim")) {
        var elsewhere = new MySQLBackupSpec.BackupStorage();
        var pvc = new MySQLBackupSpec.PvcStorage();
        pvc.setClaimName(step.string("claim", null));
        elsewhere.setPvc(pvc);
        from.setStorage(elsewhere);
      }
      from.setPath(stored.path());
    } else {
      from.setBackup(backup);
    }
    bootstrap.setFrom(from);
    String mark = step.string("pointInTime", null);
    if (mark != null) {
      if (!marks.containsKey(mark)) {
        throw new IllegalArgumentException("restore: pointInTime '" + mark + "' names no markTime step; marked: " + marks.keySet());
      }
      from.setPointInTime(marks.get(mark).getKey().toString());
    }
    copy.getSpec().setBootstrap(bootstrap);
    copy.getSpec().setMaster(null);
    copy.getSpec().getOffline().clear();
    copy.getSpec().getFailover().getPriority().clear();
    long requested = System.nanoTime();
    client.resource(copy).create();
    restored.put(name, backup);
    @SuppressWarnings("unchecked")
    var expectation = (Map<String, Object>) step.args().getOrDefault("expect", Map.of());
    if (expectation.containsKey("messageContains")) {
      // A restore that cannot proceed: the cluster waits, saying why, and nothing is created.
      String contains = expectation.get("messageContains").toString();
      ScenarioRunner.await(timeout, () -> Optional.ofNullable(client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get())
          .map(MySQLCluster::getStatus).stream().flatMap(status -> status.getConditions().stream())
          .anyMatch(condition -> condition.getMessage() != null && condition.getMessage().contains(contains)),
          "restored cluster " + name + " to say '" + contains + "'");
      if (client.apps().statefulSets().inNamespace(namespace).withName(name).get() != null) {
        throw new AssertionError("restored cluster " + name + " cannot be restored, yet its StatefulSet was created");
      }
      return name + " waits: " + client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get().getStatus()
          .getConditions().stream().filter(c -> c.getMessage() != null && c.getMessage().contains(contains)).findFirst().orElseThrow().getMessage();
    }
    if (mark != null) {
      long at = marks.get(mark).getValue();
      restoredBounds.put(name, new long[] {at, at});
    } else if (taken.containsKey(backup)) {
      restoredBounds.put(name, new long[] {taken.get(backup).requestedNanos(), taken.get(backup).finishedNanos()});
    }
    ScenarioRunner.await(timeout, () -> isReady(name), "restored cluster " + name + " to be Ready with a master");
    long readyMillis = (System.nanoTime() - requested) / 1_000_000;
    var entry = new LinkedHashMap<String, Object>();
    entry.put("cluster", name);
    entry.put("backup", backup);
    entry.put("readyMillis", readyMillis);
    Optional.ofNullable(dataBytes.get(backup)).ifPresent(bytes -> {
      entry.put("dataBytes", bytes);
      entry.put("throughputMBps", bytes / 1e6 / (readyMillis / 1000.0));
    });
    restores.add(entry);
    return name + " Ready in " + readyMillis + " ms, master " + master(name).orElse("?");
  }


  /**
   * The restored cluster's rows against the writes: the single writer's ids are committed in
   * order, so a backup (or a point in time) holds a prefix of them. Every write acknowledged
   * before the backup was asked for (or before the point in time) is there; nothing written after
   * it finished (or after the point in time) is; no row is one nobody wrote; and among the writes
   * in between, only a prefix is. Every instance of the restored cluster agrees.
   */
    Optional<String> restoredMismatch(String restoredCluster, Map<String, Set<Long>> rowsByInstance) {
    var bounds = restoredBounds.get(restoredCluster);
    if (bounds == null) {
      return Optional.of("no restore of " + restoredCluster + " from a backup taken in this scenario");
    }
    if (rowsByInstance.isEmpty()) {
      return Optional.of(restoredCluster + " has no instance to read");
    }
    var first = rowsByInstance.values().iterator().next();
    for (var entry : rowsByInstance.entrySet()) {
      if (!entry.getValue().equals(first)) {
        return Optional.of(entry.getKey() + " holds " + entry.getValue().size() + " rows, another instance " + first.size());
      }
    }
    var rows = new TreeSet<>(first);
    var problems = new ArrayList<String>();
    var acks = writerAcks.get();
    // Ids acknowledged before the span are all there, those after it none; in between (writes in
    // flight while the backup ran, or when writes stopped) a prefix may be, acknowledged or not.
    long lastBefore = acks.stream().filter(ack -> ack.nanos() < bounds[0]).mapToLong(ClientPod.Ack::id).max().orElse(0);
    long firstAfter = acks.stream().filter(ack -> ack.nanos() > bounds[1]).mapToLong(ClientPod.Ack::id).min().orElse(Long.MAX_VALUE);
    var acknowledged = acks.stream().map(ClientPod.Ack::id).collect(java.util.stream.Collectors.toSet());
    acks.stream().filter(ack -> ack.id() <= lastBefore && !rows.contains(ack.id())).findFirst()
        .ifPresent(ack -> problems.add("id " + ack.id() + ", acknowledged before the backup (or point in time), is missing"));
    rows.stream().filter(id -> id >= firstAfter).findFirst()
        .ifPresent(id -> problems.add("id " + id + ", written after the backup finished (or the point in time), is there"));
    rows.stream().filter(id -> id <= lastBefore && !acknowledged.contains(id)).findFirst()
        .ifPresent(id -> problems.add("id " + id + " is there but was never acknowledged"));
    long highest = rows.isEmpty() ? 0 : rows.last();
    acks.stream().filter(ack -> ack.id() > lastBefore && ack.id() < highest && !rows.contains(ack.id())).findFirst()
        .ifPresent(ack -> problems.add("id " + ack.id() + " is missing below the highest restored id " + highest));
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  List<String> restoredClusters() {
    return List.copyOf(restored.keySet());
  }

  List<Map<String, Object>> reports() {
    return reports;
  }

  List<Map<String, Object>> restores() {
    return restores;
  }

  /** The restored clusters and the backups go with the scenario. */
  void cleanUp() {
    scheduled.forEach(name -> client.resources(MySQLBackupSchedule.class).inNamespace(namespace).withName(name).delete());
    restored.keySet().forEach(name -> client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).delete());
    client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems().forEach(backup -> client.resource(backup).delete());
    if (s3 != null) {
      // Deleting a backup in a bucket runs a Job against S3Proxy: it stays up until they are gone.
      // A backup in the unreachable bucket keeps its finalizer (its files cannot be confirmed
      // gone), as it should, and says why; then it is let go as docs/backup.md tells a user to,
      // by removing its finalizer. Left, its deletion Job would run every minute until the end.
      try {
        ScenarioRunner.await(Duration.ofSeconds(60), () -> client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems()
            .stream().allMatch(ScenarioBackups::inUnreachableBucket), "the backups to be deleted from the bucket");
        for (var stuck : client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems()) {
          ScenarioRunner.await(Duration.ofSeconds(60), () -> client.v1().events().inNamespace(namespace).list().getItems().stream()
              .anyMatch(event -> "BackupDeletionFailed".equals(event.getReason())
                  && stuck.getMetadata().getName().equals(event.getInvolvedObject().getName())),
              "a BackupDeletionFailed Event for " + stuck.getMetadata().getName());
          client.resources(MySQLBackup.class).inNamespace(namespace).withName(stuck.getMetadata().getName()).edit(backup -> {
            backup.getMetadata().setFinalizers(List.of());
            return backup;
          });
        }
      } catch (Exception | AssertionError e) {
        System.err.println("backups: cleanup: " + e.getMessage());
      }
      s3.close();
      s3 = null;
    }
  }


  private static boolean inUnreachableBucket(MySQLBackup backup) {
    var s3 = backup.getSpec().getStorage().getS3();
    return s3 != null && s3.getEndpoint().endsWith(":" + UNREACHABLE_PORT);
  }

  private MySQLBackup backupObject(Scenario.Step step, String name) throws Exception {
    var spec = new MySQLBackupSpec();
    spec.setClusterRef(new MySQLBackupSpec.ClusterRef(cluster));
    spec.setSource(MySQLBackupSpec.BackupSource.valueOf(step.string("source", "Replica")));
    spec.setMethod(MySQLBackupSpec.BackupMethod.valueOf(step.string("method", "Logical")));
    spec.setStorage(storage(step));
    var backup = new MySQLBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    backup.setSpec(spec);
    return backup;
  }

  static final String PVC = "pvc";
  static final String S3 = "s3";
  /** A bucket at an address where nothing listens. */
  static final String S3_UNREACHABLE = "s3-unreachable";
  /** Nothing of the sandbox listens on the gateway there. */
  static final int UNREACHABLE_PORT = 9312;
  static final String BUCKET = "backups";
  static final String S3_PREFIX = "sandbox";
  static final String S3_SECRET = "s3-keys";

  /**
   * {@code storage: pvc} (default, {@code claim: <name>}, "backups" by default), {@code s3}: a
   * bucket of S3Proxy, started on the sandbox's gateway at first use, or {@code s3-unreachable}:
   * a bucket at a port of the gateway where nothing listens.
   */
  private MySQLBackupSpec.BackupStorage storage(Scenario.Step step) throws Exception {
    var storage = new MySQLBackupSpec.BackupStorage();
    String kind = step.string("storage", PVC);
    switch (kind) {
      case PVC -> {
        var pvc = new MySQLBackupSpec.PvcStorage();
        pvc.setClaimName(step.string("claim", "backups"));
        ensureClaim(pvc.getClaimName());
        storage.setPvc(pvc);
      }
      case S3, S3_UNREACHABLE -> {
        if (kind.equals(S3) && s3 == null) {
          s3 = S3ProxyServer.start(PodNetwork.GATEWAY, Files.createDirectories(s3Dir), List.of(BUCKET));
        }
        ensureS3Secret();
        var bucket = new MySQLBackupSpec.S3Storage();
        bucket.setEndpoint(kind.equals(S3) ? s3.endpoint() : "http://" + PodNetwork.GATEWAY + ":" + UNREACHABLE_PORT);
        bucket.setBucket(BUCKET);
        bucket.setPrefix(S3_PREFIX);
        bucket.setCredentialsSecret(S3_SECRET);
        bucket.setForcePathStyle(true);
        storage.setS3(bucket);
      }
      default -> throw new IllegalArgumentException("storage: '" + kind + "' is none of " + PVC + ", " + S3 + ", " + S3_UNREACHABLE);
    }
    return storage;
  }

  /** Where a backup's files land on this machine: the claim's directory, or S3Proxy's for its objects. */
  private Path stored(MySQLBackupSpec.BackupStorage storage, String backup) {
    String relative = namespace + "/" + cluster + "/" + backup;
    return storage.getS3() != null ? s3Dir.resolve("data").resolve(BUCKET).resolve(S3_PREFIX).resolve(relative)
        : claims.resolve(storage.getPvc().getClaimName()).resolve(relative);
  }

  /** A directory with at least one file in it (an object store may leave empty directories behind). */
  private static boolean holdsFiles(Path directory) {
    if (!Files.isDirectory(directory)) {
      return false;
    }
    try (var files = Files.walk(directory)) {
      return files.anyMatch(Files::isRegularFile);
    } catch (java.io.IOException | java.io.UncheckedIOException vanishing) {
      return Files.isDirectory(directory);
    }
  }

  private void ensureS3Secret() {
    if (client.secrets().inNamespace(namespace).withName(S3_SECRET).get() == null) {
      client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
          .withNewMetadata().withName(S3_SECRET).withNamespace(namespace).endMetadata()
          .addToStringData("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY)
          .addToStringData("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY)
          .build()).create();
    }
  }

  private Map<String, Object> report(String name, long requested, long done, MySQLBackup outcome) {
    var status = outcome.getStatus();
    var entry = new LinkedHashMap<String, Object>();
    entry.put("name", name);
    entry.put("phase", status.getPhase().name());
    entry.put("source", status.getSource());
    entry.put("gtidPosition", status.getGtidPosition());
    entry.put("sizeBytes", status.getSizeBytes());
    entry.put("millis", (done - requested) / 1_000_000);
    entry.put("message", status.getMessage());
    if (status.getPhase() == BackupPhase.Completed && status.getSource() != null) {
      // Throughput over the Job's own run (startedAt to finishedAt), of the data the source holds.
      dataBytesOn.apply(status.getSource()).ifPresent(bytes -> {
        dataBytes.put(name, bytes);
        double seconds = Duration.between(java.time.Instant.parse(status.getStartedAt()), java.time.Instant.parse(status.getFinishedAt()))
            .toMillis() / 1000.0;
        entry.put("dataBytes", bytes);
        entry.put("jobSeconds", seconds);
        entry.put("throughputMBps", bytes / 1e6 / seconds);
      });
    }
    // The master's write rate while the backup ran, against an equal span just before it; a
    // span under a second says nothing on a busy machine, so none is reported then.
    var acks = writerAcks.get();
    long span = done - requested;
    long before = acks.stream().filter(ack -> ack.nanos() >= requested - span && ack.nanos() < requested).count();
    long during = acks.stream().filter(ack -> ack.nanos() >= requested && ack.nanos() < done).count();
    if (before > 0 && span >= Duration.ofSeconds(1).toNanos()) {
      entry.put("writesPerSecondBefore", before * 1e9 / span);
      entry.put("writesPerSecondDuring", during * 1e9 / span);
      entry.put("writeRateRatio", (double) during / before);
    }
    return entry;
  }

  private Optional<MySQLBackup> finished(String name) {
    var backup = client.resources(MySQLBackup.class).inNamespace(namespace).withName(name).get();
    return Optional.ofNullable(backup).filter(b -> b.getStatus() != null && b.getStatus().isFinished());
  }

  private void ensureClaim(String claim) {
    if (client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get() == null) {
      client.resource(new PersistentVolumeClaimBuilder()
          .withNewMetadata().withName(claim).withNamespace(namespace).endMetadata()
          .withNewSpec().withAccessModes("ReadWriteMany")
          .withNewResources().withRequests(Map.of("storage", new Quantity("10Gi"))).endResources()
          .endSpec().build()).create();
    }
  }

  private boolean isReady(String name) {
    var restoredCluster = client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get();
    return restoredCluster != null && restoredCluster.getStatus() != null && restoredCluster.getStatus().getMaster() != null
        && restoredCluster.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  Optional<String> master(String name) {
    return Optional.ofNullable(client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get())
        .map(MySQLCluster::getStatus).map(status -> status.getMaster());
  }
}

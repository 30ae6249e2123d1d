package dev.tandem.kubernetes;

import dev.tandem.api.BootstrapSpec;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLCluster;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where a new cluster's data comes from, or why it cannot be restored yet. Pure: the backups of
 * the namespace are read by the reconciler.
 */
public final class Restores {

  private static final DateTimeFormatter BINLOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  public record Resolution(Optional<RestoreSource> source, Optional<String> problem) {
    static Resolution of(RestoreSource source) {
      return new Resolution(Optional.of(source), Optional.empty());
    }

    public static Resolution problem(String problem) {
      return new Resolution(Optional.empty(), Optional.of(problem));
    }
  }

  private static final String NOT_RFC_3339 = "spec.bootstrap.from.pointInTime '%s' is not an RFC 3339 time";

  private Restores() {}

  public static Resolution resolve(MySQLCluster cluster, List<MySQLBackup> backups) {
    var from = cluster.getSpec().getBootstrap().getFrom();
    if (from.getStorage() != null) {
      return fromStorage(from);
    }
    String name = from.getBackup();
    var backup = backups.stream().filter(b -> b.getMetadata().getName().equals(name)).findFirst();
    if (backup.isEmpty()) {
      return Resolution.problem("spec.bootstrap.from.backup " + name + " does not exist in namespace "
          + cluster.getMetadata().getNamespace() + ": name a Completed MySQLBackup");
    }
    var status = backup.get().getStatus();
    if (status == null || status.getPhase() != BackupPhase.Completed) {
      return Resolution.problem("spec.bootstrap.from.backup " + name + " is " + (status == null || status.getPhase() == null
          ? "not started" : status.getPhase()) + ": a cluster is restored only from a Completed backup; the cluster is created once it completes");
    }
    var flavor = cluster.getSpec().getEngine().getFlavor();
    if (status.getFlavor() != null && status.getFlavor() != flavor) {
      return Resolution.problem("spec.bootstrap.from.backup " + name + " is a backup of a " + status.getFlavor() + " cluster; "
          + cluster.getMetadata().getName() + " is " + flavor + ": restore it into a cluster of the same flavor");
    }
    var source = RestoreSource.of(backup.get());
    if (source.isEmpty()) {
      return Resolution.problem("spec.bootstrap.from.backup " + name + " has no location in its storage in its status (" + status.getLocation() + ")");
    }
    if (from.getPointInTime() == null) {
      return Resolution.of(source.get());
    }
    var parsed = pointInTime(from);
    if (parsed.isEmpty()) {
      return Resolution.problem(NOT_RFC_3339.formatted(from.getPointInTime()));
    }
    Instant until = parsed.get();
    var completed = Instant.parse(status.getFinishedAt());
    if (until.isBefore(completed)) {
      return Resolution.problem("spec.bootstrap.from.pointInTime " + from.getPointInTime() + " is before backup " + name
          + " completed (" + status.getFinishedAt() + "): restore to a later time, or from an earlier backup");
    }
    String cluster0 = backup.get().getSpec().getClusterRef().getName();
    var archive = backups.stream()
        .filter(b -> b.getSpec().getClusterRef().getName().equals(cluster0))
        .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == BackupPhase.Completed && b.getStatus().getFinishedAt() != null)
        .filter(b -> Instant.parse(b.getStatus().getFinishedAt()).isAfter(until))
        .filter(b -> RestoreSource.of(b).filter(source.get()::sameStorage).isPresent())
        .min(Comparator.comparing(b -> Instant.parse(b.getStatus().getFinishedAt())));
    if (archive.isEmpty()) {
      return Resolution.problem("no Completed backup of cluster " + cluster0 + " in " + source.get().storageName()
          + " finished after spec.bootstrap.from.pointInTime " + from.getPointInTime() + ": the binary logs up to then are archived"
          + " by the next backup; take one, and the restore proceeds");
    }
    // Its archive begins at its own predecessor's position: from a backup older than that, the
    // transactions in between are in no archive this restore reads.
    String since = archive.get().getStatus().getBinlogsSince();
    var predecessor = backups.stream().filter(b -> b.getMetadata().getName().equals(since)).findFirst();
    if (since != null && !since.equals(name) && predecessor.isPresent() && predecessor.get().getStatus().getFinishedAt() != null
        && Instant.parse(predecessor.get().getStatus().getFinishedAt()).isAfter(completed)) {
      return Resolution.problem("backup " + archive.get().getMetadata().getName() + " archives the binary logs only since backup "
          + since + ", which is later than " + name + ": restore from " + since + " (the latest backup before "
          + from.getPointInTime() + ") with the same pointInTime");
    }
    var logs = new RestoreSource.Replay(RestoreSource.of(archive.get()).orElseThrow().path() + "/binlogs", BINLOG_TIME.format(until));
    return Resolution.of(source.get().replaying(logs));
  }

  /**
   * A backup named by its storage and path, with no MySQLBackup to say what it is: its flavor and
   * completion time are checked by the init container against its backup.json.
   */
  private static Resolution fromStorage(BootstrapSpec.RestoreSource from) {
    var source = new RestoreSource(from.getStorage(), from.getPath(), Optional.empty(), null);
    if (from.getPointInTime() == null) {
      return Resolution.of(source);
    }
    var until = pointInTime(from);
    if (until.isEmpty()) {
      return Resolution.problem(NOT_RFC_3339.formatted(from.getPointInTime()));
    }
    if (from.getBinlogsFrom() == null) {
      return Resolution.problem("spec.bootstrap.from.pointInTime with storage and path needs binlogsFrom: the path of a later"
          + " backup in the same storage, whose archived binary logs reach " + from.getPointInTime());
    }
    return Resolution.of(source.replaying(new RestoreSource.Replay(from.getBinlogsFrom() + "/binlogs", BINLOG_TIME.format(until.get()))));
  }

  private static Optional<Instant> pointInTime(BootstrapSpec.RestoreSource from) {
    try {
      return Optional.of(OffsetDateTime.parse(from.getPointInTime()).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}

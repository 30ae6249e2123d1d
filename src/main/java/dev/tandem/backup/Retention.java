package dev.tandem.backup;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupScheduleSpec;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** Which of a schedule's backups have expired. Pure. */
public final class Retention {

  private Retention() {}

  /**
   * The Completed backups beyond {@code keepLast} newest, or older than {@code maxAgeHours}; the
   * newest Completed backup is never expired, whatever its age. Backups that failed or are still
   * running are not retention's to judge.
   */
  public static List<MySQLBackup> expired(List<MySQLBackup> backups, MySQLBackupScheduleSpec.Retention retention, Instant now) {
    if (retention == null) {
      return List.of();
    }
    var completed = backups.stream()
        .filter(backup -> backup.getMetadata().getDeletionTimestamp() == null)
        .filter(backup -> backup.getStatus() != null && backup.getStatus().getPhase() == BackupPhase.Completed)
        .sorted(Comparator.comparing((MySQLBackup backup) -> Instant.parse(backup.getStatus().getStartedAt())).reversed())
        .toList();
    int keep = retention.getKeepLast() == null ? Integer.MAX_VALUE : retention.getKeepLast();
    var maxAge = retention.getMaxAgeHours() == null ? null : Duration.ofHours(retention.getMaxAgeHours());
    var expired = new java.util.ArrayList<MySQLBackup>();
    for (int i = 1; i < completed.size(); i++) {
      var backup = completed.get(i);
      boolean tooMany = i >= keep;
      boolean tooOld = maxAge != null && Instant.parse(backup.getStatus().getStartedAt()).plus(maxAge).isBefore(now);
      if (tooMany || tooOld) {
        expired.add(backup);
      }
    }
    return expired;
  }
}

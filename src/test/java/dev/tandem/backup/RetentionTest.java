package dev.tandem.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupScheduleSpec;
import dev.tandem.api.MySQLBackupStatus;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionTest {

  static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

  static MySQLBackup backup(String name, BackupPhase phase, String startedAt) {
    var backup = new MySQLBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).build());
    var status = new MySQLBackupStatus();
    status.setPhase(phase);
    status.setStartedAt(startedAt);
    backup.setStatus(status);
    return backup;
  }

  static MySQLBackupScheduleSpec.Retention keep(Integer last, Integer maxAgeHours) {
    var retention = new MySQLBackupScheduleSpec.Retention();
    retention.setKeepLast(last);
    retention.setMaxAgeHours(maxAgeHours);
    return retention;
  }

  static final List<MySQLBackup> NIGHTLY = List.of(
      backup("d1", BackupPhase.Completed, "2026-11-26T03:00:00Z"),
      backup("d2", BackupPhase.Completed, "2026-11-27T03:00:00Z"),
      backup("d3", BackupPhase.Failed, "2026-11-28T03:00:00Z"),
      backup("d4", BackupPhase.Completed, "2026-11-28T15:00:00Z"),
      backup("d5", BackupPhase.Running, "2026-11-29T03:00:00Z"));

  static List<String> names(List<MySQLBackup> backups) {
    return backups.stream().map(b -> b.getMetadata().getName()).toList();
  }

  @Test
  void keepLastCountsCompletedBackupsOnlyNewestFirst() {
    assertThat(names(Retention.expired(NIGHTLY, keep(2, null), NOW))).containsExactly("d1");
    assertThat(names(Retention.expired(NIGHTLY, keep(1, null), NOW))).containsExactly("d2", "d1");
  }

  @Test
  void maxAgeExpiresOldBackupsButNeverTheNewestCompletedOne() {
    assertThat(names(Retention.expired(NIGHTLY, keep(null, 60), NOW))).as("d1 is 81 h old, d2 57 h").containsExactly("d1");
    assertThat(names(Retention.expired(NIGHTLY, keep(null, 1), NOW))).as("d4 is the newest Completed").containsExactly("d2", "d1");
  }

  @Test
  void bothLimitsApplyAndNoRetentionKeepsEverything() {
    assertThat(names(Retention.expired(NIGHTLY, keep(3, 60), NOW))).containsExactly("d1");
    assertThat(names(Retention.expired(NIGHTLY, keep(2, 100), NOW))).as("the count alone expires d1").containsExactly("d1");
    assertThat(Retention.expired(NIGHTLY, null, NOW)).isEmpty();
  }
}

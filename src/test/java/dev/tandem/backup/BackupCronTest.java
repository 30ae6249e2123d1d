package dev.tandem.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackupCronTest {

  static BackupCron cron(String expression) {
    var parsed = BackupCron.parse(expression);
    assertThat(parsed.error()).isEmpty();
    return parsed.cron().orElseThrow();
  }

  @Test
  void aNightlyScheduleIsDueAtThreeUtc() {
    var nightly = cron("0 3 * * *");

    assertThat(nightly.lastDue(Instant.parse("2026-11-29T02:59:59Z"))).contains(Instant.parse("2026-11-28T03:00:00Z"));
    assertThat(nightly.lastDue(Instant.parse("2026-11-29T03:00:00Z"))).as("due exactly now").contains(Instant.parse("2026-11-29T03:00:00Z"));
    assertThat(nightly.lastDue(Instant.parse("2026-11-29T03:00:00.400Z"))).contains(Instant.parse("2026-11-29T03:00:00Z"));
    assertThat(nightly.next(Instant.parse("2026-11-29T03:00:00Z"))).contains(Instant.parse("2026-11-30T03:00:00Z"));
  }

  @Test
  void sixFieldsCountSecondsFirst() {
    var often = cron("*/15 * * * * *");

    assertThat(often.lastDue(Instant.parse("2026-11-29T01:00:14Z"))).contains(Instant.parse("2026-11-29T01:00:00Z"));
    assertThat(often.next(Instant.parse("2026-11-29T01:00:14Z"))).contains(Instant.parse("2026-11-29T01:00:15Z"));
  }

  @Test
  void whatIsNotCronIsRefusedWithTheReason() {
    assertThat(BackupCron.parse("every night").error())
        .isEqualTo("spec.schedule 'every night' has 2 fields; a cron expression has 5 (minute hour day-of-month month day-of-week, UTC)"
            + " or 6 with seconds first");
    assertThat(BackupCron.parse("61 3 * * *").error()).startsWith("spec.schedule '61 3 * * *' is not a valid cron expression: ");
    assertThat(BackupCron.parse("0 3 * * * * *").cron()).isEmpty();
  }
}

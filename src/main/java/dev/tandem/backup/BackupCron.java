package dev.tandem.backup;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A schedule's cron expression, in UTC: 5 fields as in a Kubernetes CronJob, or 6 with seconds
 * first (a backup every 15 s is for tests, not production).
 */
public final class BackupCron {

  private static final CronParser FIVE_FIELDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SIX_FIELDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

  private final ExecutionTime times;

  private BackupCron(ExecutionTime times) {
    this.times = times;
  }

  /** The parsed expression, or why it is not one. */
  public static Parsed parse(String expression) {
    String trimmed = expression == null ? "" : expression.trim();
    int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    if (fields != 5 && fields != 6) {
      return Parsed.invalid("spec.schedule '" + expression + "' has " + fields
          + " fields; a cron expression has 5 (minute hour day-of-month month day-of-week, UTC) or 6 with seconds first");
    }
    try {
      var cron = (fields == 5 ? FIVE_FIELDS : SIX_FIELDS).parse(trimmed);
      cron.validate();
      return new Parsed(Optional.of(new BackupCron(ExecutionTime.forCron(cron))), "");
    } catch (IllegalArgumentException e) {
      return Parsed.invalid("spec.schedule '" + expression + "' is not a valid cron expression: " + e.getMessage());
    }
  }

  public record Parsed(Optional<BackupCron> cron, String error) {
    static Parsed invalid(String error) {
      return new Parsed(Optional.empty(), error);
    }
  }

  /** The latest scheduled time at or before {@code now}. */
  public Optional<Instant> lastDue(Instant now) {
    var at = now.atZone(ZoneOffset.UTC);
    // ExecutionTime.lastExecution is strictly before its argument: a run due exactly now counts.
    return times.isMatch(at.withNano(0)) && at.getNano() == 0 ? Optional.of(now)
        : times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /** The first scheduled time after {@code now}. */
  public Optional<Instant> next(Instant now) {
    return times.nextExecution(now.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toInstant);
  }
}

package dev.tandem.replication;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Changes mysqld settings at runtime with {@code SET GLOBAL}. The server decides which settings
 * that can change: one it refuses for another reason than the value itself (a read-only
 * variable, error 1238; an option that is no system variable, 1193; a session-only one, 1228)
 * takes a restart, and so does one the operator's account may not set (1227: my.cnf has it at
 * the next start). No list of dynamic variables is kept here, so a new server version's is
 * always the right one.
 */
public final class RuntimeSettings {

  public enum Outcome {
    APPLIED,
    /** The server cannot change it while running: the instance must restart to take it. */
    NEEDS_RESTART,
    /** This account may not change it here (the next start reads it from my.cnf); another server may allow it. */
    NOT_PERMITTED,
    /** The server refused the value itself: a restart with it could fail to start. */
    REFUSED
  }

  /** @param detail the server's words when it did not apply the setting */
  public record Result(String setting, Outcome outcome, String detail) {}

  /** The operator's account may not set it (a data directory initialized before it was granted SUPER). */
  private static final int ACCESS_DENIED = 1227;
  /** Wrong value, wrong type, wrong arguments: the value itself is bad. */
  private static final Set<Integer> BAD_VALUE = Set.of(1231, 1232, 1210);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+[.][0-9]+");
  private static final Pattern WITH_UNIT = Pattern.compile("([0-9]+)([KkMmGgTt])");
  private static final Pattern KEYWORD = Pattern.compile("(?i)ON|OFF|TRUE|FALSE");

  private final Sessions sessions;

  public RuntimeSettings(Sessions sessions) {
    this.sessions = sessions;
  }

  /**
   * Sets each setting on its own, so one the server refuses leaves the others applied.
   *
   * @param wanted my.cnf option name → value; empty sets the server's compiled-in default
   * @throws SQLException when the server could not be asked (unreachable, connection lost): the
   *     outcome is unknown
   */
  public List<Result> apply(Endpoint endpoint, Map<String, Optional<String>> wanted) throws SQLException {
    var results = new ArrayList<Result>();
    try (var connection = sessions.open(endpoint); var statement = connection.createStatement()) {
      // Quoting below escapes backslashes: a global sql_mode with NO_BACKSLASH_ESCAPES must not apply here.
      statement.execute("SET SESSION sql_mode = ''");
      for (var setting : wanted.entrySet()) {
        String variable = variableName(setting.getKey());
        if (!NAME.matcher(variable).matches()) {
          // A structured key (hot_cache.key_buffer_size) is my.cnf's only: it is read at start.
          results.add(new Result(setting.getKey(), Outcome.NEEDS_RESTART, "'" + setting.getKey() + "' is no plain variable name"));
          continue;
        }
        try {
          statement.execute("SET GLOBAL " + variable + " = " + setting.getValue().map(RuntimeSettings::literal).orElse("DEFAULT"));
          results.add(new Result(setting.getKey(), Outcome.APPLIED, ""));
        } catch (SQLException e) {
          if (Sessions.connectionFailed(e)) {
            throw e;
          }
          // Read-only (1238), no such variable (1193: an option only my.cnf knows), session-only
          // (1228), needing replication stopped (1198), …: a restart is what takes it.
          Outcome outcome = BAD_VALUE.contains(e.getErrorCode()) ? Outcome.REFUSED
              : e.getErrorCode() == ACCESS_DENIED ? Outcome.NOT_PERMITTED : Outcome.NEEDS_RESTART;
          results.add(new Result(setting.getKey(), outcome, "error " + e.getErrorCode() + ": " + e.getMessage()));
        }
      }
    }
    return results;
  }

  /** my.cnf accepts dashes and a loose- prefix (ignore if unknown); SET GLOBAL takes neither. */
  static String variableName(String option) {
    String name = option.replace('-', '_');
    return name.regionMatches(true, 0, "loose_", 0, 6) ? name.substring(6) : name;
  }

  /**
   * A value as SET GLOBAL takes it: numbers and ON/OFF bare, my.cnf's K/M/G/T suffixes
   * multiplied out (SET refuses them), anything else a quoted string.
   */
  static String literal(String value) {
    String trimmed = value.trim();
    if (INTEGER.matcher(trimmed).matches() || DECIMAL.matcher(trimmed).matches() || KEYWORD.matcher(trimmed).matches()) {
      return trimmed;
    }
    var withUnit = WITH_UNIT.matcher(trimmed);
    if (withUnit.matches()) {
      int power = "KMGT".indexOf(Character.toUpperCase(withUnit.group(2).charAt(0))) + 1;
      return new java.math.BigInteger(withUnit.group(1)).shiftLeft(10 * power).toString();
    }
    return "'" + trimmed.replace("\\", "\\\\").replace("'", "''") + "'";
  }
}

package dev.tandem.schema;

import java.util.ArrayList;
import java.util.List;

/** An account's resource limits; 0 is no limit, as the server stores it. */
public record Limits(long maxQueriesPerHour, long maxUpdatesPerHour, long maxConnectionsPerHour, long maxUserConnections) {

  public static final Limits NONE = new Limits(0, 0, 0, 0);

  /** The WITH clause that sets every limit, so a limit no longer asked goes back to none. */
  String clause() {
    return " WITH MAX_QUERIES_PER_HOUR " + maxQueriesPerHour + " MAX_UPDATES_PER_HOUR " + maxUpdatesPerHour
        + " MAX_CONNECTIONS_PER_HOUR " + maxConnectionsPerHour + " MAX_USER_CONNECTIONS " + maxUserConnections;
  }

  List<String> differencesFrom(Limits wanted) {
    var differences = new ArrayList<String>();
    compare(differences, "max queries per hour", maxQueriesPerHour, wanted.maxQueriesPerHour);
    compare(differences, "max updates per hour", maxUpdatesPerHour, wanted.maxUpdatesPerHour);
    compare(differences, "max connections per hour", maxConnectionsPerHour, wanted.maxConnectionsPerHour);
    compare(differences, "max user connections", maxUserConnections, wanted.maxUserConnections);
    return differences;
  }

  private static void compare(List<String> differences, String what, long held, long wanted) {
    if (held != wanted) {
      differences.add(what + " " + held + ", not " + wanted);
    }
  }
}

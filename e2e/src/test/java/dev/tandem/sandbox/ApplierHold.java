package dev.tandem.sandbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Replicas that receive but do not apply: a session on each holds a read lock on the
 * application's table, so the replication applier waits and the relay log grows (semi-sync
 * acknowledges on receipt, so writes go on). A failover to such a replica cannot finish while the
 * hold lasts: the candidate must apply its relay log before it is promoted.
 */
final class ApplierHold implements AutoCloseable {

  private final List<Connection> sessions = new ArrayList<>();

  void hold(String ip) throws SQLException {
    var session = DriverManager.getConnection(ScenarioRunner.url(ip), ScenarioRunner.APP_USER, ScenarioRunner.APP_PASSWORD);
    try (var statement = session.createStatement()) {
      statement.execute("LOCK TABLES " + ScenarioRunner.APP_TABLE + " READ");
    } catch (SQLException e) {
      session.close();
      throw e;
    }
    sessions.add(session);
  }

  /** Ends every holding session (which releases its lock); returns how many there were. */
  int release() {
    int held = sessions.size();
    for (var session : sessions) {
      try {
        session.close();
      } catch (SQLException gone) {
        // A session the server already ended holds no lock either.
      }
    }
    sessions.clear();
    return held;
  }

  @Override
  public void close() {
    release();
  }
}

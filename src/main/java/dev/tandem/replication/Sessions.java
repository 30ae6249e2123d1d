package dev.tandem.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens the engine's connections: as the operator account, with a bounded connect time and a
 * bounded wait for every answer, so a dead or frozen server never hangs the caller.
 */
public final class Sessions {

  /**
   * How the operator reaches an instance. Inside the cluster that is the instance's own address;
   * from outside it is some local forward to it. Replication always uses the instance's own
   * address, since the instances reach each other directly.
   */
  @FunctionalInterface
  public interface Route {
    Route DIRECT = instance -> instance;

    Endpoint to(Endpoint instance) throws SQLException;
  }

  private final Account operator;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Route route;

  public Sessions(Account operator, Duration connectTimeout, Duration readTimeout, Route route) {
    this.operator = operator;
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.route = route;
  }

  /** The same sessions with another connect timeout. */
  public Sessions withConnectTimeout(Duration timeout) {
    return new Sessions(operator, timeout, readTimeout, route);
  }

  public String operatorUser() {
    return operator.user();
  }

  /** A session whose answers may take up to {@code extra} longer than usual (a bounded wait). */
  public Connection open(Endpoint endpoint, Duration extra) throws SQLException {
    var properties = new Properties();
    properties.setProperty("user", operator.user());
    properties.setProperty("password", operator.password());
    properties.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
    // The handshake is bounded like the connect: a frozen server accepts TCP but never answers.
    properties.setProperty("socketTimeout", Long.toString(connectTimeout.toMillis()));
    properties.setProperty("allowPublicKeyRetrieval", "true");
    properties.setProperty("connectionAttributes", "program_name:tandem-operator");
    properties.setProperty("autoReconnect", "false");
    var dialed = route.to(endpoint);
    var connection = DriverManager.getConnection("jdbc:mysql://" + dialed.host() + ":" + dialed.port() + "/", properties);
    try (var statement = connection.createStatement()) {
      connection.setNetworkTimeout(Runnable::run, Math.toIntExact(readTimeout.plus(extra).toMillis()));
      statement.execute("SET SESSION sql_mode = REPLACE(@@session.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  public Connection open(Endpoint endpoint) throws SQLException {
    return open(endpoint, Duration.ZERO);
  }
}

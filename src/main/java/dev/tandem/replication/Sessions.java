package dev.tandem.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;

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

  /** Connector/J reads trusted CAs from a key store file only; the certificates in it are public. */
  private static final String TRUST_STORE_PASSWORD = "tandem-trusted-cas";

  private final Account operator;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Route route;
  private final Optional<Trust> trust;

  /** Whom TLS sessions trust: the CAs' key store, none when no CA is known; and who may have no certificate yet. */
  private record Trust(Optional<Path> store, Predicate<Endpoint> mayLackTls) {}

  public Sessions(Account operator, Duration connectTimeout, Duration readTimeout, Route route) {
    this(operator, connectTimeout, readTimeout, route, Optional.empty());
  }

  private Sessions(Account operator, Duration connectTimeout, Duration readTimeout, Route route, Optional<Trust> trust) {
    this.operator = operator;
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.route = route;
    this.trust = trust;
  }

  /** The same sessions with another connect timeout. */
  public Sessions withConnectTimeout(Duration timeout) {
    return new Sessions(operator, timeout, readTimeout, route, trust);
  }

  /**
   * The same sessions over TLS, verifying every server's certificate against {@code authorities}
   * (not its name: instances are dialled by Pod IP or through a forward). Plaintext is spoken only
   * to a server that offers no TLS at all and that {@code mayLackTls} says may have no certificate:
   * an instance not yet restarted by the rollout that turns TLS on, which losing sight of (a
   * master) would look like its failure. Any other server that cannot be verified, also for want
   * of a CA to verify it with, is not spoken to: the operator's password never goes to it.
   */
  public Sessions verifyingServersWith(List<X509Certificate> authorities, Predicate<Endpoint> mayLackTls) {
    if (authorities.isEmpty()) {
      return new Sessions(operator, connectTimeout, readTimeout, route, Optional.of(new Trust(Optional.empty(), mayLackTls)));
    }
    try {
      var store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < authorities.size(); i++) {
        store.setCertificateEntry("ca-" + i, authorities.get(i));
      }
      Path file = Files.createTempFile("tandem-trusted-cas", ".p12");
      file.toFile().deleteOnExit();
      try (var out = Files.newOutputStream(file)) {
        store.store(out, TRUST_STORE_PASSWORD.toCharArray());
      }
      return new Sessions(operator, connectTimeout, readTimeout, route, Optional.of(new Trust(Optional.of(file), mayLackTls)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot trust these CA certificates: " + e.getMessage(), e);
    }
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
    String url = "jdbc:mysql://" + dialed.host() + ":" + dialed.port() + "/";
    var connection = trust.isPresent() ? openVerifying(endpoint, url, properties, trust.get())
        : DriverManager.getConnection(url, properties);
    try (var statement = connection.createStatement()) {
      connection.setNetworkTimeout(Runnable::run, Math.toIntExact(readTimeout.plus(extra).toMillis()));
      statement.execute("SET SESSION sql_mode = REPLACE(@@session.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private static Connection openVerifying(Endpoint endpoint, String url, Properties properties, Trust trust) throws SQLException {
    boolean mayLackTls = trust.mayLackTls().test(endpoint);
    if (trust.store().isEmpty()) {
      if (!mayLackTls) {
        throw new SQLException("no CA is known to verify " + endpoint.host() + "'s certificate with (see the TLS Secret):"
            + " the operator does not log in to a server it cannot verify", "08001");
      }
      properties.setProperty("sslMode", "DISABLED");
      return DriverManager.getConnection(url, properties);
    }
    properties.setProperty("sslMode", "VERIFY_CA");
    properties.setProperty("trustCertificateKeyStoreUrl", trust.store().get().toUri().toString());
    properties.setProperty("trustCertificateKeyStoreType", "PKCS12");
    properties.setProperty("trustCertificateKeyStorePassword", TRUST_STORE_PASSWORD);
    try {
      return DriverManager.getConnection(url, properties);
    } catch (SQLException e) {
      if (!mayLackTls || !offersNoTls(e)) {
        throw e;
      }
      properties.setProperty("sslMode", "DISABLED");
      return DriverManager.getConnection(url, properties);
    }
  }

  /** Whether the connection failed (SQLSTATE class 08), not the statement: the server may never have seen it. */
  public static boolean connectionFailed(SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("08");
  }

  /** Connector/J's refusal of a VERIFY_CA session with a server that has no TLS configured. */
  private static boolean offersNoTls(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && cause.getMessage().contains("SSL Connection required, but not provided by server")) {
        return true;
      }
    }
    return false;
  }

  public Connection open(Endpoint endpoint) throws SQLException {
    return open(endpoint, Duration.ZERO);
  }
}

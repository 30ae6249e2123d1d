package dev.tandem.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Optional;

/**
 * The certificate an instance serves to new connections, and having it load a renewed one from
 * its files without a restart: connections already open, replication's among them, keep theirs.
 */
public final class ServedCertificates {

  /** A certificate as the server describes the one it serves: by its validity, the only part it reports. */
  public record Validity(Instant notBefore, Instant notAfter) {}

  /** How OpenSSL prints a certificate's time, as both flavors report it: {@code Dec  5 02:00:00 2027 GMT}. */
  private static final DateTimeFormatter OPENSSL_TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy z", Locale.ENGLISH);

  private final Sessions sessions;

  public ServedCertificates(Sessions sessions) {
    this.sessions = sessions;
  }

  /** What the instance serves to a new session now; empty when it serves no TLS. */
  public Optional<Validity> served(Endpoint endpoint) throws SQLException {
    try (var connection = sessions.open(endpoint)) {
      return served(connection);
    }
  }

  /**
   * Has the instance load its certificate files again, and says what it serves afterwards: still
   * the same while its files are not updated yet (a kubelet writes a changed Secret into a Pod
   * within about a minute).
   */
  public Optional<Validity> reload(Endpoint endpoint) throws SQLException {
    try (var connection = sessions.open(endpoint); var statement = connection.createStatement()) {
      String version;
      try (var rows = statement.executeQuery("SELECT VERSION()")) {
        rows.next();
        version = rows.getString(1);
      }
      statement.execute(Dialect.forVersion(version).reloadTlsStatement());
    }
    // A session reports the certificate it was opened with: only a new one shows the reloaded.
    return served(endpoint);
  }

  /** The certificate this session was opened with, which is what the server served then; empty in plaintext. */
  static Optional<Validity> served(Connection connection) throws SQLException {
    var status = new HashMap<String, String>();
    try (var statement = connection.createStatement();
        var rows = statement.executeQuery("SHOW GLOBAL STATUS LIKE 'Ssl_server_not_%'")) {
      while (rows.next()) {
        status.put(rows.getString(1), rows.getString(2));
      }
    }
    return parse(status.get("Ssl_server_not_before")).flatMap(notBefore ->
        parse(status.get("Ssl_server_not_after")).map(notAfter -> new Validity(notBefore, notAfter)));
  }

  static Optional<Instant> parse(String opensslTime) {
    if (opensslTime == null || opensslTime.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(ZonedDateTime.parse(opensslTime.trim(), OPENSSL_TIME).toInstant());
    } catch (DateTimeParseException e) {
      throw new IllegalStateException("unexpected certificate time from the server: '" + opensslTime + "'", e);
    }
  }
}

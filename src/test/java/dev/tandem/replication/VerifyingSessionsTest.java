package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.testing.LocalMariaDb;
import dev.tandem.tls.CertificateAuthority;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's sessions while TLS is in play, against a real mariadbd that offers no TLS (an
 * instance whose Pod has no certificate yet): plaintext only where the Pod is known to have none,
 * and no login at all where no CA is known to verify the server with.
 */
class VerifyingSessionsTest {

  @TempDir static Path dir;
  static LocalMariaDb servers;
  static final Sessions PLAINTEXT = new Sessions(LocalMariaDb.OPERATOR, Duration.ofSeconds(2), Duration.ofSeconds(5),
      Sessions.Route.DIRECT);

  @BeforeAll
  static void startWithoutTls() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("plain").mariaDb().async().instances(1).build(), dir);
  }

  @AfterAll
  static void stopServer() {
    servers.close();
  }

  @Test
  void aServerOfferingNoTlsIsSpokenToInPlaintextOnlyWhenItsPodIsKnownToHaveNoCertificate() throws Exception {
    var authority = CertificateAuthority.create("plain CA", Instant.now(), Duration.ofDays(1)).certificate();

    assertThatThrownBy(() -> verifying(List.of(authority), podHasACertificate -> false).open(endpoint()).close())
        .isInstanceOf(SQLException.class).hasMessageContaining("SSL Connection required, but not provided by server");
    try (var session = verifying(List.of(authority), podHasNoCertificate -> true).open(endpoint())) {
      assertThat(cipher(session)).as("plaintext").isEmpty();
    }
  }

  @Test
  void withNoCaKnownTheOperatorNeverDialsAServerWhosePodHasACertificate() throws Exception {
    long before = connections();

    assertThatThrownBy(() -> verifying(List.of(), podHasACertificate -> false).open(endpoint()).close())
        .isInstanceOf(SQLException.class).hasMessageContaining("no CA is known to verify " + endpoint().host());

    assertThat(connections()).as("only the count's own session reached the server").isEqualTo(before + 1);
    try (var session = verifying(List.of(), podHasNoCertificate -> true).open(endpoint())) {
      assertThat(cipher(session)).as("plaintext").isEmpty();
    }
  }

  private static Sessions verifying(List<X509Certificate> authorities, Predicate<Endpoint> mayLackTls) {
    return PLAINTEXT.verifyingServersWith(authorities, mayLackTls);
  }

  private static Endpoint endpoint() {
    return servers.server("plain-0").endpoint();
  }

  private static String cipher(Connection session) throws SQLException {
    try (var rows = session.createStatement().executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
      rows.next();
      return rows.getString(2);
    }
  }

  /** Every connection attempt the server has seen, the failed ones too. */
  private static long connections() throws SQLException {
    try (var session = PLAINTEXT.open(endpoint());
        var rows = session.createStatement().executeQuery("SHOW GLOBAL STATUS LIKE 'Connections'")) {
      rows.next();
      return rows.getLong(2);
    }
  }
}

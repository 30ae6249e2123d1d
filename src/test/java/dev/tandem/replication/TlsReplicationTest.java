package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.testing.LocalMariaDb;
import dev.tandem.tls.CertificateAuthority;
import dev.tandem.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication, the operator's sessions and clients over TLS on real mariadbd, with
 * require_secure_transport on: encrypted, enforced, renewed in place, and a wrong CA refused
 * with the server's own words. The tests share two servers and leave them healthy.
 */
class TlsReplicationTest {

  @TempDir static Path dir;
  static CertificateAuthority authority;
  static Path authorities;
  static LocalMariaDb servers;
  static Engine engine;

  @BeforeAll
  static void startOverTls() throws Exception {
    authority = CertificateAuthority.create("vault CA", Instant.now(), Duration.ofDays(1));
    authorities = LocalMariaDb.tlsDir(dir).resolve("ca.crt");
    writeServingFiles(authority.issue("vault", List.of("localhost"), List.of(), Instant.now(), Duration.ofHours(2)));
    Files.writeString(authorities, Pem.of(authority.certificate()));
    servers = LocalMariaDb.start(ClusterFixture.named("vault").mariaDb().instances(2).tls(true).build(), dir);
    var plaintext = Engine.masterReplica(servers);
    var desired = new DesiredCluster(plaintext.layout(), plaintext.members(), Optional.empty(), List.of(), Set.of(), true, true,
        Optional.of(authorities.toString()), plaintext.members().keySet());
    engine = new Engine(desired, Engine.PLAINTEXT.verifyingServersWith(List.of(authority.certificate()),
        everyInstanceHasItsCertificate -> false));
    engine.convergedWithSchema(servers);
  }

  @AfterAll
  static void stopServers() {
    engine.close();
    servers.close();
  }

  @Test
  void theReplicaReceivesOverTlsVerifiedWithTheClustersCaAndTheOperatorsSessionIsEncrypted() throws Exception {
    String master = engine.recordedMaster.orElseThrow();
    String replica = master.equals("vault-0") ? "vault-1" : "vault-0";

    var receiver = engine.server(replica).replication().orElseThrow();
    assertThat(receiver.sourceAuthorities()).contains(authorities.toString());
    assertThat(receiver.ioThread()).isEqualTo(ReplicationStatus.IoThread.RUNNING);
    assertThat(replicaStatus(replica, "Master_SSL_Allowed")).isEqualTo("Yes");
    // The master refuses plaintext over TCP (below): a row arriving proves the receiver's session is TLS.
    long before = ContinuousWriter.rows(servers.server(replica).endpoint()).size();
    servers.server(master).asRoot("INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (424242)");
    await().atMost(Duration.ofSeconds(10)).until(() -> ContinuousWriter.rows(servers.server(replica).endpoint()).size() > before);
    try (var session = engine.sessions.open(servers.server(master).endpoint());
        var rows = session.createStatement().executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
      rows.next();
      assertThat(rows.getString(2)).isNotBlank();
    }
  }

  @Test
  void aPlaintextClientIsRefusedWhenSecureTransportIsRequiredAndTheSameOneOverTlsIsLetIn() throws SQLException {
    var properties = new Properties();
    properties.setProperty("user", LocalMariaDb.OPERATOR.user());
    properties.setProperty("password", LocalMariaDb.OPERATOR.password());
    properties.setProperty("sslMode", "DISABLED");
    properties.setProperty("connectTimeout", "5000");
    properties.setProperty("socketTimeout", "5000");
    var master = servers.server(engine.recordedMaster.orElseThrow()).endpoint();
    String url = "jdbc:mysql://" + master.host() + ":" + master.port() + "/";

    // MariaDB words the refusal as a failed login (1045), though the password is right: TLS below proves it.
    assertThatThrownBy(() -> DriverManager.getConnection(url, properties).close())
        .isInstanceOfSatisfying(SQLException.class, refused -> assertThat(refused.getErrorCode()).isEqualTo(1045));
    properties.setProperty("sslMode", "REQUIRED");
    DriverManager.getConnection(url, properties).close();
  }

  @Test
  void aRenewedCertificateIsServedWithoutARestartAndReplicationNeverStops() throws Exception {
    var renewed = authority.issue("vault", List.of("localhost"), List.of(), Instant.now().plusSeconds(60), Duration.ofHours(3));
    writeServingFiles(renewed);
    var leaf = Pem.certificates(renewed.certificatePem()).get(0);
    var wanted = new ServedCertificates.Validity(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    var served = new ServedCertificates(engine.sessions);
    var processes = new java.util.HashMap<String, Long>();
    var executed = new java.util.HashMap<String, GtidSet>();
    List.of("vault-0", "vault-1").forEach(name -> executed.put(name, engine.server(name).executed()));
    for (String name : List.of("vault-0", "vault-1")) {
      processes.put(name, servers.server(name).pid());
      var endpoint = servers.server(name).endpoint();
      assertThat(served.served(endpoint)).as(name + " before the reload").isPresent().isNotEqualTo(Optional.of(wanted));
      assertThat(served.reload(endpoint)).as(name).contains(wanted);
    }

    for (String name : List.of("vault-0", "vault-1")) {
      assertThat(engine.server(name).executed()).as(name + ": a reload is no transaction").isEqualTo(executed.get(name));
    }

    String master = engine.recordedMaster.orElseThrow();
    String replica = master.equals("vault-0") ? "vault-1" : "vault-0";
    // A new receiver session meets the renewed certificate and must still verify it.
    servers.server(replica).asRoot("STOP SLAVE; START SLAVE");
    long before = ContinuousWriter.rows(servers.server(replica).endpoint()).size();
    servers.server(master).asRoot("INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (434343)");
    await().atMost(Duration.ofSeconds(10)).until(() -> ContinuousWriter.rows(servers.server(replica).endpoint()).size() > before);
    assertThat(engine.server(replica).replication().orElseThrow().lastIoError()).isEmpty();
    for (String name : List.of("vault-0", "vault-1")) {
      assertThat(servers.server(name).pid()).as(name + " was not restarted").isEqualTo(processes.get(name));
    }
  }

  @Test
  void aReceiverVerifyingWithAnotherCaIsRefusedReportedWithTheServersWordsAndRepointed() throws Exception {
    String master = engine.recordedMaster.orElseThrow();
    String replica = master.equals("vault-0") ? "vault-1" : "vault-0";
    Path strangers = LocalMariaDb.tlsDir(dir).resolve("other-ca.crt");
    Files.writeString(strangers, Pem.of(CertificateAuthority.create("stranger CA", Instant.now(), Duration.ofDays(1)).certificate()));
    var wrong = new DesiredCluster(engine.desired.layout(), engine.desired.members(), Optional.empty(), List.of(), Set.of(), true, true,
        Optional.of(strangers.toString()), engine.desired.servingTls());
    var correct = engine.desired;
    engine.desired = wrong;
    try {
      engine.pass();
      await().atMost(Duration.ofSeconds(10)).until(() -> engine.server(replica).replication().orElseThrow().lastIoError().isPresent());

      var plan = engine.plan();
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains(replica, "error 2026", "SSL connection error",
          "the TLS handshake with " + master + " failed: its certificate must be valid and signed by a CA in " + strangers));
    } finally {
      engine.desired = correct;
    }
    engine.converge(Duration.ofSeconds(20));
    assertThat(engine.server(replica).replication().orElseThrow().sourceAuthorities()).contains(authorities.toString());
  }

  private static void writeServingFiles(CertificateAuthority.Issued issued) throws Exception {
    Files.createDirectories(authorities.getParent());
    Files.writeString(authorities.resolveSibling("tls.crt"), issued.certificatePem());
    Files.writeString(authorities.resolveSibling("tls.key"), issued.keyPem());
  }

  private static String replicaStatus(String name, String column) throws SQLException {
    try (var session = engine.sessions.open(servers.server(name).endpoint());
        var rows = session.createStatement().executeQuery("SHOW SLAVE STATUS")) {
      rows.next();
      return rows.getString(column);
    }
  }
}

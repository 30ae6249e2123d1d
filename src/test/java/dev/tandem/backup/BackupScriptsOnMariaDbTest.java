package dev.tandem.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.kubernetes.ConfigMapDependent;
import dev.tandem.testing.Commands;
import dev.tandem.testing.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * backup.sh and the restore in init.sh against real mariadbd: a backup taken while rows are written holds
 * exactly the rows up to its GTID position, and a new instance restored from it holds those
 * rows, the application's account, and that GTID position as executed.
 */
class BackupScriptsOnMariaDbTest {

  static final String RESTORED_HOST = "127.0.0.35";

  @TempDir Path dir;

  record Run(int exit, String output) {}

  Run backup(String sourceHost, Path target) throws Exception {
    return backup(sourceHost, target, Map.of());
  }

  Run backup(String sourceHost, Path target, Map<String, String> extra) throws Exception {
    var script = dir.resolve("backup.sh");
    Files.writeString(script, ConfigMapDependent.desiredFor(ClusterFixture.named("shop").mariaDb().build()).getData().get(ConfigMapDependent.BACKUP_SCRIPT));
    var builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
    builder.environment().putAll(Map.of("SOURCE_HOST", sourceHost, "BACKUP_DIR", target.toString(), "TANDEM_FLAVOR", "MariaDB",
        "BACKUP_PASSWORD", LocalMariaDb.BACKUP.password()));
    builder.environment().putAll(extra);
    var process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    return new Run(process.waitFor(), output);
  }

  static List<Long> ids(String host, String user, String password) throws Exception {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + host + ":3306/", user, password);
        var rows = connection.createStatement().executeQuery("SELECT id FROM app.writes ORDER BY id")) {
      var ids = new ArrayList<Long>();
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
      return ids;
    }
  }

  static String value(String host, String sql) throws Exception {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + host + ":3306/", LocalMariaDb.OPERATOR.user(),
        LocalMariaDb.OPERATOR.password()); var rows = connection.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  static final MySQLCluster CLUSTER = ClusterFixture.named("shop").mariaDb().instances(1).mysqld("innodb_buffer_pool_size", "32M").build();

  /** The application's schema and account on the source, with rows 1 to {@code rows}. */
  static LocalMariaDb.Server withRows(LocalMariaDb.Server source, int rows) throws Exception {
    source.asRoot("SET GLOBAL read_only = OFF; CREATE DATABASE app; CREATE TABLE app.writes (id BIGINT PRIMARY KEY);"
        + " CREATE USER app@'%' IDENTIFIED BY 'app-pw'; GRANT ALL ON app.* TO app@'%';"
        + " INSERT INTO app.writes SELECT seq FROM app.seq_1_to_" + rows);
    return source;
  }

  /** A new instance whose init container ran with these passwords and RESTORE_* settings, started. */
  LocalMariaDb.Server restored(Map<String, String> environment) throws Exception {
    var copyDir = dir.resolve("copy");
    LocalMariaDb.runInitScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, environment);
    var copy = new LocalMariaDb.Server("copy-0", RESTORED_HOST, copyDir);
    try {
      copy.start();
      copy.awaitReady();
    } catch (Exception | AssertionError e) {
      copy.stopQuietly();
      throw e;
    }
    return copy;
  }

  /**
   * An application inserting ids from {@code first} up, one autocommitted transaction (one GTID)
   * each, while a backup runs. The backup's GTID position then says exactly which rows it holds.
   */
  static final class Writes implements AutoCloseable {
    private final AtomicLong committed;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;

    Writes(String host, long first) {
      committed = new AtomicLong(first - 1);
      thread = new Thread(() -> {
        try (var connection = DriverManager.getConnection("jdbc:mysql://" + host + ":3306/", "app", "app-pw");
            var insert = connection.prepareStatement("INSERT INTO app.writes (id) VALUES (?)")) {
          while (running.get()) {
            insert.setLong(1, committed.get() + 1);
            insert.executeUpdate();
            committed.incrementAndGet();
          }
        } catch (Exception e) {
          failure.set(e);
        }
      }, "backup-test-writes");
      thread.start();
    }

    /** The last id committed so far. */
    long committed() {
      if (failure.get() != null) {
        throw new AssertionError("the writes stopped", failure.get());
      }
      return committed.get();
    }

    void awaitCommitted(long id) {
      await().atMost(Duration.ofSeconds(30)).until(() -> committed() >= id);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  /** Runs backup.sh while rows from 101 up are written; the backup must hold exactly 1 to the row its GTID position names. */
  record BackupUnderWrites(long writtenBefore, long writtenAfter, String position) {
    /** The rows the backup must hold: each write after the 100 rows of withRows is one GTID. */
    List<Long> rowsAtPosition(String positionBeforeWrites) {
      long transactions = sequence(position) - sequence(positionBeforeWrites);
      return idsUpTo(100 + transactions);
    }

    static long sequence(String gtidPosition) {
      return Long.parseLong(gtidPosition.substring(gtidPosition.lastIndexOf('-') + 1));
    }
  }

  BackupUnderWrites backupUnderWrites(LocalMariaDb.Server source, Path target, Map<String, String> extra) throws Exception {
    try (var writes = new Writes(source.host, 101)) {
      writes.awaitCommitted(120);
      long before = writes.committed();
      var run = backup(source.host, target, extra);
      long after = writes.committed();
      assertThat(run.exit()).as(run.output()).isZero();
      var result = java.util.regex.Pattern.compile("tandem-backup-result \\{\"gtidPosition\":\"([^\"]*)\"").matcher(run.output());
      assertThat(result.find()).as(run.output()).isTrue();
      assertThat(after).as("rows were written while backup.sh ran").isGreaterThan(before);
      return new BackupUnderWrites(before, after, result.group(1));
    }
  }

  static List<Long> idsUpTo(long last) {
    return java.util.stream.LongStream.rangeClosed(1, last).boxed().toList();
  }

  static final int SEED_PORT = 14444;

  /** seed.sh from the donor to {@code receiverPod}, as the donor's Job runs it. */
  Run seed(LocalMariaDb.Server donor, String receiverPod, String replicationPassword) throws Exception {
    var script = dir.resolve("seed.sh");
    Files.writeString(script, ConfigMapDependent.desiredFor(CLUSTER).getData().get(ConfigMapDependent.SEED_SCRIPT));
    var builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
    builder.environment().putAll(Map.of("RECEIVER_HOST", "127.0.0.1", "RECEIVER_POD", receiverPod, "DONOR_HOST", donor.host,
        "DONOR_DATADIR", donor.dir.resolve("data").toString(), "TANDEM_FLAVOR", "MariaDB", "SEED_PORT", Integer.toString(SEED_PORT),
        "REPLICATION_PASSWORD", replicationPassword, "BACKUP_PASSWORD", LocalMariaDb.BACKUP.password(), "WAIT_SECONDS", "30"));
    var process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    return new Run(process.waitFor(), output);
  }

  static Map<String, String> seedEnvironment() {
    var environment = new HashMap<>(LocalMariaDb.PASSWORDS);
    environment.put("SEED_EMPTY", "true");
    environment.put("SEED_PORT", Integer.toString(SEED_PORT));
    return environment;
  }

  @Test
  void aDonorsStreamedCopySeedsAnEmptyInstanceWithItsRowsAndPosition() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("donor"))) {
      var donor = withRows(servers.server("shop-0"), 100);
      String positionBeforeWrites = value(donor.host, "SELECT @@gtid_binlog_pos");
      var receiver = LocalMariaDb.initScript(dir.resolve("copy"), CLUSTER, "copy-0", RESTORED_HOST, seedEnvironment(), "receive").start();
      long before;
      long after;
      Run run;
      try (var writes = new Writes(donor.host, 101)) {
        writes.awaitCommitted(120);
        before = writes.committed();
        run = seed(donor, "copy-0", LocalMariaDb.PASSWORDS.get("REPLICATION_PASSWORD"));
        after = writes.committed();
      }
      String received = new String(receiver.getInputStream().readAllBytes());
      assertThat(run.exit()).as(run.output() + received).isZero();
      assertThat(receiver.waitFor()).as(received).isZero();
      assertThat(received).contains("waiting for a donor's copy", "received a donor's copy");
      String position = Files.readString(dir.resolve("copy/data/.tandem-seed/position"));

      var copy = restored(seedEnvironment());
      try {
        var expected = new BackupUnderWrites(before, after, position).rowsAtPosition(positionBeforeWrites);
        assertThat(expected.size()).as("the copy's position falls among the rows written while it was taken")
            .isGreaterThan((int) before - 1).isLessThanOrEqualTo((int) after);
        assertThat(ids(RESTORED_HOST, "app", "app-pw")).as("the donor's rows up to the copy's position").isEqualTo(expected);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_binlog_state")).isEqualTo(position);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_slave_pos")).isEqualTo(position);
        assertThat(dir.resolve("copy/data/.tandem-seed")).as("the received copy became the data directory").doesNotExist();
      } finally {
        copy.stopQuietly();
      }
    }
  }

  @Test
  void aSenderWithoutTheClustersReplicationPasswordIsNotReadAndTheInstanceWaitsAgain() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("donor"))) {
      var donor = withRows(servers.server("shop-0"), 10);
      var receiver = LocalMariaDb.initScript(dir.resolve("copy"), CLUSTER, "copy-0", RESTORED_HOST, seedEnvironment(), "receive").start();
      var run = seed(donor, "copy-0", "not-the-replication-password");
      String received = new String(receiver.getInputStream().readAllBytes());

      assertThat(receiver.waitFor()).as(received).isNotZero();
      assertThat(received).contains("did not identify as this cluster's donor");
      assertThat(dir.resolve("copy/data/.tandem-seed/complete")).doesNotExist();
      assertThat(dir.resolve("copy/data/.tandem-seed/data")).isEmptyDirectory();
      assertThat(run.exit()).as("the donor's stream was cut: " + run.output()).isNotZero();
    }
  }

  /** As a container's end does: its listening socat too. */
  static void stopTree(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    process.waitFor();
  }

  @Test
  void aReseedPutsTheDataAsideOnceAndAStartWithoutTheRequestFreesIt() throws Exception {
    var copyDir = dir.resolve("copy");
    LocalMariaDb.runInitScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, LocalMariaDb.PASSWORDS);
    var environment = seedEnvironment();
    environment.put("RESEED", "other-1@5 copy-0@1700000000");
    var receiver = LocalMariaDb.initScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, environment, "receive").start();
    var aside = copyDir.resolve("data/.tandem-aside-1700000000");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(copyDir.resolve("data/.tandem-seed/data")));
    stopTree(receiver);
    assertThat(aside.resolve("mysql")).as("the old data, kept").isDirectory();
    assertThat(copyDir.resolve("data/mysql")).doesNotExist();

    // Started again under the same request (the seed was cut short): nothing more is moved.
    receiver = LocalMariaDb.initScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, environment, "receive").start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(copyDir.resolve("data/.tandem-seed/data")));
    stopTree(receiver);
    try (var entries = Files.list(copyDir.resolve("data"))) {
      assertThat(entries.map(entry -> entry.getFileName().toString()))
          .containsExactlyInAnyOrder(".tandem-aside-1700000000", ".tandem-seed");
    }
    try (var entries = Files.list(aside)) {
      assertThat(entries.map(entry -> entry.getFileName().toString())).as("no second move into the aside data")
          .noneMatch(name -> name.startsWith(".tandem"));
    }

    // The instance has data again and the request is gone: its next start frees the space.
    Commands.run("rm", "-rf", copyDir.resolve("data/.tandem-seed").toString());
    LocalMariaDb.runInitScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, LocalMariaDb.PASSWORDS);
    assertThat(aside).as("kept until a start of an instance with data").isDirectory();
    String output = LocalMariaDb.runInitScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, LocalMariaDb.PASSWORDS);
    assertThat(output).contains("deleting the data put aside");
    assertThat(aside).doesNotExist();
  }

  @Test
  void aMoveAsideCutShortIsFinishedNeverDeleted() throws Exception {
    var copyDir = dir.resolve("copy");
    LocalMariaDb.runInitScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, LocalMariaDb.PASSWORDS);
    // As if the Pod died after moving mysql/ aside and before the rest.
    var partial = copyDir.resolve("data/.tandem-aside-1700000000.partial");
    Files.createDirectories(partial);
    Files.move(copyDir.resolve("data/mysql"), partial.resolve("mysql"));
    var environment = seedEnvironment();
    environment.put("RESEED", "copy-0@1700000000");

    // The init container of a Pod with data but a request (it restarted after a seed): it frees nothing of the request's.
    var receiver = LocalMariaDb.initScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, environment, "receive").start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(copyDir.resolve("data/.tandem-seed/data")));
    stopTree(receiver);

    var aside = copyDir.resolve("data/.tandem-aside-1700000000");
    assertThat(aside.resolve("mysql")).as("moved before the cut").isDirectory();
    assertThat(aside.resolve("ibdata1")).as("moved after it").exists();
    assertThat(partial).doesNotExist();
  }

  /**
   * A backup named by storage and path has no MySQLBackup for the operator to check: the init
   * container refuses, from backup.json, one of the other flavor and a time before it completed.
   */
  @Test
  void aBackupOfTheOtherFlavorOrATimeBeforeItCompletedIsRefusedFromItsBackupJson() throws Exception {
    Path mysqlBackup = Files.createDirectories(dir.resolve("store/ns/other/mysql"));
    Files.writeString(mysqlBackup.resolve("backup.json"), "{\"method\": \"Logical\", \"flavor\": \"MySQL\", \"gtidPosition\": \"\","
        + " \"finishedAt\": \"2026-11-28T03:00:41Z\"}\n");
    var environment = new HashMap<>(LocalMariaDb.PASSWORDS);
    environment.put("RESTORE_DIR", mysqlBackup.toString());
    assertThatThrownBy(() -> LocalMariaDb.runInitScript(dir.resolve("copy-a"), CLUSTER, "copy-0", RESTORED_HOST, environment))
        .hasMessageContaining("the backup at " + mysqlBackup + " is of a MySQL cluster; this cluster is MariaDB:"
            + " restore it into a cluster of the same flavor");

    Path mariadbBackup = Files.createDirectories(dir.resolve("store/ns/other/mariadb"));
    Files.writeString(mariadbBackup.resolve("backup.json"), Files.readString(mysqlBackup.resolve("backup.json")).replace("MySQL", "MariaDB"));
    environment.put("RESTORE_DIR", mariadbBackup.toString());
    environment.put("RESTORE_UNTIL", "2026-11-28 03:00:40");
    assertThatThrownBy(() -> LocalMariaDb.runInitScript(dir.resolve("copy-b"), CLUSTER, "copy-0", RESTORED_HOST, environment))
        .hasMessageContaining("the point in time 2026-11-28 03:00:40 UTC is before the backup at " + mariadbBackup
            + " completed (2026-11-28T03:00:41Z): restore to a later time, or from an earlier backup");
  }

  @Test
  void aRestoredInstanceHoldsExactlyTheBackupsRowsAccountsAndPosition() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("source"))) {
      var source = withRows(servers.server("shop-0"), 100);
      String positionBeforeWrites = value(source.host, "SELECT @@gtid_binlog_pos");
      Path target = dir.resolve("store/ns/shop/nightly");

      var backup = backupUnderWrites(source, target, Map.of());
      String positionAtBackup = backup.position();

      assertThat(target.resolve("backup.json")).content().contains("\"gtidPosition\": \"" + positionAtBackup + "\"", "\"accounts\": 1");
      assertThat(Files.list(target.getParent()).map(p -> p.getFileName().toString())).containsExactly("nightly");

      var passwords = new HashMap<>(LocalMariaDb.PASSWORDS);
      passwords.put("RESTORE_DIR", target.toString());
      var copy = restored(passwords);
      try {
        var expected = backup.rowsAtPosition(positionBeforeWrites);
        assertThat(expected.size()).as("the backup's position falls among the rows written during it")
            .isGreaterThan((int) backup.writtenBefore() - 1).isLessThanOrEqualTo((int) backup.writtenAfter());
        assertThat(ids(RESTORED_HOST, "app", "app-pw")).as("the rows up to the backup's position, none after, read as the restored account")
            .isEqualTo(expected);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_binlog_state")).isEqualTo(positionAtBackup);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_slave_pos")).isEqualTo(positionAtBackup);
      } finally {
        copy.stopQuietly();
      }
    }
  }

  @Test
  void aPhysicalCopyRestoresItsRowsWithTheNewClustersPasswordsAndPosition() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("source"))) {
      var source = withRows(servers.server("shop-0"), 100);
      String positionBeforeWrites = value(source.host, "SELECT @@gtid_binlog_pos");
      Path target = dir.resolve("store/ns/shop/physical");

      var backup = backupUnderWrites(source, target,
          Map.of("BACKUP_METHOD", "Physical", "SOURCE_DATADIR", source.dir.resolve("data").toString()));
      String positionAtBackup = backup.position();

      assertThat(target.resolve("backup.json")).content().contains("\"method\": \"Physical\"", "\"gtidPosition\": \"" + positionAtBackup + "\"");
      assertThat(target.resolve("data/ibdata1")).exists();

      // The new cluster has passwords of its own: the copied accounts must take them.
      var passwords = new HashMap<>(LocalMariaDb.PASSWORDS);
      passwords.put("BACKUP_PASSWORD", "a-new-backup-pw");
      passwords.put("RESTORE_DIR", target.toString());
      // As when the copy was downloaded from a bucket: it is freed once restored.
      passwords.put("RESTORE_DISCARD", "true");
      var copy = restored(passwords);
      try {
        assertThat(target).as("the downloaded copy, freed").doesNotExist();
        var expected = backup.rowsAtPosition(positionBeforeWrites);
        assertThat(expected.size()).as("the backup's position falls among the rows written during it")
            .isGreaterThan((int) backup.writtenBefore() - 1).isLessThanOrEqualTo((int) backup.writtenAfter());
        assertThat(ids(RESTORED_HOST, "app", "app-pw")).as("the rows up to the backup's position, none after").isEqualTo(expected);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_binlog_state")).isEqualTo(positionAtBackup);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_slave_pos")).isEqualTo(positionAtBackup);
        DriverManager.getConnection("jdbc:mysql://" + RESTORED_HOST + ":3306/", "backup", "a-new-backup-pw").close();
        org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
            () -> DriverManager.getConnection("jdbc:mysql://" + RESTORED_HOST + ":3306/", "backup", LocalMariaDb.BACKUP.password()).close(),
            "the old cluster's backup password no longer works");
      } finally {
        copy.stopQuietly();
      }
    }
  }

  @Test
  void aPointInTimeRestoreReplaysTheNextBackupsBinlogsUpToThatSecond() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("source"))) {
      var source = withRows(servers.server("shop-0"), 100);
      source.asRoot("FLUSH BINARY LOGS");
      Path first = dir.resolve("store/ns/shop/first");
      assertThat(backup(source.host, first).exit()).isZero();
      String positionOfFirst = value(source.host, "SELECT @@gtid_binlog_pos");
      source.asRoot("INSERT INTO app.writes SELECT seq FROM app.seq_101_to_150");
      source.asRoot("FLUSH BINARY LOGS");
      String positionAtT = value(source.host, "SELECT @@gtid_binlog_pos");
      // Binary log times have one-second resolution: T is the next whole second, with nothing written in it.
      var pointInTime = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
      Thread.sleep(Duration.between(Instant.now(), pointInTime).toMillis() + 1100);
      source.asRoot("INSERT INTO app.writes SELECT seq FROM app.seq_151_to_200");
      Path second = dir.resolve("store/ns/shop/second");
      var run = backup(source.host, second, Map.of("ARCHIVE_SINCE_GTID", positionOfFirst));
      assertThat(run.exit()).as(run.output()).isZero();
      assertThat(run.output()).as("of three binary logs, the first ends before the first backup's position")
          .contains("archived 2 binary log file(s) of " + source.host + ", since GTID position '" + positionOfFirst + "'");

      var passwords = new HashMap<>(LocalMariaDb.PASSWORDS);
      passwords.put("RESTORE_DIR", first.toString());
      passwords.put("RESTORE_BINLOG_DIR", second.resolve("binlogs").toString());
      passwords.put("RESTORE_UNTIL", DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
          .withZone(ZoneOffset.UTC).format(pointInTime));
      var copy = restored(passwords);
      try {
        var expected = idsUpTo(150);
        assertThat(ids(RESTORED_HOST, "app", "app-pw")).as("the backup's rows and those written before T, none after").isEqualTo(expected);
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_binlog_pos")).as("the replayed transactions kept their GTIDs").isEqualTo(positionAtT);
      } finally {
        copy.stopQuietly();
      }
    }
  }

  static String binlogTime(Instant instant) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC).format(instant);
  }

  /** The next whole second, once it has passed: binary log times have one-second resolution. */
  static Instant nextSecondPassed() throws InterruptedException {
    var second = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    Thread.sleep(Duration.between(Instant.now(), second).toMillis() + 1100);
    return second;
  }

  /**
   * mariadb-binlog --start-position fails ("never reached expected GTID state") when the
   * archive holds no transaction after the position: with nothing written since the backup, a
   * point in time after it is the backup itself, not a failed restore (a quiet database).
   */
  @Test
  void aPointInTimeWithNothingWrittenSinceTheBackupRestoresTheBackupAsItWas() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("source"))) {
      var source = withRows(servers.server("shop-0"), 100);
      Path first = dir.resolve("store/ns/shop/first");
      assertThat(backup(source.host, first).exit()).isZero();
      String positionOfFirst = value(source.host, "SELECT @@gtid_binlog_pos");
      var pointInTime = nextSecondPassed();
      Path second = dir.resolve("store/ns/shop/second");
      assertThat(backup(source.host, second, Map.of("ARCHIVE_SINCE_GTID", positionOfFirst)).exit()).isZero();

      var passwords = new HashMap<>(LocalMariaDb.PASSWORDS);
      passwords.put("RESTORE_DIR", first.toString());
      passwords.put("RESTORE_BINLOG_DIR", second.resolve("binlogs").toString());
      passwords.put("RESTORE_UNTIL", binlogTime(pointInTime));
      var copy = restored(passwords);
      try {
        assertThat(ids(RESTORED_HOST, "app", "app-pw")).as("the backup's rows").isEqualTo(idsUpTo(100));
        assertThat(value(RESTORED_HOST, "SELECT @@gtid_binlog_pos")).isEqualTo(positionOfFirst);
      } finally {
        copy.stopQuietly();
      }
    }
  }

  /**
   * The data directory receives the restored data only once restore and replay are complete:
   * an init container that fails midway leaves nothing a retry would take for done (it used to
   * leave the backup's data without its replay, and the retry skipped the restore), and no
   * server of its own running.
   */
  @Test
  void anInitThatFailsMidRestoreLeavesNothingARetryWouldTakeForDone() throws Exception {
    try (var servers = LocalMariaDb.start(CLUSTER, dir.resolve("source"))) {
      var source = withRows(servers.server("shop-0"), 100);
      Path first = dir.resolve("store/ns/shop/first");
      assertThat(backup(source.host, first).exit()).isZero();
      String positionOfFirst = value(source.host, "SELECT @@gtid_binlog_pos");
      source.asRoot("INSERT INTO app.writes SELECT seq FROM app.seq_101_to_150");
      var pointInTime = nextSecondPassed();
      Path second = dir.resolve("store/ns/shop/second");
      assertThat(backup(source.host, second, Map.of("ARCHIVE_SINCE_GTID", positionOfFirst)).exit()).isZero();
      var copyDir = dir.resolve("copy");
      var passwords = new HashMap<>(LocalMariaDb.PASSWORDS);
      passwords.put("RESTORE_DIR", first.toString());
      passwords.put("RESTORE_UNTIL", binlogTime(pointInTime));
      passwords.put("RESTORE_BINLOG_DIR", Files.createDirectories(dir.resolve("no-binlogs-yet")).toString());

      assertThatThrownBy(() -> LocalMariaDb.runInitScript(copyDir, CLUSTER, "copy-0", RESTORED_HOST, passwords))
          .hasMessageContaining("no archived binary logs at");
      assertThat(copyDir.resolve("data/mysql")).as("a data directory a retry would take for initialized").doesNotExist();
      assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(copyDir.toString())))
          .as("servers the failed init started").isEmpty();

      passwords.put("RESTORE_BINLOG_DIR", second.resolve("binlogs").toString());
      var copy = restored(passwords);
      try {
        assertThat(ids(RESTORED_HOST, "app", "app-pw")).as("restored and replayed on the retry").isEqualTo(idsUpTo(150));
      } finally {
        copy.stopQuietly();
      }
    }
  }

  @Test
  void aBackupOfAnUnreachableSourceFailsAndLeavesNothingBehind() throws Exception {
    Path target = dir.resolve("store/ns/shop/broken");

    var run = backup("127.0.0.36", target);

    assertThat(run.exit()).isNotZero();
    assertThat(run.output()).contains("Can't connect");
    assertThat(target.getParent()).isEmptyDirectory();
  }
}

package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * An application writing as fast as it can through "the writer Service": the endpoint the
 * supplier names at each reconnect. A row counts as acknowledged only when its commit returned,
 * as it would for a real client; one whose commit failed or hung is not counted.
 */
final class ContinuousWriter implements AutoCloseable {

  static final String TABLE = "app.writes";
  /** An application account: unlike the operator's, read_only stops it and a fence kills it. */
  static final Account APP = new Account("app", "app-pw");

  private final Supplier<Endpoint> writer;
  private final Set<Long> acknowledged = new ConcurrentSkipListSet<>();
  private final ConcurrentSkipListMap<Long, Long> acknowledgedAt = new ConcurrentSkipListMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong longestGapNanos = new AtomicLong();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final Thread thread;

  private final boolean autoIncrement;

  /** Writes rows 1, 2, 3, … through the writer Service. */
  ContinuousWriter(Supplier<Endpoint> writer) {
    this(writer, false);
  }

  /**
   * @param autoIncrement let the server pick each id (DualMaster: each master hands out its own
   *     interleaved values) instead of counting 1, 2, 3, …
   */
  ContinuousWriter(Supplier<Endpoint> writer, boolean autoIncrement) {
    this.writer = writer;
    this.autoIncrement = autoIncrement;
    this.thread = new Thread(this::write, "continuous-writer");
    thread.start();
  }

  /** The application's schema and account, created on the master by root (and replicated). */
  static void createSchema(LocalMariaDb.Server master) throws Exception {
    master.asRoot("CREATE USER IF NOT EXISTS app@'%' IDENTIFIED BY '" + APP.password() + "';"
        + " GRANT ALL ON app.* TO app@'%'; CREATE DATABASE IF NOT EXISTS app;"
        + " CREATE TABLE IF NOT EXISTS " + TABLE + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))");
  }

  private void write() {
    long next = 1;
    long lastAck = System.nanoTime();
    Connection connection = null;
    while (running.get()) {
      try {
        if (connection == null) {
          var endpoint = writer.get();
          connection = DriverManager.getConnection("jdbc:mysql://" + endpoint + "/?connectTimeout=500&socketTimeout=3000",
              APP.user(), APP.password());
        }
        try (var statement = connection.createStatement()) {
          if (autoIncrement) {
            statement.executeUpdate("INSERT INTO " + TABLE + " () VALUES ()", java.sql.Statement.RETURN_GENERATED_KEYS);
            try (var keys = statement.getGeneratedKeys()) {
              keys.next();
              acknowledged.add(keys.getLong(1));
              acknowledgedAt.put(System.nanoTime(), keys.getLong(1));
            }
          } else {
            long id = next++;
            statement.executeUpdate("INSERT INTO " + TABLE + " (id) VALUES (" + id + ")");
            acknowledged.add(id);
            acknowledgedAt.put(System.nanoTime(), id);
          }
        }
        long now = System.nanoTime();
        longestGapNanos.accumulateAndGet(now - lastAck, Math::max);
        lastAck = now;
      } catch (SQLException e) {
        close(connection);
        connection = null;
        sleep(20);
      } catch (RuntimeException e) {
        // Not an outage but a bug in the test: every later wait fails with it instead of timing out mute.
        failure.set(e);
        running.set(false);
      }
    }
    close(connection);
  }

  private void requireHealthy() {
    var broken = failure.get();
    if (broken != null) {
      throw new AssertionError("the writer stopped on an unexpected error", broken);
    }
  }

  /** Stops writing; returns the acknowledged ids. */
  Set<Long> stop() throws InterruptedException {
    running.set(false);
    thread.join(10_000);
    if (thread.isAlive()) {
      throw new AssertionError("the writer did not stop within 10 s: " + java.util.Arrays.toString(thread.getStackTrace()));
    }
    requireHealthy();
    return Set.copyOf(acknowledged);
  }

  /**
   * When the first write acknowledged after {@code sinceNanos} (System.nanoTime) was: the end of
   * the outage a fault at that moment caused, as an application sees it.
   */
  long firstAcknowledgementAfter(long sinceNanos, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      requireHealthy();
      var first = acknowledgedAt.ceilingKey(sinceNanos);
      if (first != null) {
        return first;
      }
      sleep(5);
    }
    throw new AssertionError("no write acknowledged within " + timeout + " after the fault");
  }

  long longestGapMillis() {
    return longestGapNanos.get() / 1_000_000;
  }

  /** Waits until at least {@code count} more rows are acknowledged. */
  void awaitMoreWrites(int count) throws InterruptedException {
    int target = acknowledged.size() + count;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (acknowledged.size() < target) {
      requireHealthy();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the writer did not get " + count + " more writes acknowledged within 30 s");
      }
      sleep(10);
    }
  }

  static List<Long> rows(Endpoint endpoint) throws SQLException {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + endpoint + "/?connectTimeout=1000&socketTimeout=5000", APP.user(),
        APP.password());
        var statement = connection.createStatement();
        var result = statement.executeQuery("SELECT id FROM " + TABLE + " ORDER BY id")) {
      var ids = new java.util.ArrayList<Long>();
      while (result.next()) {
        ids.add(result.getLong(1));
      }
      return ids;
    }
  }

  private static void close(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // The server is gone; nothing to release.
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}

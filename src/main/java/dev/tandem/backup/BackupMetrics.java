package dev.tandem.backup;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Backups on /q/metrics, per cluster: the last success's time, duration and size, and failures. */
@ApplicationScoped
public class BackupMetrics {

  private final MeterRegistry registry;
  /** Gauges read these; Micrometer holds gauge objects weakly, so they are kept here. */
  private final Map<String, double[]> values = new ConcurrentHashMap<>();

  public BackupMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void succeeded(String namespace, String cluster, Instant finished, Duration took, long sizeBytes) {
    var tags = Tags.of("namespace", namespace, "cluster", cluster);
    set("tandem.backup.last.success.timestamp.seconds", tags, finished.toEpochMilli() / 1000.0);
    set("tandem.backup.last.duration.seconds", tags, took.toMillis() / 1000.0);
    set("tandem.backup.last.size.bytes", tags, sizeBytes);
  }

  /** The failure counter exists at 0 from a cluster's first backup on, so that increase() sees the first failure. */
  void started(String namespace, String cluster) {
    registry.counter("tandem.backup.failures", Tags.of("namespace", namespace, "cluster", cluster));
  }

  void failed(String namespace, String cluster) {
    registry.counter("tandem.backup.failures", Tags.of("namespace", namespace, "cluster", cluster)).increment();
  }

  private void set(String name, Tags tags, double value) {
    double[] holder = values.computeIfAbsent(name + tags, key -> {
      var created = new double[1];
      registry.gauge(name, tags, created, held -> held[0]);
      return created;
    });
    holder[0] = value;
  }
}

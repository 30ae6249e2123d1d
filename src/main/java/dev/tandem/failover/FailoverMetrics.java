package dev.tandem.failover;

import dev.tandem.replication.InstanceSnapshot;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control loop's Prometheus metrics, served on /q/metrics: changes of master, the last
 * one's duration, and per instance whether it answers, its replication lag and probe latency.
 */
@ApplicationScoped
public class FailoverMetrics {

  static final String FAILOVER = "Failover";
  static final String SWITCHOVER = "Switchover";

  private final MeterRegistry registry;
  /** Gauges read these; Micrometer holds gauge objects weakly, so they are kept here. */
  private final Map<Meter.Id, double[]> values = new ConcurrentHashMap<>();

  public FailoverMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void masterChanged(ResourceID cluster, String type, Duration took) {
    var tags = tags(cluster);
    registry.counter(SWITCHOVER.equals(type) ? "tandem.switchovers" : "tandem.failovers", tags).increment();
    set("tandem.last.master.change.duration.seconds", tags.and("type", type), took.toMillis() / 1000.0);
  }

  void observed(ResourceID cluster, Collection<InstanceSnapshot> snapshots) {
    for (var snapshot : snapshots) {
      var tags = tags(cluster).and("instance", snapshot.name());
      set("tandem.instance.up", tags, snapshot.isReachable() ? 1 : 0);
      set("tandem.probe.latency.seconds", tags, snapshot.probeLatency().toNanos() / 1e9);
      snapshot.replication().flatMap(status -> status.secondsBehindSource())
          .ifPresent(lag -> set("tandem.replication.lag.seconds", tags, lag));
    }
  }

  /** A deleted cluster's series disappear with it. */
  void forget(ResourceID cluster) {
    var tags = tags(cluster);
    List<Meter> meters = registry.getMeters().stream()
        .filter(meter -> tags.stream().allMatch(tag -> tag.getValue().equals(meter.getId().getTag(tag.getKey()))))
        .toList();
    meters.forEach(meter -> {
      registry.remove(meter);
      values.remove(meter.getId());
    });
  }

  private void set(String name, Tags tags, double value) {
    var id = new Meter.Id(name, tags, null, null, Meter.Type.GAUGE);
    values.computeIfAbsent(id, key -> {
      var holder = new double[1];
      registry.gauge(name, tags, holder, h -> h[0]);
      return holder;
    })[0] = value;
  }

  private static Tags tags(ResourceID cluster) {
    return Tags.of("namespace", cluster.getNamespace().orElse(""), "cluster", cluster.getName());
  }
}

package dev.tandem.failover;

import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.kubernetes.ClusterStatusAggregator;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The control loop's Prometheus metrics, served on /q/metrics: changes of master, the last
 * one's duration, per instance whether it answers, whether it is the master, its replication lag
 * and probe latency, and per cluster what status says: a writable master, replication, a rollout.
 * docs/monitoring.md lists them with the alerts built on them.
 */
@ApplicationScoped
public class FailoverMetrics {

  static final String FAILOVER = "Failover";
  static final String SWITCHOVER = "Switchover";
  /** The per-instance series a probe sets. */
  static final Set<String> PROBED = Set.of("tandem.instance.up", "tandem.probe.latency.seconds", "tandem.replication.lag.seconds");
  static final Set<String> ROLLOUT_REASONS = Set.of(ObservedStatus.ROLLING_OUT, ObservedStatus.ROLLOUT_PAUSED);

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
    var instances = snapshots.stream().map(InstanceSnapshot::name).collect(Collectors.toSet());
    // An instance scaled away, or a lag no longer known (a master, a stopped applier), has no series.
    removeIf(cluster, meter -> PROBED.contains(meter.getId().getName()) && !instances.contains(meter.getId().getTag("instance")));
    for (var snapshot : snapshots) {
      var tags = tags(cluster).and("instance", snapshot.name());
      set("tandem.instance.up", tags, snapshot.isReachable() ? 1 : 0);
      set("tandem.probe.latency.seconds", tags, snapshot.probeLatency().toNanos() / 1e9);
      snapshot.replication().flatMap(status -> status.secondsBehindSource()).ifPresentOrElse(
          lag -> set("tandem.replication.lag.seconds", tags, lag),
          () -> removeIf(cluster, meter -> meter.getId().getName().equals("tandem.replication.lag.seconds")
              && snapshot.name().equals(meter.getId().getTag("instance"))));
    }
  }

  /**
   * What the status being written says, as gauges an alert can hold for a while. The change
   * counters start at 0 with the cluster, so that a rate over them exists before the first change.
   */
  void statusWritten(ResourceID cluster, MySQLClusterStatus status) {
    var tags = tags(cluster);
    registry.counter("tandem.failovers", tags);
    registry.counter("tandem.switchovers", tags);
    set("tandem.cluster.ready", tags, holds(status, ClusterStatusAggregator.READY) ? 1 : 0);
    set("tandem.cluster.writable", tags, holds(status, ObservedStatus.WRITABLE) ? 1 : 0);
    set("tandem.cluster.replicating", tags, holds(status, ObservedStatus.REPLICATING) ? 1 : 0);
    boolean rollingOut = status.getConditions().stream().anyMatch(c -> ClusterStatusAggregator.PROGRESSING.equals(c.getType())
        && "True".equals(c.getStatus()) && ROLLOUT_REASONS.contains(c.getReason()));
    set("tandem.cluster.rollout.in.progress", tags, rollingOut ? 1 : 0);
    var instances = status.getInstances().stream().map(InstanceStatus::name).collect(Collectors.toSet());
    removeIf(cluster, meter -> meter.getId().getName().equals("tandem.instance.master") && !instances.contains(meter.getId().getTag("instance")));
    for (var instance : status.getInstances()) {
      set("tandem.instance.master", tags.and("instance", instance.name()), instance.name().equals(status.getMaster()) ? 1 : 0);
    }
  }

  private static boolean holds(MySQLClusterStatus status, String condition) {
    return status.getConditions().stream().anyMatch(c -> condition.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** A deleted cluster's series disappear with it. */
  void forget(ResourceID cluster) {
    removeIf(cluster, meter -> true);
  }

  private void removeIf(ResourceID cluster, Predicate<Meter> which) {
    var tags = tags(cluster);
    List<Meter> meters = registry.getMeters().stream()
        .filter(meter -> tags.stream().allMatch(tag -> tag.getValue().equals(meter.getId().getTag(tag.getKey()))))
        .filter(which)
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

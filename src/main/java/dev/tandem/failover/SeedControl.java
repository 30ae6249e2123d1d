package dev.tandem.failover;

import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterStatusAggregator;
import dev.tandem.kubernetes.SeedJob;
import dev.tandem.kubernetes.Seeding;
import dev.tandem.replication.ClusterView;
import dev.tandem.replication.DesiredCluster;
import dev.tandem.replication.ReplicationStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The control loop's part of seeding, decided each pass from what it sees: a Pod whose seed
 * container runs waits with an empty data directory, and gets a donor's Job; an instance named in
 * the re-seed annotation has its Pod replaced by one created with the request (its init containers
 * put its data aside and wait for a donor), and once that instance replicates and is caught up the
 * request is removed from the annotation. What it remembers between passes only saves work.
 */
final class SeedControl {

  private static final Logger LOG = Logger.getLogger(SeedControl.class);
  /** A finished Job whose receiver still waits failed to deliver; a new one starts after this. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(5);

  /** Who gives an instance its copy, or why none may now. */
  record Donor(Optional<String> instance, String reason) {}

  private final ResourceID id;
  private final KubernetesClient client;
  private final ClusterEvents events;
  private final Set<String> deleted = new HashSet<>();
  private final Set<String> reported = new HashSet<>();

  SeedControl(ResourceID id, KubernetesClient client, ClusterEvents events) {
    this.id = id;
    this.client = client;
    this.events = events;
  }

  /**
   * The least-behind healthy replica other than the receiver; the master only when it is the one
   * other instance. Decided from status as the last pass wrote it.
   */
  static Donor donor(MySQLClusterStatus status, List<String> offline, String receiver) {
    if (status == null || status.getMaster() == null) {
      return new Donor(Optional.empty(), "the cluster has no master yet");
    }
    var others = status.getInstances().stream().filter(instance -> !instance.name().equals(receiver)).toList();
    var why = new ArrayList<String>();
    InstanceStatus best = null;
    for (var instance : others) {
      String unusable = instance.name().equals(status.getMaster()) ? null
          : offline.contains(instance.name()) ? "is offline"
          : instance.role() != InstanceRole.Replica ? "is " + instance.role()
          : !instance.ready() ? "is not ready"
          : !Boolean.TRUE.equals(instance.replicating()) ? "is not replicating"
          : instance.lagSeconds() == null ? "reports no lag"
          : null;
      if (instance.name().equals(status.getMaster())) {
        continue;
      }
      if (unusable != null) {
        why.add(instance.name() + " " + unusable);
      } else if (best == null || instance.lagSeconds() < best.lagSeconds()
          || (instance.lagSeconds().equals(best.lagSeconds()) && instance.name().compareTo(best.name()) < 0)) {
        best = instance;
      }
    }
    if (best != null) {
      return new Donor(Optional.of(best.name()), "replica " + best.name() + ", " + best.lagSeconds() + " s behind");
    }
    if (others.size() == 1 && others.get(0).name().equals(status.getMaster())) {
      return new Donor(Optional.of(status.getMaster()), "the master " + status.getMaster() + ", the only other instance");
    }
    return new Donor(Optional.empty(), "no healthy replica to copy from (" + String.join(", ", why)
        + "); the master gives a copy only when it is the one other instance");
  }

  /** Acts on what this pass sees; returns what status says of seeding, if anything is under way. */
  Optional<String> act(MySQLCluster cluster, MySQLClusterStatus status, Optional<StatefulSet> statefulSet, Map<String, Pod> podsByName,
      ClusterView view, Optional<String> master, boolean changingMaster) {
    try {
      return acted(cluster, status, statefulSet, podsByName, view, master, changingMaster);
    } catch (KubernetesClientException e) {
      LOG.warnf("cluster %s: seeding: the API server refused or failed: %s", id, e.getMessage());
      return Optional.of("seeding could not act this pass: " + e.getMessage());
    }
  }

  private Optional<String> acted(MySQLCluster cluster, MySQLClusterStatus status, Optional<StatefulSet> statefulSet,
      Map<String, Pod> podsByName, ClusterView view, Optional<String> master, boolean changingMaster) {
    var messages = new ArrayList<String>();
    deleted.retainAll(podsByName.values().stream().map(pod -> pod.getMetadata().getUid()).collect(Collectors.toSet()));
    podsByName.values().stream()
        .filter(Seeding::waitsForDonor)
        .filter(pod -> !ClusterMonitor.isTerminating(pod) && pod.getStatus().getPodIP() != null)
        .sorted((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()))
        .forEach(pod -> messages.add(feed(cluster, status, podsByName, pod)));
    statefulSet.ifPresent(sts -> reseed(cluster, status, sts, podsByName, view, master, changingMaster, messages));
    return messages.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", messages));
  }

  private String feed(MySQLCluster cluster, MySQLClusterStatus status, Map<String, Pod> podsByName, Pod receiver) {
    String name = receiver.getMetadata().getName();
    String namespace = cluster.getMetadata().getNamespace();
    var existing = Optional.ofNullable(client.batch().v1().jobs().inNamespace(namespace).withName(SeedJob.name(name)).get());
    if (existing.isPresent()) {
      var job = existing.get();
      String donor = job.getMetadata().getLabels().get(SeedJob.DONOR_LABEL);
      boolean forThisPod = Objects.equals(job.getMetadata().getLabels().get(SeedJob.RECEIVER_UID_LABEL), receiver.getMetadata().getUid());
      var finished = finishedAt(job);
      if (forThisPod && finished.isEmpty()) {
        return "seeding " + name + " from " + donor;
      }
      if (forThisPod && finished.get().plus(RETRY_AFTER).isAfter(Instant.now())) {
        return name + " still waits for a copy after Job " + job.getMetadata().getName() + " ended; a new one starts shortly";
      }
      // A Job for an earlier Pod of the instance, or one that ended while its receiver still waits.
      client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName())
          .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
      if (forThisPod) {
        LOG.warnf("cluster %s: seeding %s from %s ended without the copy arriving (Job %s); trying again", id, name, donor,
            job.getMetadata().getName());
        events.warning(cluster, ClusterEvents.Reason.SeedFailed, "Seeding " + name + " from " + donor + " ended without the copy"
            + " arriving (see the logs of Job " + job.getMetadata().getName() + " and of the seed container); trying again");
      }
      return name + " waits for a new donor's Job";
    }
    var donor = donor(status, cluster.getSpec().getOffline(), name);
    var donorPod = donor.instance().map(podsByName::get).filter(pod -> pod.getStatus() != null && pod.getStatus().getPodIP() != null);
    if (donorPod.isEmpty()) {
      String message = name + " waits with an empty data directory for a donor: " + donor.reason();
      if (reported.add(receiver.getMetadata().getUid() + message)) {
        LOG.infof("cluster %s: %s", id, message);
        events.warning(cluster, ClusterEvents.Reason.SeedWaiting, message);
      }
      return message;
    }
    client.batch().v1().jobs().inNamespace(namespace).resource(SeedJob.desired(cluster, receiver, donorPod.get())).create();
    String message = "seeding " + name + " from " + donor.reason() + " (Job " + SeedJob.name(name) + ")";
    LOG.infof("cluster %s: %s: its data directory is empty", id, message);
    events.normal(cluster, ClusterEvents.Reason.Seeding, message + ": its data directory is empty");
    return "seeding " + name + " from " + donor.instance().get();
  }

  private static Optional<Instant> finishedAt(Job job) {
    var status = job.getStatus();
    if (status == null || status.getConditions() == null) {
      return Optional.empty();
    }
    return status.getConditions().stream()
        .filter(condition -> ("Complete".equals(condition.getType()) || "Failed".equals(condition.getType())) && "True".equals(condition.getStatus()))
        .map(condition -> condition.getLastTransitionTime() == null ? Instant.now() : Instant.parse(condition.getLastTransitionTime()))
        .findFirst();
  }

  /**
   * Carries out the re-seed requests one instance at a time, in the annotation's order: each
   * needs a donor other than itself, so two replicas asked for at once are never both emptied.
   * Names it may never carry out (the master, a DualMaster master, a name that is no instance)
   * are refused and removed from the annotation: a refusal left standing would be carried out
   * later, once that instance stopped being the master, on data that may hold the only copy of
   * something.
   */
  private void reseed(MySQLCluster cluster, MySQLClusterStatus status, StatefulSet statefulSet, Map<String, Pod> podsByName,
      ClusterView view, Optional<String> master, boolean changingMaster, List<String> messages) {
    var requested = Seeding.requested(cluster);
    if (requested.isEmpty()) {
      return;
    }
    var begun = Seeding.reseedsOf(statefulSet);
    boolean templateTaken = statefulSet.getStatus() != null
        && Objects.equals(statefulSet.getStatus().getObservedGeneration(), statefulSet.getMetadata().getGeneration());
    var removed = new ArrayList<String>();
    var finished = new ArrayList<String>();
    boolean oneUnderWay = false;
    for (String instance : requested) {
      Optional<String> refusal = !view.desired().names().contains(instance) ? Optional.of(instance + " is not an instance of the cluster")
          : master.filter(instance::equals).isPresent() ? Optional.of(instance + " is the master: switch over first (spec.master), then ask again")
          : view.desired().layout() == DesiredCluster.Layout.DUAL_MASTER && view.desired().names().indexOf(instance) < 2
              ? Optional.of(instance + " is one of the two DualMaster masters, which both take writes")
          : Optional.empty();
      if (refusal.isPresent()) {
        refuse(cluster, instance, refusal.get(), messages);
        removed.add(instance);
        continue;
      }
      if (oneUnderWay) {
        messages.add("re-seed of " + instance + " waits for the one under way");
        continue;
      }
      oneUnderWay = true;
      String request = begun.get(instance);
      var pod = Optional.ofNullable(podsByName.get(instance));
      if (request == null || !templateTaken || pod.isEmpty()) {
        messages.add("re-seed of " + instance + " requested; waiting for its Pod template");
        continue;
      }
      if (!Seeding.requestOf(pod.get()).filter(request::equals).isPresent()) {
        var donor = donor(status, cluster.getSpec().getOffline(), instance);
        if (donor.instance().isEmpty() || changingMaster) {
          messages.add("re-seed of " + instance + " waits: " + (changingMaster ? "a change of master is under way" : donor.reason()));
          continue;
        }
        if (!ClusterMonitor.isTerminating(pod.get()) && !deleted.contains(pod.get().getMetadata().getUid())) {
          client.pods().inNamespace(cluster.getMetadata().getNamespace()).resource(pod.get()).delete();
          deleted.add(pod.get().getMetadata().getUid());
          String line = "re-seeding " + instance + " as requested: its data directory is put aside (.tandem-aside-" + request
              + ") and replaced by a copy of " + donor.instance().get();
          LOG.infof("cluster %s: %s", id, line);
          events.normal(cluster, ClusterEvents.Reason.Reseeding, line);
        }
        messages.add("re-seeding " + instance);
        continue;
      }
      if (caughtUp(pod.get(), view, master)) {
        finished.add(instance);
      } else {
        messages.add("re-seeding " + instance + "; waiting until it replicates and is caught up");
      }
    }
    if (removed.isEmpty() && finished.isEmpty()) {
      return;
    }
    var remaining = requested.stream().filter(name -> !removed.contains(name) && !finished.contains(name)).toList();
    String value = remaining.isEmpty() ? "null" : "\"" + String.join(",", remaining) + "\"";
    try {
      client.resources(MySQLCluster.class).inNamespace(cluster.getMetadata().getNamespace()).withName(cluster.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"" + Seeding.ANNOTATION + "\":" + value + "}}}");
    } catch (KubernetesClientException e) {
      LOG.warnf("cluster %s: could not update annotation %s: %s", id, Seeding.ANNOTATION, e.getMessage());
      return;
    }
    for (String instance : finished) {
      long seconds = Instant.now().getEpochSecond() - Long.parseLong(begun.get(instance));
      String line = instance + " re-seeded and caught up in " + seconds + " s; its old data is deleted at the Pod's next start";
      LOG.infof("cluster %s: %s", id, line);
      events.normal(cluster, ClusterEvents.Reason.Reseeded, line);
    }
  }

  private void refuse(MySQLCluster cluster, String instance, String reason, List<String> messages) {
    String message = "re-seed of " + instance + " refused: " + reason + "; removed from annotation " + Seeding.ANNOTATION;
    if (reported.add(message)) {
      LOG.warnf("cluster %s: %s", id, message);
      events.warning(cluster, ClusterEvents.Reason.ReseedRefused, message);
    }
    messages.add(message);
  }

  /** Ready, replicating from the master with both threads running and nothing left to apply. */
  private static boolean caughtUp(Pod pod, ClusterView view, Optional<String> master) {
    if (master.isEmpty() || !ClusterStatusAggregator.isReady(pod)) {
      return false;
    }
    var source = view.desired().members().get(master.get());
    return view.snapshot(pod.getMetadata().getName()).replication()
        .filter(status -> status.replicatesFrom(source) && status.ioThread() == ReplicationStatus.IoThread.RUNNING
            && status.sqlThreadRunning() && status.secondsBehindSource().filter(lag -> lag == 0).isPresent())
        .isPresent();
  }
}

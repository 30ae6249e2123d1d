package dev.tandem.schema.control;

import dev.tandem.api.CleanupPolicy;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.SchemaObjectStatus;
import dev.tandem.failover.InstanceSessions;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.kubernetes.StatusUpdate;
import dev.tandem.replication.Account;
import dev.tandem.schema.SchemaObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * What MySQLDatabase, MySQLUser and MySQLGrant share: each pass finds the cluster's master as
 * status records it, applies the resource there as the cluster's administrator (changing only
 * what differs, so re-applying is a no-op), and says in status what the server holds or why it
 * waits. A difference found while the spec did not change is a change made by hand: reverted,
 * and reported in an Event. Passes repeat every check interval, which is also how a changed
 * password Secret is noticed. Deleting the resource drops or revokes what it made, unless its
 * cleanupPolicy is Retain or it never made anything.
 */
abstract class SchemaResourceReconciler<S, R extends CustomResource<S, SchemaObjectStatus>> implements Reconciler<R>, Cleaner<R> {

  /** The longest wait before a resource that waits or failed is tried again (sooner with a shorter check interval). */
  static final Duration RETRY = Duration.ofSeconds(10);
  private static final Logger LOG = Logger.getLogger(SchemaResourceReconciler.class);

  protected final KubernetesClient client;
  private final ClusterEvents events;
  private final InstanceSessions sessions;
  private final Duration checkInterval;
  private final Duration retry;

  /**
   * A session to the master as the administrator, and a key only the operator and the cluster's
   * administrators know (the administrator's password), for digests kept in status.
   */
  record Master(Connection connection, String digestKey) implements AutoCloseable {
    @Override
    public void close() throws SQLException {
      connection.close();
    }
  }

  /** What a pass did on the server; {@code asked}: the change follows a new spec or Secret, not a hand edit. */
  record Applied(SchemaObjects.Outcome outcome, boolean asked) {}

  /** The resource cannot be applied yet; the message says what it waits for. */
  static final class Wait extends Exception {
    Wait(String message) {
      super(message);
    }
  }

  /** For the client proxy CDI makes of each reconciler (an application-scoped bean); never called otherwise. */
  SchemaResourceReconciler() {
    this(null, null, null, null);
  }

  SchemaResourceReconciler(KubernetesClient client, ClusterEvents events, InstanceSessions sessions, Duration checkInterval) {
    this.client = client;
    this.events = events;
    this.sessions = sessions;
    this.checkInterval = checkInterval;
    this.retry = checkInterval != null && checkInterval.compareTo(RETRY) < 0 ? checkInterval : RETRY;
  }

  abstract Class<R> kind();

  abstract Supplier<R> empty();

  abstract String clusterName(R resource);

  abstract CleanupPolicy cleanupPolicy(R resource);

  /** The server object the resource manages, in words ("user 'app'@'%'"); two resources of a cluster may not share one. */
  abstract String identity(R resource);

  /** Why the operator refuses what the resource asks, checked before anything runs. */
  abstract Optional<String> refusal(R resource);

  /** Makes the server hold what the resource asks; records in {@code status} what the kind keeps there. */
  abstract Applied apply(Master master, R resource, SchemaObjectStatus status) throws SQLException, Wait;

  /** Drops or revokes what the resource made; whether there was anything. */
  abstract boolean remove(Connection master, R resource) throws SQLException;

  @Override
  public UpdateControl<R> reconcile(R resource, Context<R> context) {
    var previous = Optional.ofNullable(resource.getStatus()).orElseGet(SchemaObjectStatus::new);
    var status = copy(previous);
    var refusal = refusal(resource).or(() -> claimedBy(resource).map(other -> identity(resource) + " of cluster "
        + clusterName(resource) + " is already managed by " + resource.getKind() + " " + other));
    if (refusal.isPresent()) {
      if (!Objects.equals(previous.getMessage(), "refused: " + refusal.get())) {
        events.warning(resource, ClusterEvents.Reason.InvalidSpec, "Refused: " + refusal.get());
      }
      write(resource, previous, notReady(status, "Refused", "refused: " + refusal.get()));
      return UpdateControl.noUpdate();
    }
    Instant started = Instant.now();
    try (var master = master(resource, status)) {
      var applied = apply(master, resource, status);
      status.setObservedGeneration(resource.getMetadata().getGeneration());
      report(resource, applied, previous.everApplied(), Duration.between(started, Instant.now()));
      String held = identity(resource) + " as asked on " + status.getAppliedOn();
      write(resource, previous, ready(status, held));
    } catch (Wait wait) {
      write(resource, previous, notReady(status, "Waiting", wait.getMessage()));
      return UpdateControl.<R>noUpdate().rescheduleAfter(retry);
    } catch (SQLException e) {
      String message = "on " + Optional.ofNullable(status.getAppliedOn()).orElse("the master") + ": " + e.getMessage();
      LOG.warnf("%s %s/%s: %s", resource.getKind(), resource.getMetadata().getNamespace(), resource.getMetadata().getName(), message);
      write(resource, previous, notReady(status, "Failed", message));
      return UpdateControl.<R>noUpdate().rescheduleAfter(retry);
    }
    return UpdateControl.<R>noUpdate().rescheduleAfter(checkInterval);
  }

  @Override
  public DeleteControl cleanup(R resource, Context<R> context) {
    var status = Optional.ofNullable(resource.getStatus()).orElseGet(SchemaObjectStatus::new);
    String name = resource.getKind() + " " + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    if (cleanupPolicy(resource) == CleanupPolicy.Retain || !status.everApplied() || alsoAskedBy(resource).isPresent()) {
      if (status.everApplied() && cleanupPolicy(resource) == CleanupPolicy.Retain) {
        LOG.infof("%s deleted: %s kept on cluster %s (cleanupPolicy Retain)", name, identity(resource), clusterName(resource));
        events.normal(resource, ClusterEvents.Reason.Retained, identity(resource) + " kept on the server (cleanupPolicy Retain)");
      }
      return DeleteControl.defaultDelete();
    }
    var cluster = client.resources(MySQLCluster.class).inNamespace(resource.getMetadata().getNamespace())
        .withName(clusterName(resource)).get();
    if (cluster == null || cluster.getMetadata().getDeletionTimestamp() != null) {
      LOG.infof("%s deleted with its cluster %s: nothing to drop", name, clusterName(resource));
      return DeleteControl.defaultDelete();
    }
    var scratch = copy(status);
    try (var master = master(resource, scratch)) {
      boolean removed = remove(master.connection(), resource);
      LOG.infof("%s deleted: %s %s on %s", name, identity(resource), removed ? "dropped" : "was already gone", scratch.getAppliedOn());
      events.normal(resource, ClusterEvents.Reason.Dropped,
          identity(resource) + (removed ? " dropped" : " was already gone") + " on " + scratch.getAppliedOn());
      return DeleteControl.defaultDelete();
    } catch (Wait | SQLException e) {
      write(resource, status, notReady(copy(status), "Deleting", "cannot drop " + identity(resource) + " yet: " + e.getMessage()));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(retry);
    }
  }

  /**
   * The master as the cluster's status records it, reached as the administrator. A status that
   * is behind (a failover under way) names a server that turned read-only, which refuses every
   * change (see {@link SchemaObjects}).
   */
  private Master master(R resource, SchemaObjectStatus status) throws Wait, SQLException {
    String namespace = resource.getMetadata().getNamespace();
    var cluster = client.resources(MySQLCluster.class).inNamespace(namespace).withName(clusterName(resource)).get();
    if (cluster == null) {
      throw new Wait("MySQLCluster " + clusterName(resource) + " not found in namespace " + namespace);
    }
    String master = cluster.getStatus() == null ? null : cluster.getStatus().getMaster();
    if (master == null) {
      throw new Wait("MySQLCluster " + clusterName(resource) + " has no master yet");
    }
    var secret = client.secrets().inNamespace(namespace).withName(ClusterNames.credentialsSecret(cluster)).get();
    var password = Optional.ofNullable(secret).flatMap(s -> CredentialsSecret.value(s, CredentialsSecret.ADMIN_PASSWORD));
    if (password.isEmpty()) {
      throw new Wait("the credentials Secret " + ClusterNames.credentialsSecret(cluster) + " of cluster " + clusterName(resource)
          + " has no " + CredentialsSecret.ADMIN_PASSWORD + ": the cluster has no administrator account to apply this with"
          + " (the account is made when an instance's data directory is created; see docs/reference.md, \"Users, databases and grants\")");
    }
    Pod pod = client.pods().inNamespace(namespace).withName(master).get();
    if (pod == null) {
      throw new Wait("the master " + master + " of cluster " + clusterName(resource) + " has no Pod");
    }
    status.setAppliedOn(master);
    var connection = sessions.open(pod, new Account(StatefulSetDependent.ADMIN_USER, password.get()));
    try {
      SchemaObjects.requireWritable(connection);
    } catch (SQLException e) {
      connection.close();
      throw new Wait(master + " does not take writes (" + e.getMessage() + "): waiting for the cluster's master");
    }
    return new Master(connection, password.get());
  }

  /** The older resource of this kind that manages the same server object in the same cluster, if any. */
  private Optional<String> claimedBy(R resource) {
    return others(resource).filter(other -> older(other, resource)).map(other -> other.getMetadata().getName())
        .min(Comparator.naturalOrder());
  }

  /** Another resource, not being deleted, that asks for the same server object: deleting this one must keep it. */
  private Optional<String> alsoAskedBy(R resource) {
    return others(resource).filter(other -> other.getMetadata().getDeletionTimestamp() == null)
        .map(other -> other.getMetadata().getName()).min(Comparator.naturalOrder());
  }

  private Stream<R> others(R resource) {
    var mine = resource.getMetadata();
    return client.resources(kind()).inNamespace(mine.getNamespace()).list().getItems().stream()
        .filter(other -> !other.getMetadata().getName().equals(mine.getName()))
        .filter(other -> clusterName(other).equals(clusterName(resource)) && identity(other).equals(identity(resource)));
  }

  private static boolean older(CustomResource<?, ?> other, CustomResource<?, ?> mine) {
    int byTime = Comparator.<String>naturalOrder().compare(other.getMetadata().getCreationTimestamp(), mine.getMetadata().getCreationTimestamp());
    return byTime < 0 || (byTime == 0 && other.getMetadata().getName().compareTo(mine.getMetadata().getName()) < 0);
  }

  /** {@code appliedBefore}: an object this resource made before is found missing, which is drift too. */
  private void report(R resource, Applied applied, boolean appliedBefore, Duration took) {
    var outcome = applied.outcome();
    String where = resource.getKind() + " " + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    if (outcome.change() == SchemaObjects.Change.CREATED && appliedBefore && !applied.asked()) {
      LOG.warnf("%s: %s on cluster %s was missing (removed by hand): created again", where, identity(resource), clusterName(resource));
      events.warning(resource, ClusterEvents.Reason.DriftReverted,
          identity(resource) + " was missing, removed outside its " + resource.getKind() + "; created again");
      return;
    }
    switch (outcome.change()) {
      case CREATED -> {
        LOG.infof("%s: created %s on cluster %s in %d ms", where, identity(resource), clusterName(resource), took.toMillis());
        events.normal(resource, ClusterEvents.Reason.Applied, "Created " + identity(resource));
      }
      case CHANGED -> {
        String differences = String.join("; ", outcome.differences());
        if (applied.asked()) {
          String had = differences.isEmpty() ? "" : ": it had " + differences;
          LOG.infof("%s: changed %s on cluster %s%s", where, identity(resource), clusterName(resource), had);
          events.normal(resource, ClusterEvents.Reason.Applied, "Changed " + identity(resource) + had);
        } else {
          LOG.warnf("%s: %s on cluster %s had been changed by hand (%s): reverted", where, identity(resource),
              clusterName(resource), differences);
          events.warning(resource, ClusterEvents.Reason.DriftReverted,
              identity(resource) + " had been changed outside its " + resource.getKind() + ": it had " + differences + "; reverted");
        }
      }
      case UNCHANGED -> { }
    }
  }

  private void write(R resource, SchemaObjectStatus previous, SchemaObjectStatus status) {
    if (status.equals(previous)) {
      return;
    }
    try {
      StatusUpdate.put(client, resource, status, empty());
    } catch (KubernetesClientException e) {
      // A newer version of the resource: its own pass writes its status.
      LOG.debugf("%s %s: status not written: %s", resource.getKind(), resource.getMetadata().getName(), e.getMessage());
    }
  }

  private static SchemaObjectStatus ready(SchemaObjectStatus status, String message) {
    status.setMessage(message);
    status.setConditions(List.of(condition(status, "True", "Applied", message)));
    return status;
  }

  private static SchemaObjectStatus notReady(SchemaObjectStatus status, String reason, String message) {
    status.setMessage(message);
    status.setConditions(List.of(condition(status, "False", reason, message)));
    return status;
  }

  /** The Ready condition; its transition time moves only when its status does. */
  private static Condition condition(SchemaObjectStatus status, String value, String reason, String message) {
    String since = status.ready().filter(c -> value.equals(c.getStatus())).map(Condition::getLastTransitionTime)
        .orElseGet(() -> Instant.now().toString());
    return new ConditionBuilder().withType(SchemaObjectStatus.READY).withStatus(value).withReason(reason)
        .withMessage(message).withLastTransitionTime(since).build();
  }

  private static SchemaObjectStatus copy(SchemaObjectStatus status) {
    var copy = new SchemaObjectStatus();
    copy.setObservedGeneration(status.getObservedGeneration());
    copy.setMessage(status.getMessage());
    copy.setAppliedOn(status.getAppliedOn());
    copy.setPasswordVersion(status.getPasswordVersion());
    copy.setPrivileges(status.getPrivileges() == null ? null : List.copyOf(status.getPrivileges()));
    copy.setConditions(status.getConditions() == null ? List.of() : List.copyOf(status.getConditions()));
    return copy;
  }
}

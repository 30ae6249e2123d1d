package dev.tandem.sandbox;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The StatefulSet controller's part the operator relies on: Pods {@code <name>-<ordinal>} from
 * the template, a PersistentVolumeClaim per claim template and ordinal (owned by the StatefulSet
 * when its retention policy deletes them with it), scale up and down, a replaced Pod when one is
 * deleted, and status counts. Updates follow OnDelete: a changed template reaches a Pod only when
 * the Pod is deleted. A Pod the API server refuses is tried again at every pass, and the refusal
 * is a Warning Event FailedCreate on the StatefulSet, worded as the real controller words it.
 */
final class StatefulSetController implements AutoCloseable {

  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String FAILED_CREATE = "FailedCreate";

  private final KubernetesClient client;
  /** StatefulSet uid → the refusal last recorded as an Event: one Event per refusal, not one per pass. */
  private final Map<String, String> recordedRefusals = new ConcurrentHashMap<>();
  private BackgroundLoop loop;

  StatefulSetController(KubernetesClient client) {
    this.client = client;
  }

  void start() {
    loop = BackgroundLoop.every("sandbox-statefulset-controller", Duration.ofMillis(200),
        () -> client.apps().statefulSets().inAnyNamespace().list().getItems().forEach(this::reconcile));
  }

  private void reconcile(StatefulSet statefulSet) {
    String namespace = statefulSet.getMetadata().getNamespace();
    String name = statefulSet.getMetadata().getName();
    int replicas = Optional.ofNullable(statefulSet.getSpec().getReplicas()).orElse(1);
    var pods = new HashMap<String, Pod>();
    client.pods().inNamespace(namespace).list().getItems().stream()
        .filter(pod -> ownedBy(pod, statefulSet))
        .forEach(pod -> pods.put(pod.getMetadata().getName(), pod));
    for (int ordinal = 0; ordinal < replicas; ordinal++) {
      String podName = name + "-" + ordinal;
      if (!pods.containsKey(podName)) {
        ensureClaims(statefulSet, podName);
        try {
          client.resource(pod(statefulSet, podName)).create();
          recordedRefusals.remove(statefulSet.getMetadata().getUid());
        } catch (KubernetesClientException refused) {
          recordRefusal(statefulSet, podName, refused);
          break;
        }
      }
    }
    for (var pod : pods.values()) {
      int ordinal = Integer.parseInt(pod.getMetadata().getName().substring(name.length() + 1));
      if (ordinal >= replicas) {
        client.resource(pod).delete();
        if ("Delete".equals(retention(statefulSet).get("whenScaled"))) {
          statefulSet.getSpec().getVolumeClaimTemplates().forEach(template ->
              client.persistentVolumeClaims().inNamespace(namespace).withName(template.getMetadata().getName() + "-" + pod.getMetadata().getName()).delete());
        }
      }
    }
    long ready = pods.values().stream().filter(Readiness::isPodReady).count();
    var status = statefulSet.getStatus();
    if (status == null || !Integer.valueOf((int) ready).equals(status.getReadyReplicas()) || !Integer.valueOf(pods.size()).equals(status.getReplicas())
        || !Objects.equals(status.getObservedGeneration(), statefulSet.getMetadata().getGeneration())) {
      client.apps().statefulSets().inNamespace(namespace).withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"status\":{\"replicas\":" + pods.size() + ",\"readyReplicas\":" + ready + ",\"currentReplicas\":" + pods.size()
              + ",\"observedGeneration\":" + statefulSet.getMetadata().getGeneration() + "}}");
    }
  }

  private void recordRefusal(StatefulSet statefulSet, String podName, KubernetesClientException refused) {
    String reason = refused.getStatus() != null && refused.getStatus().getMessage() != null ? refused.getStatus().getMessage() : refused.getMessage();
    String message = "create Pod " + podName + " in StatefulSet " + statefulSet.getMetadata().getName() + " failed error: " + reason;
    String uid = statefulSet.getMetadata().getUid();
    if (message.equals(recordedRefusals.get(uid))) {
      return;
    }
    String namespace = statefulSet.getMetadata().getNamespace();
    String now = Instant.now().toString();
    client.v1().events().inNamespace(namespace).resource(new EventBuilder()
        .withNewMetadata().withName(statefulSet.getMetadata().getName() + "." + Long.toHexString(System.nanoTime())).withNamespace(namespace).endMetadata()
        .withNewInvolvedObject().withApiVersion("apps/v1").withKind("StatefulSet").withName(statefulSet.getMetadata().getName())
        .withNamespace(namespace).withUid(uid).endInvolvedObject()
        .withType("Warning").withReason(FAILED_CREATE).withMessage(message)
        .withNewSource().withComponent("statefulset-controller").endSource()
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build()).create();
    recordedRefusals.put(uid, message);
  }

  private static boolean ownedBy(Pod pod, StatefulSet statefulSet) {
    var owners = pod.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(owner -> owner.getUid().equals(statefulSet.getMetadata().getUid()));
  }

  private static Map<String, String> retention(StatefulSet statefulSet) {
    var policy = statefulSet.getSpec().getPersistentVolumeClaimRetentionPolicy();
    return policy == null ? Map.of() : Map.of("whenDeleted", Optional.ofNullable(policy.getWhenDeleted()).orElse("Retain"),
        "whenScaled", Optional.ofNullable(policy.getWhenScaled()).orElse("Retain"));
  }

  private void ensureClaims(StatefulSet statefulSet, String podName) {
    var templates = statefulSet.getSpec().getVolumeClaimTemplates();
    if (templates == null) {
      return;
    }
    String namespace = statefulSet.getMetadata().getNamespace();
    for (var template : templates) {
      String claim = template.getMetadata().getName() + "-" + podName;
      if (client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get() != null) {
        continue;
      }
      var builder = new PersistentVolumeClaimBuilder().withNewMetadata().withName(claim).withNamespace(namespace)
          .withLabels(statefulSet.getSpec().getSelector().getMatchLabels()).endMetadata()
          .withSpec(template.getSpec()).withNewStatus().withPhase("Bound").endStatus();
      if ("Delete".equals(retention(statefulSet).get("whenDeleted"))) {
        builder.editMetadata().withOwnerReferences(owner(statefulSet)).endMetadata();
      }
      client.resource(builder.build()).create();
    }
  }

  private static Pod pod(StatefulSet statefulSet, String podName) {
    var template = statefulSet.getSpec().getTemplate();
    var labels = new HashMap<>(Optional.ofNullable(template.getMetadata().getLabels()).orElse(Map.of()));
    labels.put(POD_NAME_LABEL, podName);
    var spec = new PodBuilder().withSpec(template.getSpec()).build().getSpec();
    spec.setHostname(podName);
    spec.setSubdomain(statefulSet.getSpec().getServiceName());
    var volumes = new ArrayList<>(Optional.ofNullable(spec.getVolumes()).orElse(List.of()));
    Optional.ofNullable(statefulSet.getSpec().getVolumeClaimTemplates()).orElse(List.of()).forEach(claim ->
        volumes.add(new VolumeBuilder().withName(claim.getMetadata().getName()).withNewPersistentVolumeClaim()
            .withClaimName(claim.getMetadata().getName() + "-" + podName).endPersistentVolumeClaim().build()));
    spec.setVolumes(volumes);
    return new PodBuilder().withNewMetadata().withName(podName).withNamespace(statefulSet.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(template.getMetadata().getAnnotations()).withOwnerReferences(owner(statefulSet)).endMetadata()
        .withSpec(spec).withNewStatus().withPhase("Pending").endStatus().build();
  }

  private static OwnerReference owner(StatefulSet statefulSet) {
    return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet").withName(statefulSet.getMetadata().getName())
        .withUid(statefulSet.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
  }
}

package dev.tandem.sandbox;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.UUID;

/**
 * The Job controller's part the operator relies on: one Pod per Job from its template (named
 * {@code <job>-<suffix>}, labelled {@code job-name} and {@code batch.kubernetes.io/job-name},
 * owned by the Job), and the Job's status from that Pod's phase: {@code succeeded} and a
 * Complete condition, or {@code failed} and a Failed condition. No retries: Tandem's Jobs
 * have a backoffLimit of 0, and a Job asking for more fails at once, its condition saying why.
 */
final class JobController implements AutoCloseable {

  static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

  private final KubernetesClient client;
  private BackgroundLoop loop;

  JobController(KubernetesClient client) {
    this.client = client;
  }

  void start() {
    loop = BackgroundLoop.every("sandbox-job-controller", Duration.ofMillis(200),
        () -> client.batch().v1().jobs().inAnyNamespace().list().getItems().forEach(this::reconcile));
  }

  private void reconcile(Job job) {
    var status = job.getStatus();
    if (status != null && (positive(status.getSucceeded()) || positive(status.getFailed()))) {
      return;
    }
    if (job.getSpec().getBackoffLimit() == null || job.getSpec().getBackoffLimit() != 0) {
      patchStatus(job, finished("failed", "Failed").replace("\"status\":\"True\"",
          "\"status\":\"True\",\"reason\":\"Unsupported\",\"message\":\"the sandbox runs Jobs with backoffLimit 0 only\""));
      return;
    }
    String namespace = job.getMetadata().getNamespace();
    var pod = client.pods().inNamespace(namespace).withLabel(JOB_NAME_LABEL, job.getMetadata().getName()).list().getItems()
        .stream().filter(candidate -> ownedBy(candidate, job)).findFirst();
    if (pod.isEmpty()) {
      client.resource(pod(job)).create();
      patchStatus(job, "{\"status\":{\"active\":1,\"startTime\":\"" + Instant.now() + "\"}}");
      return;
    }
    String phase = pod.get().getStatus() == null ? null : pod.get().getStatus().getPhase();
    if ("Succeeded".equals(phase)) {
      patchStatus(job, finished("succeeded", "Complete"));
    } else if ("Failed".equals(phase)) {
      patchStatus(job, finished("failed", "Failed"));
    }
  }

  private static String finished(String counter, String condition) {
    String now = Instant.now().toString();
    return "{\"status\":{\"active\":0,\"" + counter + "\":1,\"completionTime\":\"" + now + "\",\"conditions\":[{\"type\":\""
        + condition + "\",\"status\":\"True\",\"lastTransitionTime\":\"" + now + "\"}]}}";
  }

  private void patchStatus(Job job, String patch) {
    client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
        .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  private static Pod pod(Job job) {
    var template = job.getSpec().getTemplate();
    var labels = new LinkedHashMap<String, String>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(JOB_NAME_LABEL, job.getMetadata().getName());
    labels.put("job-name", job.getMetadata().getName());
    return new PodBuilder()
        .withNewMetadata()
        .withName(job.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5))
        .withNamespace(job.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
            .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid()).withController(true).build())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }

  private static boolean ownedBy(Pod pod, Job job) {
    var owners = pod.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(owner -> owner.getUid().equals(job.getMetadata().getUid()));
  }

  private static boolean positive(Integer count) {
    return count != null && count > 0;
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
  }
}

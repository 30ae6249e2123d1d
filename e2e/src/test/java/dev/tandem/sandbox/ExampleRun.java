package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSchedule;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.testing.Example;
import dev.tandem.testing.S3ProxyServer;
import dev.tandem.tls.CertificateAuthority;
import dev.tandem.tls.Pem;
import dev.tandem.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * One group of examples applied to the sandbox, with the operator running, as a reader applies
 * them with kubectl: each file's objects as written, in a namespace of the group's own, then what
 * the file promises awaited: a cluster Ready with a master, a backup Completed, a schedule with
 * its next run. A cluster no later file needs is deleted, and its Pods awaited gone, before the
 * next file. What a production example needs is provided where the sandbox can (a PriorityClass,
 * once the API server has been seen to refuse the Pods without it; a Secret; a bucket; the Secret
 * cert-manager would write) and named as not proven where it cannot (nodes, StorageClasses, load
 * balancers). Each file's line
 * says what was provided, what was changed and why.
 */
final class ExampleRun {

  static final Duration READY = Duration.ofSeconds(180);
  static final Duration BACKUP = Duration.ofSeconds(120);
  static final Duration GONE = Duration.ofSeconds(90);
  static final List<Example.Need.Kind> PROVIDED =
      List.of(Example.Need.Kind.PRIORITY_CLASS, Example.Need.Kind.SECRET, Example.Need.Kind.BUCKET, Example.Need.Kind.CERTIFICATE);

  private final Sandbox sandbox;
  private final KubernetesClient client;
  private final ExampleGroup group;
  private final List<Example> all;
  private final String namespace;
  private final List<String> deleted = new ArrayList<>();
  private S3ProxyServer s3;

  ExampleRun(Sandbox sandbox, ExampleGroup group, List<Example> all, String namespace) {
    this.sandbox = sandbox;
    this.client = sandbox.api().client();
    this.group = group;
    this.all = all;
    this.namespace = namespace;
    sandbox.api().createNamespace(namespace);
  }

  /** Applies file {@code index} of the group and awaits what it promises; its line for the report. */
  String apply(int index) throws Exception {
    var file = group.files().get(index);
    var notes = new ArrayList<String>();
    var needs = file.needs(all);
    var objects = file.objects().stream().map(o -> (ObjectNode) o.deepCopy()).toList();
    objects = issueCertificates(objects, notes);
    provideSecrets(needs, objects, notes);
    provideBuckets(objects, notes);
    for (var object : objects) {
      if (object.at("/spec/bootstrap/from/pointInTime").isTextual()) {
        choosePointInTime(object, notes);
      }
    }
    objects.forEach(object -> asWritten(object).create());
    for (var need : needs) {
      if (need.kind() == Example.Need.Kind.PRIORITY_CLASS) {
        providePriorityClassOnceRefused(need.mention(), objects, notes);
      }
    }
    for (var object : objects) {
      notes.add(outcome(object));
    }
    if (SchemaResourcesProof.applies(objects)) {
      notes.add(new SchemaResourcesProof(sandbox, namespace).prove());
    }
    for (String cluster : group.clustersDoneAfter(index)) {
      deleteCluster(cluster);
      notes.add(cluster + " deleted, its Pods gone");
    }
    var unproven = needs.stream().filter(need -> !PROVIDED.contains(need.kind())).map(Example.Need::what).toList();
    if (!unproven.isEmpty()) {
      notes.add("NOT proven here (the sandbox has no scheduler, nodes, StorageClasses, load balancer or resource limits): "
          + String.join("; ", unproven));
    }
    return file.name() + ": " + String.join("; ", notes);
  }

  /** Everything the group left, deleted: schedules, backups with their files, clusters; their Pods gone. */
  String deleteAll() throws Exception {
    client.resources(MySQLBackupSchedule.class).inNamespace(namespace).list().getItems().forEach(schedule -> client.resource(schedule).delete());
    var backups = client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems();
    backups.forEach(backup -> client.resource(backup).delete());
    await(GONE, () -> client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems().isEmpty(),
        "the backups' files to be deleted and the backups gone");
    var clusters = client.resources(MySQLCluster.class).inNamespace(namespace).list().getItems().stream()
        .map(c -> c.getMetadata().getName()).toList();
    for (String cluster : clusters) {
      deleteCluster(cluster);
    }
    await(GONE, () -> client.pods().inNamespace(namespace).list().getItems().stream()
        .allMatch(pod -> pod.getStatus() != null && List.of("Succeeded", "Failed").contains(pod.getStatus().getPhase())),
        "every Pod of namespace " + namespace + " to be gone or finished");
    stopBucket();
    return "deleted " + backups.size() + " backup(s) with their files, clusters " + clusters + " and what they owned";
  }

  void stopBucket() {
    if (s3 != null) {
      s3.close();
      s3 = null;
    }
  }

  // ---- what a production example needs, provided

  /** A Secret no example defines: a cluster's passwords, or a bucket's keys (S3Proxy's, which then checks them). */
  private void provideSecrets(List<Example.Need> needs, List<ObjectNode> objects, List<String> notes) {
    for (var need : needs) {
      String name = need.mention();
      if (need.kind() != Example.Need.Kind.SECRET || client.secrets().inNamespace(namespace).withName(name).get() != null) {
        continue;
      }
      boolean bucketKeys = objects.stream().anyMatch(o -> name.equals(o.at("/spec/storage/s3/credentialsSecret").asText())
          || name.equals(o.at("/spec/bootstrap/from/storage/s3/credentialsSecret").asText()));
      var secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata();
      if (bucketKeys) {
        secret.addToStringData("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY).addToStringData("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
      } else {
        CredentialsSecret.REQUIRED_KEYS.forEach(key -> secret.addToStringData(key, UUID.randomUUID().toString()));
        // As the header asks of a cluster that runs the exporter sidecar: its account's password too.
        if (objects.stream().anyMatch(o -> name.equals(o.at("/spec/credentials/secretName").asText())
            && o.at("/spec/monitoring/exporter/enabled").asBoolean())) {
          secret.addToStringData(CredentialsSecret.EXPORTER_PASSWORD, UUID.randomUUID().toString());
        }
      }
      client.resource(secret.build()).create();
      notes.add("provided the Secret " + name + " (" + need.what() + ")");
    }
  }

  /**
   * cert-manager's part, which the sandbox does not run: each Certificate's Secret written as
   * cert-manager writes it (tls.crt, tls.key, ca.crt) for the Certificate's names, signed by a CA
   * made here for the group; the Certificate objects themselves are not applied.
   */
  private List<ObjectNode> issueCertificates(List<ObjectNode> objects, List<String> notes) {
    var certificates = objects.stream().filter(o -> o.path("kind").asText().equals("Certificate")
        && o.path("apiVersion").asText().startsWith("cert-manager.io/")).toList();
    if (certificates.isEmpty()) {
      return objects;
    }
    var now = Instant.now();
    var authority = CertificateAuthority.create("sandbox issuer for " + namespace, now, Duration.ofDays(365));
    for (var certificate : certificates) {
      var dnsNames = new ArrayList<String>();
      certificate.at("/spec/dnsNames").forEach(name -> dnsNames.add(name.asText()));
      String secretName = certificate.at("/spec/secretName").asText();
      var issued = authority.issue(certificate.at("/metadata/name").asText(), dnsNames, List.of(), now, Duration.ofDays(90));
      client.resource(new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace).endMetadata()
          .withType("kubernetes.io/tls")
          .addToStringData(ServingCertificate.CERTIFICATE, issued.certificatePem())
          .addToStringData(ServingCertificate.KEY, issued.keyPem())
          .addToStringData(ServingCertificate.AUTHORITIES, Pem.of(authority.certificate())).build()).create();
      notes.add("provided the Secret " + secretName + " as cert-manager writes it for Certificate "
          + certificate.at("/metadata/name").asText() + " (signed by a CA made here; cert-manager itself NOT proven)");
    }
    return objects.stream().filter(o -> !certificates.contains(o)).toList();
  }

  /**
   * A bucket of S3Proxy on the Pod network's gateway, on a port the OS picks, checking the
   * example's own keys; the endpoint becomes S3Proxy's, since no cluster DNS resolves a Service
   * name here.
   */
  private void provideBuckets(List<ObjectNode> objects, List<String> notes) throws Exception {
    for (var object : objects) {
      var s3Storage = object.at("/spec/storage/s3");
      if (!(s3Storage instanceof ObjectNode bucket)) {
        continue;
      }
      String endpoint = bucket.path("endpoint").asText("");
      if (s3 == null) {
        var keys = s3Keys(bucket.path("credentialsSecret").asText(""));
        var buckets = group.files().stream().flatMap(f -> f.objects().stream()).map(o -> o.at("/spec/storage/s3/bucket").asText(""))
            .filter(name -> !name.isEmpty()).distinct().toList();
        s3 = S3ProxyServer.start(PodNetwork.GATEWAY, sandbox.root().resolve("s3-" + namespace), buckets, keys.getKey(), keys.getValue());
        notes.add("provided the bucket(s) " + buckets + " (S3Proxy on " + s3.endpoint() + ", the example's keys)");
      }
      bucket.put("endpoint", s3.endpoint());
      bucket.put("forcePathStyle", true);
      notes.add("CHANGED " + object.at("/metadata/name").asText() + "'s endpoint " + (endpoint.isEmpty() ? "(AWS S3)" : endpoint)
          + " to " + s3.endpoint() + ": the sandbox has no cluster DNS and no Internet");
    }
  }

  /** The access key and secret of the Secret the group defines, or S3Proxy's own when it defines none. */
  private Map.Entry<String, String> s3Keys(String secretName) {
    var secret = group.files().stream().flatMap(f -> f.ofKind("Secret").stream())
        .filter(s -> s.at("/metadata/name").asText().equals(secretName)).findFirst();
    if (secret.isEmpty()) {
      return Map.entry(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
    }
    return Map.entry(secretValue(secret.get(), "AWS_ACCESS_KEY_ID"), secretValue(secret.get(), "AWS_SECRET_ACCESS_KEY"));
  }

  private static String secretValue(JsonNode secret, String key) {
    var plain = secret.at("/stringData/" + key);
    return plain.isTextual() ? plain.asText()
        : new String(Base64.getDecoder().decode(secret.at("/data/" + key).asText()), StandardCharsets.UTF_8);
  }

  /**
   * The API server refuses the cluster's Pods until the PriorityClass exists, as the example's
   * header says; then it is created.
   */
  private void providePriorityClassOnceRefused(String priorityClass, List<ObjectNode> objects, List<String> notes) throws Exception {
    for (var cluster : objects) {
      if (!cluster.path("kind").asText().equals("MySQLCluster") || !priorityClass.equals(cluster.at("/spec/pod/priorityClassName").asText())) {
        continue;
      }
      String statefulSet = cluster.at("/metadata/name").asText();
      String refusal = "pods \"" + statefulSet + "-0\" is forbidden: no PriorityClass with name " + priorityClass + " was found";
      await(Duration.ofSeconds(60), () -> failedCreate(statefulSet).filter(message -> message.contains(refusal)).isPresent(),
          "the StatefulSet " + statefulSet + "'s Event FailedCreate: " + refusal);
      notes.add("without the PriorityClass " + priorityClass + ", the StatefulSet's Event said: " + failedCreate(statefulSet).orElseThrow());
    }
    client.resource(new PriorityClassBuilder().withNewMetadata().withName(priorityClass).endMetadata().withValue(1_000_000)
        .withDescription("databases").build()).create();
    notes.add("provided the PriorityClass " + priorityClass);
  }

  private Optional<String> failedCreate(String statefulSet) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> StatefulSetController.FAILED_CREATE.equals(e.getReason()) && statefulSet.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getMessage()).reduce((first, last) -> last);
  }

  /**
   * A point in time is the reader's to choose: the shipped one is shown to wait with the reason
   * the header gives, then the restore goes to a second between the backup and a next backup of
   * the same cluster taken here, whose archived binary logs it replays.
   */
  private void choosePointInTime(ObjectNode cluster, List<String> notes) throws Exception {
    var from = (ObjectNode) cluster.at("/spec/bootstrap/from");
    String backupName = from.path("backup").asText();
    String shipped = from.path("pointInTime").asText();
    var backup = client.resources(MySQLBackup.class).inNamespace(namespace).withName(backupName).get();
    if (backup == null || backup.getStatus() == null || backup.getStatus().getFinishedAt() == null) {
      throw new AssertionError(cluster.at("/metadata/name").asText() + " restores from " + backupName + ", which no earlier example completed");
    }
    var finished = Instant.parse(backup.getStatus().getFinishedAt());
    String name = cluster.at("/metadata/name").asText();
    if (Instant.parse(shipped).isBefore(finished)) {
      asWritten(cluster).create();
      String reason = "is before backup " + backupName + " completed";
      await(Duration.ofSeconds(30), () -> conditionMessages(name).contains(reason), name + "'s status to say its pointInTime " + reason);
      notes.add("as shipped (pointInTime " + shipped + ") " + name + " waits: " + conditionMessages(name));
      client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).delete();
      await(GONE, () -> client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get() == null, name + " to be gone");
    } else {
      notes.add("as shipped (pointInTime " + shipped + ", after " + backupName + " completed) " + name
          + " is not shown waiting: its header's 'a date in the past' no longer holds");
    }
    var chosen = finished.truncatedTo(ChronoUnit.SECONDS).plusSeconds(2);
    while (Instant.now().isBefore(chosen.plusSeconds(1))) {
      Thread.sleep(100);
    }
    String next = backupName + "-next";
    var nextBackup = new MySQLBackup();
    nextBackup.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(next).withNamespace(namespace).build());
    nextBackup.setSpec(backup.getSpec());
    client.resource(nextBackup).create();
    notes.add(backupOutcome(next));
    from.put("pointInTime", chosen.toString());
    notes.add("CHANGED pointInTime to " + chosen + ", a second between " + backupName + " and " + next + " (taken here): the second is the reader's");
  }

  // ---- outcomes

  private String outcome(JsonNode object) throws Exception {
    String name = object.at("/metadata/name").asText();
    return switch (object.path("kind").asText()) {
      case "MySQLCluster" -> clusterOutcome(name);
      case "MySQLBackup" -> backupOutcome(name);
      case "MySQLBackupSchedule" -> scheduleOutcome(name);
      default -> object.path("kind").asText() + " " + name + " created";
    };
  }

  private String clusterOutcome(String name) throws InterruptedException {
    long started = System.nanoTime();
    try {
      await(READY, () -> ready(name), name + " to be Ready with a master");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; " + diagnosis(name), e);
    }
    return name + " Ready in " + seconds(started) + " s, master " + cluster(name).getStatus().getMaster();
  }

  private String backupOutcome(String name) throws InterruptedException {
    long started = System.nanoTime();
    await(BACKUP, () -> Optional.ofNullable(backup(name).getStatus()).filter(s -> s.isFinished()).isPresent(), "backup " + name + " to finish");
    var status = backup(name).getStatus();
    if (status.getPhase() != BackupPhase.Completed) {
      throw new AssertionError("backup " + name + " is " + status.getPhase() + ": " + status.getMessage());
    }
    return "backup " + name + " Completed in " + seconds(started) + " s from " + status.getSource() + ", " + status.getSizeBytes()
        + " bytes at " + status.getLocation();
  }

  private String scheduleOutcome(String name) throws InterruptedException {
    var schedule = client.resources(MySQLBackupSchedule.class).inNamespace(namespace).withName(name);
    await(Duration.ofSeconds(30), () -> schedule.get().getStatus() != null && schedule.get().getStatus().getNextScheduleTime() != null,
        "schedule " + name + " to plan its next run");
    var status = schedule.get().getStatus();
    if (status.getMessage() != null && !status.getMessage().isEmpty()) {
      throw new AssertionError("schedule " + name + ": " + status.getMessage());
    }
    return "schedule " + name + " plans its next run at " + status.getNextScheduleTime()
        + " (not awaited: the backup-schedule scenario proves runs, retention and turns)";
  }

  private boolean ready(String name) {
    var cluster = cluster(name);
    return cluster != null && cluster.getStatus() != null && cluster.getStatus().getMaster() != null
        && cluster.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private String conditionMessages(String name) {
    var cluster = cluster(name);
    return cluster == null || cluster.getStatus() == null ? ""
        : cluster.getStatus().getConditions().stream().filter(c -> c.getMessage() != null && !c.getMessage().isEmpty())
            .map(c -> c.getType() + "=" + c.getStatus() + ": " + c.getMessage()).collect(Collectors.joining("; "));
  }

  /** What a reader would look at when a cluster is not Ready: its conditions, its Pods, the namespace's warnings. */
  private String diagnosis(String name) {
    var pods = client.pods().inNamespace(namespace).withLabel(ClusterLabels.INSTANCE, name).list().getItems().stream()
        .map(p -> p.getMetadata().getName() + " " + (p.getStatus() == null ? "?" : p.getStatus().getPhase())).toList();
    var warnings = client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType())).map(e -> e.getReason() + ": " + e.getMessage())
        .collect(Collectors.toCollection(LinkedHashSet::new));
    return "conditions: " + conditionMessages(name) + "; Pods: " + pods + "; warnings: " + warnings;
  }

  private void deleteCluster(String name) throws InterruptedException {
    if (deleted.contains(name)) {
      return;
    }
    client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).delete();
    await(GONE, () -> client.pods().inNamespace(namespace).withLabel(ClusterLabels.INSTANCE, name).list().getItems().isEmpty(),
        "the Pods of " + name + " to be gone");
    deleted.add(name);
  }

  private MySQLCluster cluster(String name) {
    return client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get();
  }

  private MySQLBackup backup(String name) {
    return client.resources(MySQLBackup.class).inNamespace(namespace).withName(name).get();
  }

  /** Sent as written, untyped, as kubectl does: admission judges every value. */
  private Resource<GenericKubernetesResource> asWritten(JsonNode object) {
    var resource = Serialization.unmarshal(object.toString(), GenericKubernetesResource.class);
    resource.getMetadata().setNamespace(namespace);
    return client.genericKubernetesResources(resource.getApiVersion(), resource.getKind()).inNamespace(namespace).resource(resource);
  }

  private static String seconds(long startedNanos) {
    return String.format("%.1f", (System.nanoTime() - startedNanos) / 1e9);
  }

  static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    ScenarioRunner.await(timeout, condition, what);
  }
}

package dev.tandem.sandbox;

import dev.tandem.testing.Commands;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet's part the operator relies on. Each Pod gets its network (a namespace on the
 * bridge), its volumes as directories (a PersistentVolumeClaim's outlives the Pod), its init
 * containers run to completion, then all its containers side by side in that network, each
 * command unchanged in a mount namespace where the volumes sit at their mount paths, as the Pod's
 * user (an image run by its entrypoint must be one this machine has: the exporter's). It reports
 * Pod IP, phase, each container's status, readiness (the first container's readiness probe, run
 * inside it, and every other container running) and restarts, restarts a crashed container after
 * the kubelet's backoff, and stops the processes when the Pod is deleted.
 */
public final class Kubelet implements AutoCloseable {

  /** The kubelet's crash-loop backoff: 10 s, doubling, at most 5 min. */
  public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final PodNetwork network;
  private final Path root;
  private final Duration backoff;
  private final Map<String, PodRuntime> running = new ConcurrentHashMap<>();
  /** Pods deleted and stopping (a grace period can be long): close() waits for them too. */
  private final Set<PodRuntime> stopping = ConcurrentHashMap.newKeySet();
  /** Pods (by uid) deleted with a grace period of 0: killed, not stopped. */
  private final Set<String> withoutGrace = ConcurrentHashMap.newKeySet();
  private final Set<Path> createdMountPoints = ConcurrentHashMap.newKeySet();
  private final Map<String, Map<String, Path>> imageFiles = new ConcurrentHashMap<>();
  private BackgroundLoop loop;

  Kubelet(KubernetesClient client, PodNetwork network, Path root, Duration backoff) {
    this.client = client;
    this.network = network;
    this.root = root;
    this.backoff = backoff;
  }

  void start() {
    loop = BackgroundLoop.every("sandbox-kubelet", Duration.ofMillis(200), this::sync);
  }

  private void sync() {
    var seen = new HashSet<String>();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      String uid = pod.getMetadata().getUid();
      seen.add(uid);
      running.computeIfAbsent(uid, key -> {
        var runtime = new PodRuntime(client, network, root, pod, backoff, this::ensureMountPoint, imageFiles);
        runtime.start();
        return runtime;
      });
    }
    for (var entry : running.entrySet()) {
      if (!seen.contains(entry.getKey())) {
        running.remove(entry.getKey());
        stopping.add(entry.getValue());
        entry.getValue().terminate(withoutGrace.remove(entry.getKey()));
      }
    }
    stopping.removeIf(PodRuntime::stopped);
  }

  /**
   * The files of an image this machine runs without it: a container of {@code image} sees
   * {@code directory} at {@code pathInImage}; its command runs unchanged.
   */
  void provideImage(String image, String pathInImage, Path directory) {
    imageFiles.computeIfAbsent(image, key -> new ConcurrentHashMap<>()).put(pathInImage, directory.toAbsolutePath());
  }

  /** The Pod with this uid was deleted with a grace period of 0: its containers get SIGKILL, not SIGTERM. */
  void killWhenDeleted(String uid) {
    withoutGrace.add(uid);
  }

  /** The runtime of a running Pod, for fault injection. */
  public PodRuntime runtime(String namespace, String pod) {
    return running.values().stream().filter(runtime -> runtime.is(namespace, pod)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no running Pod " + namespace + "/" + pod));
  }

  /** What a container of a Pod printed; empty for a Pod this kubelet does not run. */
  Optional<String> log(String namespace, String pod, String container) {
    return running.values().stream().filter(runtime -> runtime.is(namespace, pod)).findFirst()
        .flatMap(runtime -> runtime.log(container));
  }

  /** {@code kubectl exec}: the command started in the Pod's running container. */
  Process exec(String namespace, String pod, String container, List<String> command) throws IOException {
    var runtime = running.values().stream().filter(candidate -> candidate.is(namespace, pod)).findFirst()
        .orElseThrow(() -> new IllegalStateException("pod " + pod + " does not run on this kubelet"));
    return runtime.exec(container, command);
  }

  /** Bind mounts need a mount point; one the host lacks is made, and removed at close. */
  private synchronized void ensureMountPoint(Path path) {
    if (!Files.exists(path)) {
      try {
        Files.createDirectories(path);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      createdMountPoints.add(path);
    }
  }

  /** Stops every Pod, init containers and deleted Pods still stopping included, and waits for all of it. */
  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
    stopping.addAll(running.values());
    running.clear();
    stopping.forEach(runtime -> runtime.terminate(false));
    stopping.forEach(PodRuntime::awaitTermination);
    stopping.clear();
    // Only empty directories are removed: the mount points we made, and parents we made for them.
    for (Path mountPoint : List.copyOf(createdMountPoints)) {
      Commands.run("rmdir", "-p", "--ignore-fail-on-non-empty", mountPoint.toString());
    }
  }
}

package dev.tandem.sandbox;

import dev.tandem.testing.Commands;
import dev.tandem.testing.HostExporter;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** One Pod on the sandbox's kubelet: its network, volumes, containers, probes and status. */
public final class PodRuntime {

  private static final long DEFAULT_UID = 0;
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final KubernetesClient client;
  private final PodNetwork network;
  private final Pod pod;
  private final Path podDir;
  private final Path claimsDir;
  private final Duration initialBackoff;
  private final Consumer<Path> mountPoints;
  private final Map<String, Map<String, Path>> imageFiles;
  private final Thread thread;
  /**
   * Guards {@link #terminating} and {@link #runningContainer}: once terminate() has taken it, no
   * container starts, so the one it stops is the last one.
   */
  private final Object lifecycle = new Object();
  private volatile boolean terminating;
  /** The container running now, init or main: the one terminate() stops. */
  private Process runningContainer;
  private volatile Process process;
  private Thread stopper;
  /** The real kubelet's sync takes about a minute; the sandbox's is quicker, for tests' sake. */
  private static final Duration SECRET_SYNC = Duration.ofSeconds(2);
  private Instant nextSecretSync = Instant.EPOCH;
  private volatile int restarts;
  /** The init container running now, reported as the kubelet does in initContainerStatuses. */
  private volatile String runningInit;
  private volatile boolean ready;
  /** The containers after the first, started with it once the init containers are done. */
  private final List<Sidecar> sidecars = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** What the first container's status last said, so that a sidecar's report repeats it. */
  private volatile String phase = "Pending";
  private volatile String waitingReason = "PodInitializing";
  private String ip = "";

  /**
   * @param imageFiles image → (path in the container → directory here) for images whose files
   *     this machine lacks: a container of that image sees them there (the operator's jar)
   */
  PodRuntime(KubernetesClient client, PodNetwork network, Path root, Pod pod, Duration initialBackoff, Consumer<Path> mountPoints,
      Map<String, Map<String, Path>> imageFiles) {
    this.imageFiles = imageFiles;
    this.client = client;
    this.network = network;
    this.pod = pod;
    this.podDir = root.resolve("pods").resolve(pod.getMetadata().getUid());
    this.claimsDir = root.resolve("claims").resolve(pod.getMetadata().getNamespace());
    this.initialBackoff = initialBackoff;
    this.mountPoints = mountPoints;
    this.thread = new Thread(this::run, "sandbox-pod-" + pod.getMetadata().getName());
    thread.setDaemon(true);
  }

  boolean is(String namespace, String name) {
    return pod.getMetadata().getNamespace().equals(namespace) && pod.getMetadata().getName().equals(name);
  }

  void start() {
    thread.start();
  }

  /** The main container's process, for kill -9, SIGSTOP and SIGCONT. */
  public Optional<ProcessHandle> process() {
    var current = process;
    return current == null || !current.isAlive() ? Optional.empty() : Optional.of(current.toHandle());
  }

  /** By uid: a deleted Pod's replacement, same name, starts while the old one still stops. */
  public String ip() {
    return ip;
  }

  /**
   * Runs SQL as root over the socket inside the container, as a DBA with kubectl exec would, and
   * returns its output; the password travels in the environment.
   */
  public String sqlAsRoot(String rootPassword, String sql) throws IOException, InterruptedException {
    var pid = mysqldPid();
    var client = new ProcessBuilder("nsenter", "--target", Long.toString(pid), "--mount", "--net", "--", "mariadb", "--no-defaults",
        "--socket=/var/run/mysqld/mysqld.sock", "-uroot", "-N", "-e", sql).redirectErrorStream(true);
    client.environment().put("MYSQL_PWD", rootPassword);
    var running = client.start();
    String output = new String(running.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (running.waitFor() != 0) {
      throw new IllegalStateException("SQL as root on " + pod.getMetadata().getName() + " failed: " + output.strip());
    }
    return output;
  }

  /**
   * Starts {@code command} in a running container (the first when {@code container} is empty), as
   * {@code kubectl exec} does: in its mount and network namespaces, as its user, with its
   * environment, in /.
   */
  Process exec(String container, List<String> command) throws IOException {
    var main = pod.getSpec().getContainers().get(0);
    Container target;
    Optional<Process> running;
    if (container.isEmpty() || container.equals(main.getName())) {
      target = main;
      running = Optional.ofNullable(process);
    } else {
      var sidecar = sidecars.stream().filter(candidate -> candidate.container.getName().equals(container)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("pod " + pod.getMetadata().getName() + " has no running container " + container));
      target = sidecar.container;
      running = Optional.ofNullable(sidecar.process);
    }
    var pid = running.filter(Process::isAlive).orElseThrow(() -> new IllegalStateException("container " + target.getName() + " of pod "
        + pod.getMetadata().getName() + " is not running")).pid();
    var inContainer = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid), "--mount", "--net", "--"));
    inContainer.addAll(asUser(command));
    var builder = new ProcessBuilder(inContainer).directory(new java.io.File("/"));
    builder.environment().clear();
    builder.environment().putAll(environment(target));
    return builder.start();
  }

  /**
   * stress-ng in the Pod's network namespace for {@code duration}: every core busy, and writers
   * fsyncing files in the Pod's own directory, on the filesystem of its data volume. The sandbox
   * has no per-Pod cgroups: the cores and the disk it loads are the whole machine's.
   */
  public Process stress(Duration duration) throws IOException {
    var pid = mysqldPid();
    Path scratch = Files.createDirectories(podDir.resolve("stress"));
    return new ProcessBuilder("nsenter", "--target", Long.toString(pid), "--net", "--", "stress-ng", "--cpu", "0", "--hdd", "2",
        "--hdd-opts", "fsync", "--hdd-bytes", "64m", "--temp-path", scratch.toString(), "--timeout", duration.toSeconds() + "s",
        "--metrics-brief").redirectErrorStream(true).start();
  }

  private long mysqldPid() {
    return process().orElseThrow(() -> new IllegalStateException("mysqld of " + pod.getMetadata().getName() + " is not running")).pid();
  }

  /** The name of its Pod network: network faults target it. */
  String networkName() {
    return pod.getMetadata().getUid();
  }


  private void run() {
    try {
      ip = network.attach(networkName()).ip();
      prepareVolumes();
      reportStatus("Pending", "PodInitializing");
      String restartPolicy = Optional.ofNullable(pod.getSpec().getRestartPolicy()).orElse("Always");
      for (var init : Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of())) {
        while (!terminating) {
          var started = startContainer(init, this::setRunningContainer);
          runningInit = init.getName();
          reportStatus("Pending", "PodInitializing");
          var exit = started.waitFor();
          runningInit = null;
          if (exit == 0) {
            break;
          }
          if (restartPolicy.equals("Never")) {
            // As the kubelet does: with restartPolicy Never a failed init container fails the Pod.
            finish(init, exit);
            return;
          }
          reportStatus("Pending", "Init:Error");
          sleep(backoff());
          restarts++;
        }
      }
      var containers = pod.getSpec().getContainers();
      containers.subList(1, containers.size()).forEach(this::startSidecar);
      var main = containers.get(0);
      while (!terminating) {
        process = startContainer(main, this::setRunningContainer);
        reportStatus("Running", null);
        watchReadiness(main, process);
        if (terminating) {
          break;
        }
        int exit = process.waitFor();
        // A Job's Pod runs to completion: it ends Succeeded or Failed, and stays so.
        if (restartPolicy.equals("Never") || (restartPolicy.equals("OnFailure") && exit == 0)) {
          ready = false;
          finish(main, exit);
          return;
        }
        ready = false;
        reportStatus("Running", "CrashLoopBackOff");
        sleep(backoff());
        restarts++;
      }
    } catch (InterruptedException | PodTerminating e) {
      // Deleted: terminate() stops what runs and cleans up.
    } catch (RuntimeException | IOException e) {
      if (!terminating) {
        System.err.println("sandbox kubelet: Pod " + pod.getMetadata().getName() + " failed: " + e);
      }
    }
  }

  private Duration backoff() {
    var delay = initialBackoff.multipliedBy(1L << Math.min(restarts, 5));
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }

  /** Runs the readiness probe while the container lives; returns when it exits. */
  private void watchReadiness(Container container, Process main) throws InterruptedException {
    var probe = Optional.ofNullable(container.getReadinessProbe());
    int failures = 0;
    while (main.isAlive() && !terminating) {
      refreshSecretVolumes();
      boolean passed = probe.map(p -> runProbe(container, p, main)).orElse(true);
      failures = passed ? 0 : failures + 1;
      boolean nowReady = passed || (ready && failures < probe.map(Probe::getFailureThreshold).orElse(3));
      if (nowReady != ready) {
        ready = nowReady;
        reportStatus("Running", null);
      }
      main.waitFor(probe.map(Probe::getPeriodSeconds).map(s -> Math.min(s, 1)).orElse(1), TimeUnit.SECONDS);
    }
  }

  /** The probe's command, inside the container's mount and network namespaces, as its user. */
  private boolean runProbe(Container container, Probe probe, Process main) {
    var command = new ArrayList<>(List.of("nsenter", "--target", Long.toString(main.pid()), "--mount", "--net", "--"));
    command.addAll(asUser(probe.getExec().getCommand()));
    try {
      var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      builder.environment().putAll(environment(container));
      var check = builder.start();
      int timeout = Optional.ofNullable(probe.getTimeoutSeconds()).orElse(1);
      if (!check.waitFor(timeout, TimeUnit.SECONDS)) {
        check.destroyForcibly();
        return false;
      }
      return check.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void setRunningContainer(Process started) {
    runningContainer = started;
  }

  /**
   * A container after the first: it runs beside the first, restarted after the kubelet's backoff
   * when it exits, and counts as ready while it runs (its probes are not run: the exporter, the
   * only sidecar the operator adds, has none).
   */
  private final class Sidecar {
    final Container container;
    final Thread thread;
    volatile Process process;
    volatile int restarts;
    volatile boolean waitingToRestart;

    Sidecar(Container container) {
      this.container = container;
      this.thread = new Thread(this::run, "sandbox-pod-" + pod.getMetadata().getName() + "-" + container.getName());
      thread.setDaemon(true);
    }

    boolean running() {
      var current = process;
      return current != null && current.isAlive();
    }

    private void run() {
      try {
        while (!terminating) {
          startContainer(container, started -> process = started);
          waitingToRestart = false;
          reportStatus();
          process.waitFor();
          waitingToRestart = true;
          reportStatus();
          sleep(initialBackoff.multipliedBy(1L << Math.min(restarts, 5)));
          restarts++;
        }
      } catch (InterruptedException | PodTerminating e) {
        // Deleted: terminate() stops what runs.
      } catch (RuntimeException | IOException e) {
        if (!terminating) {
          System.err.println("sandbox kubelet: container " + container.getName() + " of Pod " + pod.getMetadata().getName() + " failed: " + e);
        }
      }
    }
  }

  private void startSidecar(Container container) {
    var sidecar = new Sidecar(container);
    sidecars.add(sidecar);
    sidecar.thread.start();
  }

  private Process startContainer(Container container, Consumer<Process> running) throws IOException {
    var binds = new StringBuilder("set -e; ");
    for (var file : imageFiles.getOrDefault(container.getImage(), Map.of()).entrySet()) {
      mountPoints.accept(Path.of(file.getKey()));
      binds.append("mount --bind '").append(file.getValue()).append("' '").append(file.getKey()).append("'; ");
    }
    for (var mount : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
      mountPoints.accept(Path.of(mount.getMountPath()));
      binds.append("mount --bind '").append(volumeDir(mount.getName())).append("' '").append(mount.getMountPath()).append("'; ");
    }
    binds.append("exec \"$@\"");
    var inner = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "bash", "-c", binds.toString(), "bash"));
    inner.addAll(asUser(command(container)));
    var builder = new ProcessBuilder(network.inPod(networkName(), inner)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(podDir.resolve(container.getName() + ".log").toFile()));
    builder.environment().putAll(environment(container));
    synchronized (lifecycle) {
      if (terminating) {
        throw new PodTerminating();
      }
      var started = builder.start();
      running.accept(started);
      return started;
    }
  }

  /** Ends the Pod's run where it is: the Pod is being deleted, so nothing more starts. */
  private static final class PodTerminating extends RuntimeException {
    PodTerminating() {
      super(null, null, false, false);
    }
  }

  /**
   * The container's command and arguments; an image that is run by its entrypoint with only
   * arguments must be one whose entrypoint this machine has (the exporter's: {@link HostExporter}).
   */
  private static boolean runsHostExporter(Container container) {
    return Optional.ofNullable(container.getCommand()).orElse(List.of()).isEmpty() && HostExporter.isExporterImage(container.getImage());
  }

  private static List<String> command(Container container) {
    var args = Optional.ofNullable(container.getArgs()).orElse(List.of());
    if (runsHostExporter(container)) {
      return HostExporter.command(args);
    }
    var command = new ArrayList<>(Optional.ofNullable(container.getCommand()).orElse(List.of()));
    command.addAll(args);
    return command;
  }

  private List<String> asUser(List<String> command) {
    long uid = Optional.ofNullable(pod.getSpec().getSecurityContext()).map(c -> c.getRunAsUser()).orElse(DEFAULT_UID);
    long gid = Optional.ofNullable(pod.getSpec().getSecurityContext()).map(c -> c.getRunAsGroup()).orElse(uid);
    var wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private Map<String, String> environment(Container container) {
    var env = new HashMap<String, String>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", "/tmp");
    for (EnvVar variable : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
      value(variable).ifPresent(value -> env.put(variable.getName(), value));
    }
    if (runsHostExporter(container)) {
      return HostExporter.environment(Optional.ofNullable(container.getArgs()).orElse(List.of()), env);
    }
    return env;
  }

  /** Empty for an optional Secret key that is missing: the kubelet leaves such a variable unset. */
  private Optional<String> value(EnvVar variable) {
    if (variable.getValueFrom() == null) {
      return Optional.of(Optional.ofNullable(variable.getValue()).orElse(""));
    }
    var field = variable.getValueFrom().getFieldRef();
    if (field != null) {
      return Optional.of(switch (field.getFieldPath()) {
        case "metadata.name" -> pod.getMetadata().getName();
        case "metadata.namespace" -> pod.getMetadata().getNamespace();
        case "status.podIP" -> ip;
        default -> "";
      });
    }
    var secretKey = variable.getValueFrom().getSecretKeyRef();
    if (secretKey != null) {
      var secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(secretKey.getName()).get();
      if (secret != null && secret.getData() != null && secret.getData().containsKey(secretKey.getKey())) {
        return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(secretKey.getKey())), StandardCharsets.UTF_8));
      }
      if (secret != null && secret.getStringData() != null && secret.getStringData().containsKey(secretKey.getKey())) {
        return Optional.of(secret.getStringData().get(secretKey.getKey()));
      }
      if (Boolean.TRUE.equals(secretKey.getOptional())) {
        return Optional.empty();
      }
      throw new IllegalStateException("CreateContainerConfigError: secret " + secretKey.getName() + " has no key " + secretKey.getKey());
    }
    return Optional.of("");
  }

  private Path volumeDir(String volume) {
    return podDir.resolve("volumes").resolve(volume);
  }

  /** Volumes as directories owned by the Pod's user; a claim's directory is the claim's, kept across Pods. */
  private void prepareVolumes() throws IOException {
    Files.createDirectories(podDir.resolve("volumes"));
    long uid = Optional.ofNullable(pod.getSpec().getSecurityContext()).map(c -> c.getRunAsUser()).orElse(DEFAULT_UID);
    for (var volume : Optional.ofNullable(pod.getSpec().getVolumes()).orElse(List.of())) {
      Path dir = volumeDir(volume.getName());
      if (volume.getPersistentVolumeClaim() != null) {
        Path claim = claimsDir.resolve(volume.getPersistentVolumeClaim().getClaimName());
        Files.createDirectories(claim);
        Files.deleteIfExists(dir);
        Files.createSymbolicLink(dir, claim);
        dir = claim;
      } else {
        Files.createDirectories(dir);
      }
      if (volume.getConfigMap() != null) {
        var configMap = client.configMaps().inNamespace(pod.getMetadata().getNamespace()).withName(volume.getConfigMap().getName()).get();
        if (configMap == null) {
          throw new IllegalStateException("configmap " + volume.getConfigMap().getName() + " not found");
        }
        for (var file : configMap.getData().entrySet()) {
          Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
      }
      if (volume.getSecret() != null) {
        writeSecretVolume(dir, volume, uid);
      }
      if (volume.getPersistentVolumeClaim() != null) {
        // A claim is shared: another Pod may delete files under it while this walk runs.
        Commands.tryRun("chown", "-R", uid + ":" + uid, dir.toString() + "/");
      } else {
        Commands.run("chown", "-R", uid + ":" + uid, dir.toString() + "/");
      }
    }
  }

  /**
   * As the kubelet does for a Pod in a terminal phase: its network goes with its last container
   * (its address is free for another Pod), while the Pod object stays until deleted.
   */
  /**
   * As the kubelet does: every key a symlink into {@code ..data}, itself a symlink swapped in one
   * rename, so a reader (mysqld reloading its certificate) never sees a new tls.crt beside an old
   * tls.key. Rewritten only when the Secret changed.
   */
  private void writeSecretVolume(Path dir, Volume volume, long uid) throws IOException {
    var secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(volume.getSecret().getSecretName()).get();
    if (secret == null) {
      throw new IllegalStateException("secret " + volume.getSecret().getSecretName() + " not found");
    }
    var files = new java.util.TreeMap<String, byte[]>();
    Optional.ofNullable(secret.getData()).orElse(Map.of()).forEach((key, value) -> files.put(key, Base64.getDecoder().decode(value)));
    // The mock API server keeps stringData as written, where a real one folds it into data.
    Optional.ofNullable(secret.getStringData()).orElse(Map.of()).forEach((key, value) -> files.put(key, value.getBytes(StandardCharsets.UTF_8)));
    String version = Integer.toHexString(files.entrySet().stream()
        .mapToInt(file -> file.getKey().hashCode() * 31 + Arrays.hashCode(file.getValue())).sum());
    Path data = dir.resolve("..data");
    if (Files.isSymbolicLink(data) && Files.readSymbolicLink(data).toString().equals("..version-" + version)) {
      return;
    }
    Path written = dir.resolve("..version-" + version);
    Files.createDirectories(written);
    int mode = Optional.ofNullable(volume.getSecret().getDefaultMode()).orElse(0644);
    for (var file : files.entrySet()) {
      Path target = written.resolve(file.getKey());
      Files.write(target, file.getValue());
      Files.setPosixFilePermissions(target, permissions(mode));
    }
    Commands.run("chown", "-R", uid + ":" + uid, written.toString() + "/");
    Path swapping = dir.resolve("..data_tmp");
    Files.deleteIfExists(swapping);
    Files.createSymbolicLink(swapping, written.getFileName());
    Files.move(swapping, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    for (String key : files.keySet()) {
      if (!Files.isSymbolicLink(dir.resolve(key))) {
        Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
      }
    }
    try (var old = Files.list(dir)) {
      for (Path stale : old.filter(path -> path.getFileName().toString().startsWith("..version-") && !path.equals(written)).toList()) {
        Commands.run("rm", "-rf", stale.toString());
      }
    }
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
    var permissions = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
    var all = java.nio.file.attribute.PosixFilePermission.values();
    for (int bit = 0; bit < 9; bit++) {
      if ((mode & (1 << (8 - bit))) != 0) {
        permissions.add(all[bit]);
      }
    }
    return permissions;
  }

  /** A changed Secret reaches a running Pod's files, as the kubelet's periodic sync brings it. */
  private void refreshSecretVolumes() {
    if (Instant.now().isBefore(nextSecretSync)) {
      return;
    }
    nextSecretSync = Instant.now().plus(SECRET_SYNC);
    long uid = Optional.ofNullable(pod.getSpec().getSecurityContext()).map(c -> c.getRunAsUser()).orElse(DEFAULT_UID);
    for (var volume : Optional.ofNullable(pod.getSpec().getVolumes()).orElse(List.of())) {
      if (volume.getSecret() != null) {
        try {
          writeSecretVolume(volumeDir(volume.getName()), volume, uid);
        } catch (IOException | RuntimeException e) {
          System.err.println("sandbox kubelet: Pod " + pod.getMetadata().getName() + ": secret volume " + volume.getName() + ": " + e);
        }
      }
    }
  }

  private void finish(Container container, int exitCode) {
    reportFinished(container, exitCode);
    network.detach(networkName());
  }

  private void reportFinished(Container container, int exitCode) {
    String now = Instant.now().toString();
    String status = "{\"status\":{\"phase\":\"" + (exitCode == 0 ? "Succeeded" : "Failed") + "\",\"podIP\":\"" + ip + "\","
        + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"lastTransitionTime\":\"" + now + "\"}],"
        + "\"containerStatuses\":[{\"name\":\"" + container.getName() + "\",\"ready\":false,\"restartCount\":" + restarts
        + ",\"state\":{\"terminated\":{\"exitCode\":" + exitCode + ",\"reason\":\"" + (exitCode == 0 ? "Completed" : "Error")
        + "\",\"finishedAt\":\"" + now + "\"}}}]}}";
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), status);
    } catch (RuntimeException gone) {
      // The Pod was deleted meanwhile: its status no longer matters.
    }
  }

  /** What the container printed, as {@code kubectl logs} shows it. */
  Optional<String> log(String container) {
    try {
      return Optional.of(Files.readString(podDir.resolve(container + ".log")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The phase and the first container's waiting reason ({@link #ready} is its readiness); the Pod is ready when it is and every sidecar runs. */
  private void reportStatus(String phase, String waitingReason) {
    this.phase = phase;
    this.waitingReason = waitingReason;
    reportStatus();
  }

  /** Reports under the lock so that the last report sent is the latest state, whichever thread sends it. */
  private synchronized void reportStatus() {
    String now = Instant.now().toString();
    String reason = waitingReason;
    boolean mainReady = reason == null && ready;
    boolean podReady = mainReady && sidecars.size() == pod.getSpec().getContainers().size() - 1
        && sidecars.stream().allMatch(Sidecar::running);
    String readyText = podReady ? "True" : "False";
    var statuses = new ArrayList<String>();
    statuses.add(containerStatus(pod.getSpec().getContainers().get(0).getName(), mainReady, restarts, reason, now));
    for (var container : pod.getSpec().getContainers().subList(1, pod.getSpec().getContainers().size())) {
      var sidecar = sidecars.stream().filter(candidate -> candidate.container == container).findFirst();
      boolean running = sidecar.filter(Sidecar::running).isPresent();
      String sidecarReason = running ? null : sidecar.filter(started -> started.waitingToRestart).isPresent() ? "CrashLoopBackOff"
          : "PodInitializing";
      statuses.add(containerStatus(container.getName(), running, sidecar.map(started -> started.restarts).orElse(0), sidecarReason, now));
    }
    String status = "{\"status\":{\"phase\":\"" + phase + "\",\"podIP\":\"" + ip + "\",\"podIPs\":[{\"ip\":\"" + ip + "\"}],"
        + "\"hostIP\":\"" + PodNetwork.GATEWAY + "\",\"conditions\":["
        + "{\"type\":\"Ready\",\"status\":\"" + readyText + "\",\"lastTransitionTime\":\"" + now + "\"},"
        + "{\"type\":\"ContainersReady\",\"status\":\"" + readyText + "\",\"lastTransitionTime\":\"" + now + "\"}],"
        + "\"containerStatuses\":[" + String.join(",", statuses) + "]" + initStatuses(now) + "}}";
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), status);
    } catch (RuntimeException gone) {
      // The Pod was deleted meanwhile: its status no longer matters.
    }
  }

  private static String containerStatus(String name, boolean isReady, int restartCount, String waitingReason, String now) {
    String state = waitingReason == null
        ? "{\"running\":{\"startedAt\":\"" + now + "\"},\"waiting\":null}"
        : "{\"waiting\":{\"reason\":\"" + waitingReason + "\"},\"running\":null}";
    return "{\"name\":\"" + name + "\",\"ready\":" + isReady + ",\"restartCount\":" + restartCount + ",\"state\":" + state + "}";
  }

  /** The running init container as running, the others as waiting or completed; none once the main container runs. */
  private String initStatuses(String now) {
    var inits = Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of());
    String running = runningInit;
    if (inits.isEmpty()) {
      return "";
    }
    var statuses = new ArrayList<String>();
    boolean before = running != null;
    for (var init : inits) {
      String state;
      if (init.getName().equals(running)) {
        state = "{\"running\":{\"startedAt\":\"" + now + "\"},\"terminated\":null,\"waiting\":null}";
        before = false;
      } else if (running == null || before) {
        state = "{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"},\"running\":null,\"waiting\":null}";
      } else {
        state = "{\"waiting\":{\"reason\":\"PodInitializing\"},\"running\":null,\"terminated\":null}";
      }
      statuses.add("{\"name\":\"" + init.getName() + "\",\"ready\":false,\"restartCount\":0,\"state\":" + state + "}");
    }
    return ",\"initContainerStatuses\":[" + String.join(",", statuses) + "]";
  }

  /**
   * Stops the Pod: SIGTERM to the running container, init or main, and everything it started,
   * then SIGKILL after the grace period (at once, with no SIGTERM, when {@code withoutGrace}: a
   * deletion with a grace period of 0); once the Pod's own thread has ended, its network and
   * files go. Returns at once; {@link #awaitTermination()} waits for all of it.
   */
  void terminate(boolean withoutGrace) {
    Process current;
    synchronized (lifecycle) {
      if (terminating) {
        return;
      }
      terminating = true;
      current = runningContainer;
      stopper = new Thread(() -> stop(current, withoutGrace), "sandbox-stop-" + pod.getMetadata().getName());
    }
    thread.interrupt();
    sidecars.forEach(sidecar -> sidecar.thread.interrupt());
    stopper.start();
  }

  /** Every container at once, as the kubelet stops them, each with the grace period. */
  private void stop(Process current, boolean withoutGrace) {
    var grace = Duration.ofSeconds(withoutGrace ? 0 : Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds()).orElse(30L));
    var processes = new ArrayList<Process>();
    Optional.ofNullable(current).ifPresent(processes::add);
    sidecars.forEach(sidecar -> Optional.ofNullable(sidecar.process).ifPresent(processes::add));
    var stopping = new ArrayList<Thread>();
    for (var process : processes) {
      var stopOne = new Thread(() -> Commands.stop(process, grace), "sandbox-stop-" + pod.getMetadata().getName() + "-" + process.pid());
      stopOne.start();
      stopping.add(stopOne);
    }
    try {
      for (var stopOne : stopping) {
        stopOne.join();
      }
      thread.join();
      for (var sidecar : sidecars) {
        sidecar.thread.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    network.detach(networkName());
    Commands.run("rm", "-rf", podDir.toString());
  }

  /** Terminated, and every process, its network and its files are gone. */
  boolean stopped() {
    synchronized (lifecycle) {
      return stopper != null && !stopper.isAlive();
    }
  }

  /** Waits until terminate() has stopped every process of the Pod and removed its network and files. */
  void awaitTermination() {
    Thread current;
    synchronized (lifecycle) {
      current = stopper;
    }
    if (current == null) {
      throw new IllegalStateException("Pod " + pod.getMetadata().getName() + " was never terminated");
    }
    try {
      current.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }
}

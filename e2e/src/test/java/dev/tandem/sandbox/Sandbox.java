package dev.tandem.sandbox;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A local stand-in for the parts of Kubernetes the operator relies on: the API server (with
 * admission and a garbage collector), the StatefulSet controller, the kubelet and the Pod
 * network. Everything it starts stops at {@link #close()}, and what a killed run left is swept at
 * the next start.
 */
public final class Sandbox implements AutoCloseable {

  private final SandboxApiServer api;
  private final PodNetwork network;
  private final StatefulSetController statefulSets;
  private final JobController jobs;
  private final Kubelet kubelet;
  private final Path root;

  private Sandbox(Path root, Duration backoff) throws java.net.UnknownHostException {
    this.root = root;
    this.network = PodNetwork.create();
    // On the bridge, Pods (the operator among them) reach the API server as a cluster's would.
    this.api = SandboxApiServer.start(network.isolated() ? InetAddress.getByName(PodNetwork.GATEWAY) : InetAddress.getLoopbackAddress(), 0);
    this.statefulSets = new StatefulSetController(api.client());
    this.jobs = new JobController(api.client());
    this.kubelet = new Kubelet(api.client(), network, root, backoff);
  }

  /** @param root where Pods keep their volumes; claims outlive Pods there */
  public static Sandbox start(Path root, Duration backoff) throws java.io.IOException {
    Files.createDirectories(root);
    var sandbox = new Sandbox(root, backoff);
    sandbox.api.servePodLogs(sandbox.kubelet::log);
    sandbox.api.serveExec(sandbox.kubelet::exec);
    sandbox.api.onDeletedWithoutGrace(sandbox.kubelet::killWhenDeleted);
    // The operator image's s3 command runs from the packaged operator, as the image's Dockerfile lays it out.
    sandbox.kubelet.provideImage(OperatorProcess.IMAGE, "/deployments", OperatorProcess.APPLICATION.toAbsolutePath().getParent());
    sandbox.statefulSets.start();
    sandbox.jobs.start();
    sandbox.kubelet.start();
    return sandbox;
  }

  /** Skips the calling test, saying why, unless this run may create network namespaces. */
  public static void assumeRoot() {
    org.assertj.core.api.Assumptions.assumeThat(System.getProperty("user.name"))
        .as("the sandbox's Pod networks need root (ip netns); this run is not root").isEqualTo("root");
  }

  public SandboxApiServer api() {
    return api;
  }

  public PodNetwork network() {
    return network;
  }

  public Kubelet kubelet() {
    return kubelet;
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() {
    statefulSets.close();
    jobs.close();
    kubelet.close();
    network.close();
    api.close();
  }
}

package dev.tandem.sandbox;

import dev.tandem.admission.ApiServerAdmission;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox's Kubernetes API: the Fabric8 mock server in CRUD mode on a loopback port, behind
 * {@link ApiServerDispatcher}, with the MySQLCluster CRD installed, plus a garbage collector.
 */
public final class SandboxApiServer implements AutoCloseable {

  /** Tandem's CRDs, by plural; each admits its resources. */
  static final Map<String, Path> CRDS = Map.of(
      "mysqlclusters", Path.of("crds/mysqlclusters.mysql.tandem.dev-v1.yml"),
      "mysqlbackups", Path.of("crds/mysqlbackups.mysql.tandem.dev-v1.yml"),
      "mysqlbackupschedules", Path.of("crds/mysqlbackupschedules.mysql.tandem.dev-v1.yml"));
  /** Held so the level sticks: the mock server logs every request at INFO. */
  private static final Logger REQUEST_LOG = Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final GarbageCollector collector;
  private final ApiServerDispatcher dispatcher;
  private final TimedDispatcher timed;

  private SandboxApiServer(KubernetesMockServer server, ApiServerDispatcher dispatcher, TimedDispatcher timed) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.timed = timed;
    this.client = new KubernetesClientBuilder().withConfig(server.createClient().getConfiguration()).build();
    this.collector = new GarbageCollector(client);
  }

  /** Starts on {@code address:port} (port 0: any free port). */
  public static SandboxApiServer start(InetAddress address, int port) {
    REQUEST_LOG.setLevel(Level.WARNING);
    var crud = new KubernetesCrudDispatcher(List.of());
    var admissions = new HashMap<String, ApiServerAdmission>();
    CRDS.forEach((plural, crd) -> admissions.put(plural, ApiServerAdmission.forCrd(crd)));
    var dispatcher = new ApiServerDispatcher(crud, admissions);
    var timed = new TimedDispatcher(dispatcher);
    var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), timed, false);
    server.init(address, port);
    var sandbox = new SandboxApiServer(server, dispatcher, timed);
    CRDS.values().forEach(crd -> sandbox.client.resource(readCrd(crd)).create());
    sandbox.collector.start();
    return sandbox;
  }

  private static CustomResourceDefinition readCrd(Path crd) {
    try {
      return Serialization.unmarshal(Files.readString(crd), CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void servePodLogs(ApiServerDispatcher.PodLogs logs) {
    dispatcher.servePodLogs(logs);
  }

  /** How long requests took to handle, by verb: see {@link TimedDispatcher}. */
  TimedDispatcher requestTimes() {
    return timed;
  }

  public KubernetesClient client() {
    return client;
  }

  public String url() {
    return client.getConfiguration().getMasterUrl();
  }

  public void createNamespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  /** A kubeconfig for kubectl or a second process, with a sandbox context. */
  public Path writeKubeconfig(Path file) {
    String kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: sandbox
          user: {token: sandbox}
        contexts:
        - name: sandbox
          context: {cluster: sandbox, user: sandbox, namespace: default}
        current-context: sandbox
        """.formatted(url().replaceAll("/$", ""));
    try {
      Files.writeString(file, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  @Override
  public void close() {
    collector.close();
    client.close();
    server.destroy();
  }
}

package dev.tandem.sandbox;

import dev.tandem.admission.ApiServerAdmission;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
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
 * {@link RequestAuthorization} (tokens, RBAC) and {@link ApiServerDispatcher}, with the
 * MySQLCluster CRD and a cluster's bootstrap roles installed, plus a garbage collector. Its own
 * client, and every kubeconfig it writes unless told otherwise, act as a cluster admin.
 */
public final class SandboxApiServer implements AutoCloseable {

  /** Tandem's CRDs, by plural; each admits its resources. */
  static final Map<String, Path> CRDS = Map.of(
      "mysqlclusters", Path.of("crds/mysqlclusters.mysql.tandem.dev-v1.yml"),
      "mysqlbackups", Path.of("crds/mysqlbackups.mysql.tandem.dev-v1.yml"),
      "mysqlbackupschedules", Path.of("crds/mysqlbackupschedules.mysql.tandem.dev-v1.yml"),
      "mysqldatabases", Path.of("crds/mysqldatabases.mysql.tandem.dev-v1.yml"),
      "mysqlusers", Path.of("crds/mysqlusers.mysql.tandem.dev-v1.yml"),
      "mysqlgrants", Path.of("crds/mysqlgrants.mysql.tandem.dev-v1.yml"));
  /** Held so the level sticks: the mock server logs every request at INFO. */
  private static final Logger REQUEST_LOG = Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

  static final RbacAuthorizer.User ADMIN = new RbacAuthorizer.User("sandbox-admin", List.of(RbacAuthorizer.MASTERS, "system:authenticated"));

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final GarbageCollector collector;
  private final ApiServerDispatcher dispatcher;
  private final CorrectedStore store;
  private final RequestAuthorization authorization;
  private final TimedDispatcher timed;
  private final String adminToken;

  private SandboxApiServer(KubernetesMockServer server, CorrectedStore store, ApiServerDispatcher dispatcher,
      RequestAuthorization authorization, TimedDispatcher timed) {
    this.server = server;
    this.store = store;
    this.dispatcher = dispatcher;
    this.authorization = authorization;
    this.timed = timed;
    this.adminToken = authorization.issueToken(ADMIN);
    try (var unauthenticated = server.createClient()) {
      this.client = new KubernetesClientBuilder()
          .withConfig(new ConfigBuilder(unauthenticated.getConfiguration()).withOauthToken(adminToken).build()).build();
    }
    this.collector = new GarbageCollector(client);
  }

  /** Starts on {@code address:port} (port 0: any free port). */
  public static SandboxApiServer start(InetAddress address, int port) {
    REQUEST_LOG.setLevel(Level.WARNING);
    var crud = new CorrectedStore();
    var admissions = new HashMap<String, ApiServerAdmission>();
    CRDS.forEach((plural, crd) -> admissions.put(plural, ApiServerAdmission.forCrd(crd)));
    var dispatcher = new ApiServerDispatcher(crud, admissions);
    var authorization = new RequestAuthorization(dispatcher, crud);
    // Timed outermost: authorization is part of handling a request.
    var timed = new TimedDispatcher(authorization);
    // TLS: kubectl sends a kubeconfig's credentials to no server over plain HTTP, and would be anonymous.
    offerKubectlsWebSocketProtocols();
    var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), timed, true);
    server.init(address, port);
    var sandbox = new SandboxApiServer(server, crud, dispatcher, authorization, timed);
    sandbox.install(BootstrapPolicy.objects());
    CRDS.values().forEach(crd -> sandbox.client.resource(readCrd(crd)).create());
    sandbox.collector.start();
    return sandbox;
  }

  /**
   * kubectl 1.30 and later exec over a WebSocket only in {@code v5.channel.k8s.io}, and
   * port-forward only in {@link SpdyPortForwardSession#SUBPROTOCOL}; the mock server offers v1 to
   * v4 from a private array it reads as it starts. Its v1, a name no Kubernetes client asks for
   * (the first version is plain {@code channel.k8s.io}), becomes v5, and its v2, which kubectl's
   * exec asks for last and Fabric8 never, becomes kubectl's port-forward. Fabric8's
   * clients still get the v4 they ask for.
   */
  private static void offerKubectlsWebSocketProtocols() {
    var replacements = Map.of("v1.channel.k8s.io", "v5.channel.k8s.io", "v2.channel.k8s.io", SpdyPortForwardSession.SUBPROTOCOL);
    try {
      var field = MockWebServer.class.getDeclaredField("SUPPORTED_WEBSOCKET_SUB_PROTOCOLS");
      field.setAccessible(true);
      var offered = (String[]) field.get(null);
      for (int i = 0; i < offered.length; i++) {
        offered[i] = replacements.getOrDefault(offered[i], offered[i]);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the mock server's WebSocket protocols moved: kubectl needs " + replacements.values() + " offered", e);
    }
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

  void serveExec(ApiServerDispatcher.PodExec exec) {
    dispatcher.serveExec(exec);
  }

  /** Refuses every MySQLCluster of flavor MySQL, saying that only MariaDB runs here. */
  void refuseMySQLClusters() {
    dispatcher.refuseMySQLClusters();
  }

  void onDeletedWithoutGrace(java.util.function.Consumer<String> kubelet) {
    dispatcher.onDeletedWithoutGrace(kubelet);
  }

  /** The store whose resumed watches can expire: see {@link CorrectedStore}. */
  CorrectedStore store() {
    return store;
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

  /** Creates the namespace unless it exists. */
  public void createNamespace(String name) {
    if (client.namespaces().withName(name).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }
  }

  /** Creates each object, or updates it where it exists, as {@code helm upgrade --install} would. */
  public void install(List<? extends HasMetadata> objects) {
    objects.forEach(object -> client.resource(object).createOr(NonDeletingOperation::update));
  }

  /** A token of ServiceAccount {@code namespace/name}, which must exist, as a Pod running as it is given. */
  String serviceAccountToken(String namespace, String name) {
    if (client.serviceAccounts().inNamespace(namespace).withName(name).get() == null) {
      throw new IllegalStateException("no ServiceAccount " + namespace + "/" + name + " to issue a token for");
    }
    return authorization.issueToken(RbacAuthorizer.User.serviceAccount(namespace, name));
  }

  /** What was allowed and denied to each user that is not a cluster admin. */
  AccessLog accessLog() {
    return authorization.accessLog();
  }

  /** A kubeconfig for kubectl or a second process, with a sandbox context, as a cluster admin. */
  public Path writeKubeconfig(Path file) {
    return writeKubeconfig(file, adminToken);
  }

  /** A kubeconfig that authenticates with {@code token}. */
  Path writeKubeconfig(Path file, String token) {
    String kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: sandbox
          user: {token: "%s"}
        contexts:
        - name: sandbox
          context: {cluster: sandbox, user: sandbox, namespace: default}
        current-context: sandbox
        """.formatted(url().replaceAll("/$", ""), token);
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

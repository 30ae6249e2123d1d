package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.admission.ApiServerAdmission;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The mock server's CRUD store with what an API server adds and the mock lacks
 * (../shared/MOCK-SERVER.md): admission of MySQLClusters (schema, CEL, names) with kubectl's
 * messages, the Priority admission plugin's refusal of a Pod whose PriorityClass does not exist,
 * 409 on a stale status update, RFC 7386 merge patches (null removes), set-based label
 * selectors, and what kubectl needs: discovery, an empty OpenAPI document, typed answers,
 * server-side Tables, {@code exec} ({@link ExecSession}), {@code log} and {@code portforward}
 * (kubectl's {@link SpdyPortForwardSession}, Fabric8's {@link PortForwardSession}); a watch over
 * plain HTTP, and the plain SPDY upgrade only a kubectl before 1.30 would use, are refused saying
 * what to use instead.
 */
final class ApiServerDispatcher extends Dispatcher {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Tandem's own resources, admitted by their CRDs: group 1 is the plural, group 3 the status subresource. */
  private static final Pattern TANDEM_PATH =
      Pattern.compile("/apis/mysql\\.tandem\\.dev/v1alpha1/namespaces/[^/]+/([a-z]+)(/[^/?]+)?(/status)?(\\?.*)?");
  private static final Pattern PORT_FORWARD =
      Pattern.compile("(/api/v1/namespaces/[^/]+/pods/[^/]+)/portforward\\?(?:.*&)?ports=(\\d+).*");
  /** kubectl's port-forward: SPDY tunnelled through a WebSocket, or plain SPDY; the ports travel in its streams, not the query. */
  private static final Pattern KUBECTL_PORT_FORWARD = Pattern.compile("(/api/v1/namespaces/[^/]+/pods/[^/?]+)/portforward(\\?.*)?");
  private static final Pattern EXEC = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/exec(\\?.*)?");
  private static final Pattern POD_LOG = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/log(\\?.*)?");
  private static final Pattern SET_BASED = Pattern.compile("\\s(in|notin)\\s*\\(");
  private static final Pattern PODS = Pattern.compile("/api/v1/namespaces/[^/]+/pods");
  private static final Pattern POD = Pattern.compile("(/api/v1/namespaces/[^/]+/pods/[^/?]+)(\\?.*)?");
  private static final Pattern NO_GRACE = Pattern.compile("\"gracePeriodSeconds\"\\s*:\\s*0\\b|(?:^|&)gracePeriodSeconds=0(?:&|$)");
  /** The PriorityClasses an API server has without anyone creating them. */
  static final Set<String> BUILT_IN_PRIORITY_CLASSES = Set.of("system-cluster-critical", "system-node-critical");

  private final KubernetesCrudDispatcher crud;
  /** By plural: mysqlclusters, mysqlbackups. */
  private final Map<String, ApiServerAdmission> admissions;
  private volatile PodLogs logs = (namespace, pod, container) -> Optional.empty();
  private volatile java.util.function.Consumer<String> deletedWithoutGrace = uid -> { };
  private volatile PodExec exec = (namespace, pod, container, command) -> {
    throw new IllegalStateException("no kubelet runs Pods on this API server");
  };
  private volatile boolean mariaDbOnly;

  /** Where {@code pods/<name>/log} is read from: the kubelet's record of what a container printed. */
  interface PodLogs {
    Optional<String> log(String namespace, String pod, String container);
  }
  /** Starts a command in a running container of a Pod, as the kubelet serves {@code pods/<name>/exec}. */
  interface PodExec {
    Process exec(String namespace, String pod, String container, List<String> command) throws IOException;
  }
  private final Discovery discovery = new Discovery();
  private final ServerSideTables tables = new ServerSideTables(SandboxApiServer.CRDS);

  ApiServerDispatcher(KubernetesCrudDispatcher crud, Map<String, ApiServerAdmission> admissions) {
    this.crud = crud;
    this.admissions = admissions;
  }

  void servePodLogs(PodLogs source) {
    this.logs = source;
  }

  void serveExec(PodExec source) {
    this.exec = source;
  }

  /** MySQLClusters of flavor MySQL are refused from now on: the kubelet's only server is the host's mariadbd. */
  void refuseMySQLClusters() {
    this.mariaDbOnly = true;
  }

  /** Told the uid of each Pod deleted with a grace period of 0, which its kubelet must SIGKILL. */
  void onDeletedWithoutGrace(java.util.function.Consumer<String> kubelet) {
    this.deletedWithoutGrace = kubelet;
  }

  /**
   * The mock's own answers carry no Content-Type, which clients that ask for protobuf first
   * (kubectl describe) then decode as protobuf: every JSON answer says it is JSON.
   */
  @Override
  public MockResponse dispatch(RecordedRequest request) {
    var response = answer(request);
    if (response.getWebSocketListener() == null && response.header("Content-Type") == null && response.getBody() != null
        && response.getBody().size() > 0) {
      response.setHeader("Content-Type", "application/json");
    }
    return response;
  }

  private MockResponse answer(RecordedRequest request) {
    String path = request.getPath();
    if (pathOnly(path).startsWith("/openapi/")) {
      return openApi(pathOnly(path));
    }
    var discovered = discovery.answer(path);
    if (discovered.isPresent()) {
      return json(200, discovered.get());
    }
    var log = POD_LOG.matcher(path);
    if (log.matches() && request.method() == HttpMethod.GET) {
      return podLog(log.group(1), log.group(2), queryParameter(path.substring(path.indexOf('?') + 1), "container").orElse(""));
    }
    var forward = PORT_FORWARD.matcher(path);
    if (forward.matches() && !speaksSpdy(request)) {
      return portForward(forward.group(1), ip -> new MockResponse().withWebSocketUpgrade(new PortForwardSession(ip, Integer.parseInt(forward.group(2)))));
    }
    var kubectlForward = KUBECTL_PORT_FORWARD.matcher(path);
    if (kubectlForward.matches()) {
      if (isWebSocket(request)) {
        return portForward(kubectlForward.group(1), ip -> new MockResponse().withWebSocketUpgrade(new SpdyPortForwardSession(ip)));
      }
      // kubectl also falls back to plain SPDY after a refused WebSocket upgrade: the Pod's own refusal then comes first.
      return portForward(kubectlForward.group(1), ip -> status(400, "BadRequest", "the sandbox's API server serves kubectl port-forward"
          + " only tunnelled through a WebSocket (" + SpdyPortForwardSession.SUBPROTOCOL + ", kubectl 1.30 and later), not as a plain"
          + " SPDY upgrade"));
    }
    var execInPod = EXEC.matcher(path);
    if (execInPod.matches()) {
      return exec(request, execInPod.group(1), execInPod.group(2), execInPod.group(3) == null ? "" : execInPod.group(3).substring(1));
    }
    try {
      return switch (request.method()) {
        case POST -> create(request);
        case PUT -> update(request, request.getUtf8Body());
        case PATCH -> patch(request);
        case GET -> get(request);
        case DELETE -> delete(request);
        default -> crud.dispatch(request);
      };
    } catch (RuntimeException e) {
      return status(500, "InternalError", e.toString());
    }
  }

  /**
   * The mock removes a deleted object at once and keeps no grace period: a Pod deleted with
   * {@code gracePeriodSeconds: 0} (in the query or the DeleteOptions body) is named to the
   * kubelet, which kills it without SIGTERM, as a real kubelet does.
   */
  private MockResponse delete(RecordedRequest request) {
    var pod = POD.matcher(request.getPath());
    if (pod.matches()) {
      String query = pod.group(2) == null ? "" : pod.group(2).substring(1);
      if (NO_GRACE.matcher(query).find() || NO_GRACE.matcher(request.getUtf8Body()).find()) {
        current(pod.group(1)).map(object -> object.at("/metadata/uid").asText()).ifPresent(deletedWithoutGrace);
      }
    }
    return crud.dispatch(request);
  }

  /**
   * No OpenAPI schemas are served (the CRUD store would answer with a list of everything): v3 is
   * absent, so kubectl falls back to v2, and v2 is an empty document, so kubectl validates nothing
   * on its side and leaves admission to this server, as it does for a type a server has no schema for.
   */
  private static MockResponse openApi(String path) {
    if (path.equals("/openapi/v2")) {
      return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    }
    return status(404, "NotFound", "the sandbox's API server serves no OpenAPI v3 schemas");
  }

  /** kubectl: a WebSocket carrying SPDY ({@link SpdyPortForwardSession#SUBPROTOCOL}), or an SPDY upgrade; Fabric8 asks for v4.channel.k8s.io. */
  private static boolean speaksSpdy(RecordedRequest request) {
    return (Optional.ofNullable(request.getHeader("Upgrade")).orElse("") + Optional.ofNullable(request.getHeader("Sec-WebSocket-Protocol")).orElse(""))
        .toUpperCase(java.util.Locale.ROOT).contains("SPDY");
  }

  private static boolean isWebSocket(RecordedRequest request) {
    return Optional.ofNullable(request.getHeader("Upgrade")).orElse("").toLowerCase(java.util.Locale.ROOT).contains("websocket");
  }

  /**
   * {@code kubectl exec} over a WebSocket (kubectl's default since 1.30). Once upgraded, a
   * refusal goes on the error channel: a refused upgrade would make kubectl retry with SPDY and
   * show that refusal instead of the reason.
   */
  private MockResponse exec(RecordedRequest request, String namespace, String pod, String query) {
    if (!isWebSocket(request)) {
      return status(400, "BadRequest", "the sandbox's API server serves pods/exec only as a WebSocket (kubectl 1.30 and later), not SPDY");
    }
    var command = new java.util.ArrayList<String>();
    for (String pair : query.split("&")) {
      if (pair.startsWith("command=")) {
        command.add(URLDecoder.decode(pair.substring("command=".length()), StandardCharsets.UTF_8));
      }
    }
    String container = queryParameter(query, "container").orElse("");
    boolean stdin = queryParameter(query, "stdin").map(Boolean::parseBoolean).orElse(false);
    boolean tty = queryParameter(query, "tty").map(Boolean::parseBoolean).orElse(false);
    if (tty) {
      return new MockResponse().withWebSocketUpgrade(ExecSession.refused(
          "the sandbox runs exec without a terminal: leave out -t (kubectl exec -i " + pod + " -- <command> reads your input)"));
    }
    if (command.isEmpty()) {
      return new MockResponse().withWebSocketUpgrade(ExecSession.refused("you must specify at least one command for the container"));
    }
    return new MockResponse().withWebSocketUpgrade(new ExecSession(() -> exec.exec(namespace, pod, container, command), stdin));
  }

  /** What a kubelet serves for a port-forward, given the IP of the Pod, which the host reaches directly. */
  private MockResponse portForward(String podPath, java.util.function.Function<String, MockResponse> relayTo) {
    var pod = current(podPath);
    if (pod.isEmpty()) {
      return status(404, "NotFound", "pods \"" + podPath.substring(podPath.lastIndexOf('/') + 1) + "\" not found");
    }
    String ip = pod.get().at("/status/podIP").asText("");
    if (ip.isEmpty()) {
      return status(400, "BadRequest", "pod " + pod.get().at("/metadata/name").asText() + " has no IP yet");
    }
    return relayTo.apply(ip);
  }

  private MockResponse podLog(String namespace, String pod, String container) {
    if (current("/api/v1/namespaces/" + namespace + "/pods/" + pod).isEmpty()) {
      return status(404, "NotFound", "pods \"" + pod + "\" not found");
    }
    return logs.log(namespace, pod, container)
        .map(text -> new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(text))
        .orElseGet(() -> status(400, "BadRequest", "container \"" + container + "\" in pod \"" + pod + "\" has not started"));
  }

  private Optional<ApiServerAdmission> admission(java.util.regex.Matcher tandem) {
    return tandem.matches() ? Optional.ofNullable(admissions.get(tandem.group(1))) : Optional.empty();
  }

  private MockResponse create(RecordedRequest request) {
    if (PODS.matcher(pathOnly(request.getPath())).matches()) {
      // Reading the body consumes it: what goes on to the store is a copy.
      String body = request.getUtf8Body();
      return priorityRefusal(read(body)).orElseGet(() -> crud.dispatch(withBody(request, HttpMethod.POST, body)));
    }
    var tandem = TANDEM_PATH.matcher(pathOnly(request.getPath()));
    var admission = admission(tandem);
    if (admission.isEmpty()) {
      return crud.dispatch(request);
    }
    JsonNode created = read(request.getUtf8Body());
    if (mariaDbOnly && "mysqlclusters".equals(tandem.group(1)) && "MySQL".equals(created.at("/spec/engine/flavor").asText())) {
      return status(403, "Forbidden", "mysqlclusters.mysql.tandem.dev \"" + created.at("/metadata/name").asText() + "\" is forbidden:"
          + " this sandbox runs MariaDB only (its kubelet runs the host's mariadbd for every image, and no MySQL server is installed):"
          + " apply a MariaDB example, such as manifests/examples/mariadb-master-replica.yaml");
    }
    var verdict = admission.get().create(created);
    if (!verdict.accepted()) {
      return invalid(verdict.errors());
    }
    return crud.dispatch(withBody(request, HttpMethod.POST, verdict.admitted().toString()));
  }

  /**
   * The Priority admission plugin: a Pod naming a PriorityClass that does not exist is refused,
   * with its message. Without this a manifest needing a PriorityClass would run here and nowhere
   * else. (The plugin also copies the class's value into spec.priority; nothing here reads it.)
   */
  private Optional<MockResponse> priorityRefusal(JsonNode pod) {
    String priorityClass = pod.at("/spec/priorityClassName").asText("");
    if (priorityClass.isEmpty() || BUILT_IN_PRIORITY_CLASSES.contains(priorityClass)
        || current("/apis/scheduling.k8s.io/v1/priorityclasses/" + priorityClass).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(status(403, "Forbidden", "pods \"" + pod.at("/metadata/name").asText() + "\" is forbidden: no PriorityClass with name "
        + priorityClass + " was found"));
  }

  private MockResponse update(RecordedRequest request, String body) {
    String path = pathOnly(request.getPath());
    var current = current(path.replaceFirst("/status$", ""));
    if (current.isPresent()) {
      String sent = read(body).at("/metadata/resourceVersion").asText("");
      String stored = current.get().at("/metadata/resourceVersion").asText("");
      if (!sent.isEmpty() && !sent.equals(stored)) {
        return status(409, "Conflict", "Operation cannot be fulfilled on " + resourceOf(path) + " \""
            + current.get().at("/metadata/name").asText() + "\": the object has been modified; please apply your changes to the"
            + " latest version and try again");
      }
    }
    var tandem = TANDEM_PATH.matcher(path);
    var admission = admission(tandem);
    if (admission.isPresent() && tandem.group(3) == null && current.isPresent()) {
      var verdict = admission.get().update(current.get(), read(body));
      if (!verdict.accepted()) {
        return invalid(verdict.errors());
      }
      body = verdict.admitted().toString();
    }
    return crud.dispatch(withBody(request, HttpMethod.PUT, body));
  }

  /** JSON merge patches are applied here, by RFC 7386, then stored as an update. */
  private MockResponse patch(RecordedRequest request) {
    String contentType = Optional.ofNullable(request.getHeader("Content-Type")).orElse("");
    if (!contentType.startsWith("application/merge-patch+json")) {
      return crud.dispatch(request);
    }
    String path = pathOnly(request.getPath());
    var current = current(path.replaceFirst("/status$", ""));
    if (current.isEmpty()) {
      return crud.dispatch(request);
    }
    // A resourceVersion in the patch is a precondition; without one, the merge keeps the stored one.
    var merged = mergePatch(current.get().deepCopy(), read(request.getUtf8Body()));
    return update(request, merged.toString());
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    var result = target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> fields = patch.fields(); fields.hasNext(); ) {
      var field = fields.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.path(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  /**
   * kubectl's GETs: a Table when it asks for one ({@link ServerSideTables}); a watch it streams
   * over plain HTTP, which the mock serves over WebSocket only, refused saying so.
   */
  private MockResponse get(RecordedRequest request) {
    String path = request.getPath();
    boolean watch = queryParameter(path.indexOf('?') < 0 ? "" : path.substring(path.indexOf('?') + 1), "watch").map(Boolean::parseBoolean)
        .orElse(false);
    if (watch && !isWebSocket(request)) {
      return status(400, "BadRequest", "the sandbox's API server streams watches over WebSocket only (Fabric8 clients, the operator), not"
          + " kubectl's HTTP stream: instead of kubectl get -w, run watch kubectl get ...");
    }
    var answer = list(request);
    if (watch || answer.code() != 200 || !ServerSideTables.asked(request.getHeader("Accept"))) {
      return answer;
    }
    String body = answer.getBody().readUtf8();
    return json(200, tables.table(pathOnly(path), read(body)).orElse(body));
  }

  /** Set-based selectors (in, notin) are applied here: the mock ignores them and returns everything. */
  private MockResponse list(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    if (query < 0 || path.contains("watch=true")) {
      return crud.dispatch(request);
    }
    var selector = queryParameter(path.substring(query + 1), "labelSelector");
    if (selector.isEmpty() || !SET_BASED.matcher(selector.get()).find()) {
      return crud.dispatch(request);
    }
    var requirements = LabelSelector.parse(selector.get());
    String withoutSelector = path.replaceAll("([?&])labelSelector=[^&]*&?", "$1").replaceAll("[?&]$", "");
    var response = crud.dispatch(withBody(request, HttpMethod.GET, "", withoutSelector));
    if (response.code() != 200) {
      return response;
    }
    var list = (ObjectNode) read(response.getBody().readUtf8());
    var kept = JSON.createArrayNode();
    list.path("items").forEach(item -> {
      if (requirements.matches(labels(item))) {
        kept.add(item);
      }
    });
    list.set("items", kept);
    return json(200, list.toString());
  }

  private static Map<String, String> labels(JsonNode item) {
    var labels = new HashMap<String, String>();
    item.at("/metadata/labels").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
    return labels;
  }

  private Optional<JsonNode> current(String objectPath) {
    var response = crud.handleGet(objectPath);
    if (response.code() != 200) {
      return Optional.empty();
    }
    return Optional.of(read(response.getBody().readUtf8()));
  }

  private static String resourceOf(String path) {
    var parts = path.split("/");
    return parts.length >= 2 ? parts[parts.length - (path.endsWith("/status") ? 3 : 2)] : path;
  }

  private static Optional<String> queryParameter(String query, String name) {
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equals(name)) {
        return Optional.of(URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  private static String pathOnly(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static RecordedRequest withBody(RecordedRequest request, HttpMethod method, String body) {
    return withBody(request, method, body, request.getPath());
  }

  private static RecordedRequest withBody(RecordedRequest request, HttpMethod method, String body, String path) {
    var headers = request.getHeaders().newBuilder().set("Content-Type", "application/json").build();
    return new RecordedRequest(request.getHttpVersion(), method, path, headers, new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** kubectl prints the message of a 422 Status as it is: the admission messages, one per cause. */
  private static MockResponse invalid(List<String> errors) {
    return status(422, "Invalid", String.join("\n", errors));
  }

  private static MockResponse status(int code, String reason, String message) {
    var status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
        .put("message", message).put("reason", reason).put("code", code);
    return json(code, status.toString());
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }
}

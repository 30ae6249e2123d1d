package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The mock's store, corrected where it departs from a real API server about objects that leave it.
 *
 * <p>A watch that resumes from a resourceVersion: the mock replays every object that exists as
 * ADDED and never sends the DELETED of one that left in between, so an informer whose watch
 * dropped while an object was deleted kept that object for good (the operator once ran the control
 * loop of a deleted cluster for five minutes, until it restarted). Here such a watch gets 410
 * Expired, as from a server whose history is compacted, and the client lists again.
 *
 * <p>A write that removes the last finalizer of an object being deleted: the mock answers with an
 * empty body, which JOSDK's finalizer removal read as a null resource and failed on. A real server
 * answers with the object as the write left it.
 */
final class CorrectedStore extends KubernetesCrudDispatcher {

  /** An object that left what some watch selects: deleted ({@code after} null) or changed so. */
  private record Departure(AttributeSet before, AttributeSet after, long resourceVersion) {
    boolean leftSelection(AttributeSet watched) {
      return before.matches(watched) && (after == null || !after.matches(watched));
    }
  }

  private final List<Departure> departures = new CopyOnWriteArrayList<>();
  private final Set<WebSocket> openWatches = ConcurrentHashMap.newKeySet();
  private final AtomicInteger expired = new AtomicInteger();
  /** The last state of an object the current request's write removed, to answer that write with. */
  private final ThreadLocal<ObjectNode> removedByWrite = new ThreadLocal<>();

  CorrectedStore() {
    super(List.of());
  }

  /** Called by the mock with its write lock held, for every change to the store. */
  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    Optional<String> leaving = newState == null && oldAttributes != null
        ? Optional.ofNullable(findResource(oldAttributes)).map(Map.Entry::getValue) : Optional.empty();
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (oldAttributes == null) {
      return;
    }
    AttributeSet after = newState == null ? null : attributesOf(pathAttributes, resource, newState);
    if (!oldAttributes.equals(after)) {
      // Its own version, as a real deletion has: a watch that began later never missed it.
      long version = requestResourceVersion();
      departures.add(new Departure(oldAttributes, after, version));
      leaving.ifPresent(state -> removedByWrite.set(finalState(state, version)));
    }
  }

  private static ObjectNode finalState(String state, long version) {
    var object = (ObjectNode) Serialization.unmarshal(state, JsonNode.class);
    var metadata = (ObjectNode) object.get("metadata");
    metadata.remove("finalizers");
    metadata.put("resourceVersion", String.valueOf(version));
    return object;
  }

  @Override
  public MockResponse handlePatch(RecordedRequest request) {
    return answeredWithRemovedObject(() -> super.handlePatch(request));
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    return answeredWithRemovedObject(() -> super.handleUpdate(request));
  }

  private MockResponse answeredWithRemovedObject(Supplier<MockResponse> write) {
    removedByWrite.remove();
    try {
      var response = write.get();
      var removed = removedByWrite.get();
      return removed == null || response.code() / 100 != 2 ? response
          : new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(removed.toString());
    } finally {
      removedByWrite.remove();
    }
  }

  private AttributeSet attributesOf(AttributeSet pathAttributes, GenericKubernetesResource resource, String state) {
    var extractor = (KubernetesAttributesExtractor) attributeExtractor;
    var attributes = resource != null ? extractor.extract(resource) : extractor.fromResource(state);
    return attributes.containsKey(KubernetesAttributesExtractor.PLURAL) ? attributes : AttributeSet.merge(pathAttributes, attributes);
  }

  @Override
  public MockResponse handleWatch(String path) {
    var response = super.handleWatch(path);
    var since = resumedFrom(path);
    var replaying = response.getWebSocketListener();
    var watched = getKey(path);
    return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response upgrade) {
        openWatches.add(webSocket);
        // After the replay is under way: from then on a departure reaches this watch as DELETED.
        replaying.onOpen(webSocket, upgrade);
        if (since.isPresent() && departures.stream().anyMatch(d -> d.resourceVersion() > since.get() && d.leftSelection(watched))) {
          expired.incrementAndGet();
          webSocket.send(expiredEvent(since.get()));
          webSocket.close(1000, "expired");
        }
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        replaying.onClosing(webSocket, code, reason);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        openWatches.remove(webSocket);
        replaying.onClosed(webSocket, code, reason);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable error, Response failed) {
        openWatches.remove(webSocket);
        replaying.onFailure(webSocket, error, failed);
      }
    });
  }

  /** The resourceVersion a watch resumes from; none for a watch that starts with a replay. */
  private static Optional<Long> resumedFrom(String path) {
    String query = URI.create(path).getRawQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String parameter : query.split("&")) {
      if (parameter.startsWith("resourceVersion=")) {
        String version = parameter.substring("resourceVersion=".length());
        return version.isEmpty() || version.equals("0") ? Optional.empty() : Optional.of(Long.parseLong(version));
      }
    }
    return Optional.empty();
  }

  private static String expiredEvent(long since) {
    return "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"too old resource version: " + since + "\",\"reason\":\"Expired\",\"code\":410}}";
  }

  /** How many resumed watches were told to list again. */
  int expiredWatches() {
    return expired.get();
  }

  /** Watches opened and neither closed nor dropped since. */
  int openWatches() {
    return openWatches.size();
  }

  /**
   * Closes every open watch, as an API server restart or a dropped connection does; clients resume.
   * From its return no event reaches a client over a dropped watch.
   */
  void dropWatches() {
    for (var webSocket : List.copyOf(openWatches)) {
      webSocket.close(1001, "going away");
      openWatches.remove(webSocket);
    }
  }
}

package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Kubernetes' OwnerReferencesPermissionEnforcement admission (on in OpenShift and many hardened
 * clusters): whoever changes an object's owner references must be allowed to delete the object,
 * and whoever sets {@code blockOwnerDeletion} on a reference must be allowed to update the owner's
 * {@code finalizers} subresource. Creating an object with owner references needs only the latter.
 */
final class OwnerReferencesAdmission {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WRITES = Set.of("create", "update", "patch");
  private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private record OwnerReference(String apiVersion, String kind, String name, String uid, boolean controller, boolean blocksDeletion) {}

  private final KubernetesCrudDispatcher store;

  OwnerReferencesAdmission(KubernetesCrudDispatcher store) {
    this.store = store;
  }

  /** Empty when admitted; otherwise why not, as Kubernetes words it after "is forbidden: ". */
  Optional<String> refusal(ApiRequest request, String body, String contentType, Function<ApiRequest, RbacAuthorizer.Decision> authorize) {
    if (!request.resourceRequest() || !request.subresource().isEmpty() || !WRITES.contains(request.verb())) {
      return Optional.empty();
    }
    Optional<JsonNode> old = request.verb().equals("create") ? Optional.empty() : current(request.path());
    var written = written(request, body, contentType, old);
    if (written.isEmpty()) {
      return Optional.empty();
    }
    var references = references(written.get());
    var oldReferences = old.map(OwnerReferencesAdmission::references).orElse(List.of());
    if (old.isEmpty() ? references.isEmpty() : references.equals(oldReferences)) {
      return Optional.empty();
    }
    if (old.isPresent()) {
      var delete = authorize.apply(request.withVerb("delete"));
      if (!delete.allowed()) {
        return Optional.of("cannot set an ownerRef on a resource you can't delete: " + delete.reason() + ", <nil>");
      }
    }
    for (var reference : references) {
      boolean alreadyBlocking = oldReferences.stream().anyMatch(o -> o.uid().equals(reference.uid()) && o.blocksDeletion());
      if (reference.blocksDeletion() && !alreadyBlocking) {
        var finalizers = authorize.apply(finalizersOf(reference, request.namespace()));
        if (!finalizers.allowed()) {
          return Optional.of("cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: "
              + finalizers.reason() + ", <nil>");
        }
      }
    }
    return Optional.empty();
  }

  /** The object as the request would leave it; empty for patch types the sandbox refuses anyway (415). */
  private static Optional<JsonNode> written(ApiRequest request, String body, String contentType, Optional<JsonNode> old) {
    if (!request.verb().equals("patch")) {
      return Optional.of(read(body));
    }
    if (old.isEmpty()) {
      return Optional.empty();
    }
    if (contentType.startsWith("application/merge-patch+json")) {
      return Optional.of(ApiServerDispatcher.mergePatch(old.get().deepCopy(), read(body)));
    }
    if (contentType.startsWith("application/json-patch+json")) {
      return Optional.of(JsonPatch.apply(read(body), old.get()));
    }
    return Optional.empty();
  }

  /** What setting blockOwnerDeletion on {@code reference} is authorized as: an update of the owner's finalizers. */
  private ApiRequest finalizersOf(OwnerReference reference, String namespace) {
    int slash = reference.apiVersion().indexOf('/');
    String group = slash < 0 ? "" : reference.apiVersion().substring(0, slash);
    String version = reference.apiVersion().substring(slash + 1);
    return new ApiRequest(true, "update", group, version, plural(group, reference.kind()), "finalizers", namespace, reference.name(), "");
  }

  /** A custom resource's plural from its CRD; the built-in kinds that own objects are all regular plurals (Pod, Job, StatefulSet). */
  private String plural(String group, String kind) {
    var crds = current(CRDS).map(list -> list.path("items")).orElse(JSON.createArrayNode());
    for (var crd : crds) {
      if (crd.at("/spec/group").asText().equals(group) && crd.at("/spec/names/kind").asText().equals(kind)) {
        return crd.at("/spec/names/plural").asText();
      }
    }
    return kind.toLowerCase(Locale.ROOT) + "s";
  }

  private static List<OwnerReference> references(JsonNode object) {
    var references = new ArrayList<OwnerReference>();
    object.at("/metadata/ownerReferences").forEach(ref -> references.add(new OwnerReference(ref.path("apiVersion").asText(),
        ref.path("kind").asText(), ref.path("name").asText(), ref.path("uid").asText(), ref.path("controller").asBoolean(false),
        ref.path("blockOwnerDeletion").asBoolean(false))));
    return references;
  }

  private Optional<JsonNode> current(String path) {
    var response = store.handleGet(path);
    return response.code() == 200 ? Optional.of(read(response.getBody().readUtf8())) : Optional.empty();
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

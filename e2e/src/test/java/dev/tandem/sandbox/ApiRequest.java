package dev.tandem.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an API server authorizes a request as, read from its method and URL the way Kubernetes'
 * RequestInfoFactory reads it: a GET with a name is {@code get}, without one {@code list}, or
 * {@code watch} with {@code ?watch=true}; a DELETE without a name is {@code deletecollection};
 * {@code /namespaces/<ns>/pods/<name>/log} is resource {@code pods}, subresource {@code log}; a
 * {@code metadata.name} field selector names the object. Paths outside /api and /apis (and the
 * discovery documents under them) are non-resource requests.
 *
 * @param namespace empty for a cluster-scoped object, or a request across all namespaces
 */
record ApiRequest(boolean resourceRequest, String verb, String group, String version, String resource, String subresource,
    String namespace, String name, String path) {

  /** Subresources of a namespace itself, not resources in it: {@code /api/v1/namespaces/<ns>/status}. */
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  static ApiRequest of(String method, String pathAndQuery) {
    int question = pathAndQuery.indexOf('?');
    String path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
    String query = question < 0 ? "" : pathAndQuery.substring(question + 1);
    String nonResourceVerb = method.toLowerCase(Locale.ROOT);
    List<String> parts = Arrays.stream(path.split("/")).filter(part -> !part.isEmpty()).toList();
    if (parts.size() < 3 || !(parts.get(0).equals("api") || parts.get(0).equals("apis"))) {
      return new ApiRequest(false, nonResourceVerb, "", "", "", "", "", "", path);
    }
    String group = "";
    List<String> rest = parts.subList(1, parts.size());
    if (parts.get(0).equals("apis")) {
      if (rest.size() < 3) {
        return new ApiRequest(false, nonResourceVerb, "", "", "", "", "", "", path);
      }
      group = rest.get(0);
      rest = rest.subList(1, rest.size());
    }
    String version = rest.get(0);
    rest = rest.subList(1, rest.size());
    String namespace = "";
    if (rest.get(0).equals("namespaces") && rest.size() > 1) {
      namespace = rest.get(1);
      if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
        rest = rest.subList(2, rest.size());
      }
    }
    String resource = rest.get(0);
    String name = rest.size() >= 2 ? rest.get(1) : "";
    String subresource = rest.size() >= 3 ? rest.get(2) : "";
    String verb = switch (method.toUpperCase(Locale.ROOT)) {
      case "POST" -> "create";
      case "GET", "HEAD" -> "get";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> "";
    };
    if (name.isEmpty() && verb.equals("get")) {
      verb = parameter(query, "watch").filter(watch -> watch.equals("true") || watch.equals("1")).isPresent() ? "watch" : "list";
      name = parameter(query, "fieldSelector").flatMap(ApiRequest::exactName).orElse("");
    }
    if (name.isEmpty() && verb.equals("delete")) {
      verb = "deletecollection";
    }
    return new ApiRequest(true, verb, group, version, resource, subresource, namespace, name, path);
  }

  /** {@code pods/log}, or {@code pods} when there is no subresource: what a rule's resources name. */
  String resourceAndSubresource() {
    return subresource.isEmpty() ? resource : resource + "/" + subresource;
  }

  ApiRequest withVerb(String otherVerb) {
    return new ApiRequest(resourceRequest, otherVerb, group, version, resource, subresource, namespace, name, path);
  }

  /** A list or watch of one object by {@code fieldSelector=metadata.name=x} is authorized for that name. */
  private static Optional<String> exactName(String selector) {
    for (String requirement : selector.split(",")) {
      for (String prefix : List.of("metadata.name==", "metadata.name=")) {
        if (requirement.startsWith(prefix)) {
          return Optional.of(requirement.substring(prefix.length()));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> parameter(String query, String key) {
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equals(key)) {
        return Optional.of(URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }
}

package dev.tandem.sandbox;

import dev.tandem.replication.Endpoint;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * kube-proxy's part: a Service resolves, through its selector, to the ready Pods behind it, at
 * the target port, exactly where traffic to the Service would go. A client asks again at each
 * reconnect, so when the operator moves the role label, writes follow.
 */
public final class ServiceProxy {

  private final KubernetesClient client;
  private int connections;

  public ServiceProxy(KubernetesClient client) {
    this.client = client;
  }

  /** The ready endpoints of a Service, by Pod name; empty when it selects no ready Pod. */
  public List<Endpoint> endpoints(String namespace, String service) {
    var definition = client.services().inNamespace(namespace).withName(service).get();
    if (definition == null) {
      throw new IllegalArgumentException("no Service " + namespace + "/" + service);
    }
    Map<String, String> selector = Optional.ofNullable(definition.getSpec().getSelector()).orElse(Map.of());
    var port = definition.getSpec().getPorts().get(0);
    return client.pods().inNamespace(namespace).withLabels(selector).list().getItems().stream()
        .filter(ServiceProxy::ready)
        .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
        .map(pod -> new Endpoint(pod.getStatus().getPodIP(), targetPort(pod, port.getTargetPort(), port.getPort())))
        .toList();
  }

  /** Where one new connection to the Service goes: the ready endpoints in turn, as kube-proxy's IPVS round robin does. */
  public Optional<Endpoint> connectTo(String namespace, String service) {
    var endpoints = endpoints(namespace, service);
    return endpoints.isEmpty() ? Optional.empty() : Optional.of(endpoints.get(Math.floorMod(connections++, endpoints.size())));
  }

  private static boolean ready(Pod pod) {
    return Readiness.isPodReady(pod) && pod.getStatus().getPodIP() != null;
  }

  /** A named target port is looked up among the Pod's container ports, as kube-proxy does. */
  private static int targetPort(Pod pod, IntOrString target, int servicePort) {
    if (target == null) {
      return servicePort;
    }
    if (target.getIntVal() != null) {
      return target.getIntVal();
    }
    return pod.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
        .filter(p -> target.getStrVal().equals(p.getName())).findFirst()
        .map(p -> p.getContainerPort())
        .orElseThrow(() -> new IllegalStateException("Pod " + pod.getMetadata().getName() + " has no port named " + target.getStrVal()));
  }
}

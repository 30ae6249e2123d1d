package dev.tandem.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.function.Supplier;

/**
 * A status written with a PUT at the version last read, so a stale writer gets a 409 instead of
 * overwriting a newer status. A JSON merge patch of the status is not applied by every API server
 * stand-in (the Fabric8 mock accepts and drops it).
 */
public final class StatusUpdate {

  private StatusUpdate() {}

  /** Sends {@code status} for {@code current}; returns the object as written. */
  public static <S, T, R extends CustomResource<S, T>> R put(KubernetesClient client, R current, T status, Supplier<R> empty) {
    var update = empty.get();
    update.setMetadata(new ObjectMetaBuilder().withName(current.getMetadata().getName())
        .withNamespace(current.getMetadata().getNamespace()).withResourceVersion(current.getMetadata().getResourceVersion()).build());
    update.setSpec(current.getSpec());
    update.setStatus(status);
    return client.resource(update).updateStatus();
  }
}

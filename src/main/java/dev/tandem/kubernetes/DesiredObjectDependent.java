package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.GenericKubernetesResourceMatcher;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;

/**
 * A Kubernetes object Tandem owns, built by a pure function of the cluster.
 *
 * <p>Writes go through update, not server-side apply: SSA cannot run against the mock API
 * server, and the path production takes must be the one the tests take. Plain update has one
 * blind spot: the generic matcher ignores what the actual object has beyond the desired one
 * (so API-server defaults do not cause writes), which also hides a value removed from the
 * spec. The hash of the desired object, kept in an annotation, closes that gap.
 */
public abstract class DesiredObjectDependent<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, MySQLCluster> {

  public static final String DESIRED_HASH = "mysql.tandem.dev/desired-hash";
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  protected DesiredObjectDependent(Class<R> type) {
    super(type);
  }

  /** The object as Tandem wants it; no I/O. */
  protected abstract R build(MySQLCluster cluster);

  /** The object as Tandem wants it, when it depends on what the reconciler read this time. */
  protected R build(MySQLCluster cluster, Context<MySQLCluster> context) {
    return build(cluster);
  }

  @Override
  protected final R desired(MySQLCluster cluster, Context<MySQLCluster> context) {
    return withDesiredHash(build(cluster, context));
  }

  @Override
  public Matcher.Result<R> match(R actual, MySQLCluster cluster, Context<MySQLCluster> context) {
    // The desired object computed once for this reconcile, not built again for the comparison.
    R desired = getOrComputeDesired(context);
    String actualHash = actual.getMetadata().getAnnotations().get(DESIRED_HASH);
    boolean sameDesire = desired.getMetadata().getAnnotations().get(DESIRED_HASH).equals(actualHash);
    boolean noDrift = GenericKubernetesResourceMatcher.match(desired, actual, context).matched();
    return Matcher.Result.computed(sameDesire && noDrift, desired);
  }

  /** A controller reference: Tandem is the one manager, and deletion waits for dependents. */
  @Override
  protected void addReferenceHandlingMetadata(R desired, MySQLCluster cluster) {
    super.addReferenceHandlingMetadata(desired, cluster);
    desired.getMetadata().getOwnerReferences().stream()
        .filter(ref -> cluster.getMetadata().getUid().equals(ref.getUid()))
        .forEach(
            ref -> {
              ref.setController(true);
              ref.setBlockOwnerDeletion(true);
            });
  }

  static <R extends HasMetadata> R withDesiredHash(R object) {
    var annotations = new LinkedHashMap<>(object.getMetadata().getAnnotations());
    annotations.remove(DESIRED_HASH);
    object.getMetadata().setAnnotations(annotations);
    String hash = sha256(SERIALIZATION.asJson(object));
    object.getMetadata().getAnnotations().put(DESIRED_HASH, hash);
    return object;
  }

  static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

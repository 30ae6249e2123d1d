package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import dev.tandem.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;

/**
 * What a Job's database client (backup, seed) needs to reach the instances over TLS when the
 * cluster has it: the CA to verify them with, and nothing else of the Secret (not the key).
 * The scripts read TLS_AUTHORITIES and pass it to the flavor's client.
 */
public final class ClientTls {

  private static final String VOLUME = "tls-authorities";

  private ClientTls() {}

  public static void addTo(MySQLCluster cluster, Container container, List<Volume> volumes) {
    if (!cluster.getSpec().getTls().isEnabled()) {
      return;
    }
    container.getEnv().add(EnvVars.plain("TLS_AUTHORITIES", MyCnf.TLS_AUTHORITIES));
    container.getVolumeMounts().add(new VolumeMountBuilder().withName(VOLUME).withMountPath(MyCnf.TLS_DIR).withReadOnly(true).build());
    volumes.add(new VolumeBuilder().withName(VOLUME).withNewSecret().withSecretName(ClusterCertificates.servingSecret(cluster))
        .addNewItem().withKey(ServingCertificate.AUTHORITIES).withPath(ServingCertificate.AUTHORITIES).endItem()
        .endSecret().build());
  }
}

package dev.tandem.kubernetes;

import dev.tandem.api.MySQLBackupSpec.S3Storage;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * A container that runs the operator image's {@code s3} command (dev.tandem.objectstore): the
 * bucket and endpoint in its environment, the access key by reference to the user's Secret.
 */
public final class S3Transfer {

  /** How the operator image (src/main/docker/Dockerfile.jvm) runs its jar. */
  public static final List<String> COMMAND = List.of("java", "-jar", "/deployments/quarkus-run.jar", "s3");
  /** The setting that names the operator's own image (the Helm chart sets it to the image it runs). */
  public static final String OPERATOR_IMAGE_SETTING = "tandem.operator-image";
  public static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
  public static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

  private S3Transfer() {}

  /** {@code s3 <args...>} in a container named {@code name}; the caller adds its volume mounts. */
  public static Container container(String name, String operatorImage, S3Storage s3, List<String> args) {
    var command = new ArrayList<>(COMMAND);
    command.addAll(args);
    var env = new ArrayList<EnvVar>();
    env.add(EnvVars.plain("S3_BUCKET", s3.getBucket()));
    env.add(EnvVars.plain("S3_REGION", s3.getRegion()));
    env.add(EnvVars.plain("S3_FORCE_PATH_STYLE", Boolean.toString(s3.isForcePathStyle())));
    if (s3.getEndpoint() != null) {
      env.add(EnvVars.plain("S3_ENDPOINT", s3.getEndpoint()));
    }
    if (s3.getCredentialsSecret() != null) {
      env.add(secretKey(ACCESS_KEY_ID, s3.getCredentialsSecret()));
      env.add(secretKey(SECRET_ACCESS_KEY, s3.getCredentialsSecret()));
    }
    return new ContainerBuilder().withName(name).withImage(operatorImage).withCommand(command).withEnv(env).build();
  }

  /** The object key prefix of a backup: {@code [prefix/]<relative>}. */
  public static String key(S3Storage s3, String relative) {
    return s3.getPrefix() == null ? relative : s3.getPrefix() + "/" + relative;
  }

  private static EnvVar secretKey(String key, String secret) {
    return new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key)
        .endSecretKeyRef().endValueFrom().build();
  }
}

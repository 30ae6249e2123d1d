package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * The mysqld_exporter sidecar. Off by default: it costs a container in every instance's Pod and
 * serves only where a Prometheus scrapes it, and a cluster whose Secret predates it has no account
 * for it. Turning it on or off changes the Pods, which the operator rolls out instance by instance.
 */
public class ExporterSpec {

  /** The upstream image; its flags (0.15 and later) are the ones the sidecar is given. */
  public static final String DEFAULT_IMAGE = "prom/mysqld-exporter:v0.17.2";

  @JsonPropertyDescription(
      "Run mysqld_exporter next to mysqld, serving the server's metrics on the port named metrics (9104)."
          + " It connects as tandem_exporter, an account the credentials Secret's exporter-password must exist for.")
  @Default("false")
  private boolean enabled;

  @JsonPropertyDescription("The exporter's image: mysqld_exporter 0.15 or later (--mysqld.address and --mysqld.username)."
      + " Defaults to " + DEFAULT_IMAGE + ".")
  @Size(max = 512)
  private String image;

  @JsonPropertyDescription("CPU and memory of the exporter container.")
  private ResourceRequirements resources;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  @JsonIgnore
  public String effectiveImage() {
    return image == null || image.isBlank() ? DEFAULT_IMAGE : image;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }
}

package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "!has(self.version) || (self.flavor == 'MySQL'"
        + " ? self.version.matches('^8[.](0|4)([.][0-9]{1,3})?$')"
        + " : self.version.matches('^(10[.]11|11[.][0-9]{1,2})([.][0-9]{1,3})?$'))",
    message = "engine.version is not supported for this flavor: MySQL takes 8.0 or 8.4"
        + " (optionally with a patch level, e.g. 8.4.3), MariaDB takes 10.11 or 11.x")
public class EngineSpec {

  @JsonPropertyDescription("Server family: MySQL (8.4, 8.0) or MariaDB (10.11, 11.x).")
  @Default("MySQL")
  private Flavor flavor = Flavor.MySQL;

  @JsonPropertyDescription(
      "Server version, e.g. 8.4 or 10.11. Defaults to 8.4 for MySQL and 10.11 for MariaDB.")
  @Size(max = 16)
  private String version;

  @JsonPropertyDescription(
      "Container image. Defaults to the flavor's official image for the version"
          + " (mysql:<version> or mariadb:<version>).")
  @Size(max = 512)
  private String image;

  @JsonPropertyDescription("Image pull policy: Always, IfNotPresent or Never.")
  private ImagePullPolicy imagePullPolicy;

  public enum ImagePullPolicy {
    Always,
    IfNotPresent,
    Never
  }

  public Flavor getFlavor() {
    return flavor;
  }

  public void setFlavor(Flavor flavor) {
    this.flavor = flavor;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public ImagePullPolicy getImagePullPolicy() {
    return imagePullPolicy;
  }

  public void setImagePullPolicy(ImagePullPolicy imagePullPolicy) {
    this.imagePullPolicy = imagePullPolicy;
  }

  @JsonIgnore
  public String effectiveVersion() {
    return version != null ? version : flavor.defaultVersion();
  }

  @JsonIgnore
  public String effectiveImage() {
    return image != null ? image : flavor.imageFor(effectiveVersion());
  }
}

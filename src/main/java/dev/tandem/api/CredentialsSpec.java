package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

public class CredentialsSpec {

  @JsonPropertyDescription(
      "A Secret in the cluster's namespace holding the keys root-password, replication-password,"
          + " operator-password and backup-password. When absent, Tandem generates <name>-credentials once and"
          + " never rewrites it.")
  @Size(max = 253)
  private String secretName;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }
}

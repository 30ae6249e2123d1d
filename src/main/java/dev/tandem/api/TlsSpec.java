package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "!has(self.secretName) || self.enabled",
    message = "tls.secretName is set but tls.enabled is false: set tls.enabled: true to use the certificate")
@ValidationRule(
    value = "!self.requireSecureTransport || self.enabled",
    message = "tls.requireSecureTransport needs tls.enabled: true (a server without a certificate cannot refuse plaintext)")
public class TlsSpec {

  @JsonPropertyDescription(
      "When true, every instance serves TLS to clients, replicas connect to their source over TLS and"
          + " verify its certificate against the CA, and so does the operator. Turning it on or off"
          + " rolls the instances, at the cost of one switchover at most.")
  @Default("false")
  private boolean enabled;

  @JsonPropertyDescription(
      "A Secret in the cluster's namespace with tls.crt, tls.key and ca.crt, the layout cert-manager"
          + " writes: a cert-manager Certificate works unchanged. The certificate should name the"
          + " writer and reader Services. A renewed Secret is reloaded in place, without a restart."
          + " When unset, Tandem generates a CA for the cluster (Secret <name>-ca) and the instances'"
          + " certificate (Secret <name>-tls), and renews both before they expire.")
  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  private String secretName;

  @JsonPropertyDescription(
      "When true, the instances refuse clients that connect over TCP without TLS"
          + " (require_secure_transport). Local socket connections are not affected.")
  @Default("false")
  private boolean requireSecureTransport;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public boolean isRequireSecureTransport() {
    return requireSecureTransport;
  }

  public void setRequireSecureTransport(boolean requireSecureTransport) {
    this.requireSecureTransport = requireSecureTransport;
  }
}

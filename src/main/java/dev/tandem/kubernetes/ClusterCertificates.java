package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import dev.tandem.tls.CertificateAuthority;
import dev.tandem.tls.Pem;
import dev.tandem.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The certificates Tandem generates for a cluster without spec.tls.secretName: a CA of its own
 * (Secret {@code <name>-ca}, read by nobody but the operator) and the instances' certificate
 * (Secret {@code <name>-tls}, mounted by every instance), renewed before they expire.
 *
 * <p>A new CA is trusted before it signs anything: it joins the bundle in ca.crt first, and
 * signs the instances' certificate only {@link #NEW_CA_SETTLE} later, once every kubelet has
 * written the bundle into its Pods. A replica that still trusts only the old CA would otherwise
 * refuse a source that already serves a certificate of the new one. The old CA stays in the
 * bundle until it expires.
 */
public final class ClusterCertificates {

  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration SERVER_VALIDITY = Duration.ofDays(90);
  /** Longer than a kubelet takes to update a mounted Secret (its sync period plus its cache TTL, about 2 min). */
  static final Duration NEW_CA_SETTLE = Duration.ofMinutes(10);

  static final String CA_CERTIFICATE = "ca.crt";
  static final String CA_KEY = "ca.key";
  static final String NEXT_CA_CERTIFICATE = "next.crt";
  static final String NEXT_CA_KEY = "next.key";
  static final String PREVIOUS_CA_CERTIFICATE = "previous.crt";
  static final String NEXT_CA_PUBLISHED = "tandem.dev/next-ca-published-at";

  /** The two generated Secrets as they should be; an input returned unchanged when nothing is due. */
  public record Generated(Secret authority, Secret serving) {}

  private ClusterCertificates() {}

  public static String authoritySecret(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-ca";
  }

  public static String generatedServingSecret(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-tls";
  }

  /** The Secret the instances mount: the user's, or the one Tandem generates. */
  public static String servingSecret(MySQLCluster cluster) {
    var tls = cluster.getSpec().getTls();
    return tls.getSecretName() != null ? tls.getSecretName() : generatedServingSecret(cluster);
  }

  public static boolean generated(MySQLCluster cluster) {
    return cluster.getSpec().getTls().isEnabled() && cluster.getSpec().getTls().getSecretName() == null;
  }

  /** Every name a client may dial an instance by: the Services, each Pod's DNS name, and localhost. */
  static List<String> dnsNames(MySQLCluster cluster) {
    String namespace = cluster.getMetadata().getNamespace();
    var names = new ArrayList<String>();
    for (String service : List.of(ClusterNames.writerService(cluster), ClusterNames.readerService(cluster),
        ClusterNames.mastersService(cluster), ClusterNames.headlessService(cluster))) {
      names.add(service);
      names.add(service + "." + namespace);
      names.add(service + "." + namespace + ".svc");
      names.add(service + "." + namespace + ".svc.cluster.local");
    }
    names.add("*." + ClusterNames.headlessService(cluster) + "." + namespace + ".svc");
    names.add("*." + ClusterNames.headlessService(cluster) + "." + namespace + ".svc.cluster.local");
    names.add("localhost");
    return names;
  }

  /**
   * The CA and serving Secrets as they should be at {@code now}, from the ones that exist: what is
   * missing is created, what is due is renewed, and anything else is returned as it was.
   */
  public static Generated desired(MySQLCluster cluster, Optional<Secret> authority, Optional<Secret> serving, Instant now) {
    var authorityData = new LinkedHashMap<>(authority.map(ClusterCertificates::decoded).orElse(Map.of()));
    var annotations = new LinkedHashMap<String, String>(authority.map(secret -> secret.getMetadata().getAnnotations())
        .orElse(Map.of()));
    var signing = parseAuthority(authorityData.get(CA_CERTIFICATE), authorityData.get(CA_KEY));
    if (signing.isEmpty()) {
      var created = CertificateAuthority.create(cluster.getMetadata().getName() + "." + cluster.getMetadata().getNamespace() + " CA",
          now, CA_VALIDITY);
      authorityData.clear();
      annotations.remove(NEXT_CA_PUBLISHED);
      put(authorityData, CA_CERTIFICATE, CA_KEY, created);
      signing = Optional.of(created);
    }
    var next = parseAuthority(authorityData.get(NEXT_CA_CERTIFICATE), authorityData.get(NEXT_CA_KEY));
    if (next.isEmpty() && ServingCertificate.dueForRenewal(signing.get().certificate(), now)) {
      var created = CertificateAuthority.create(cluster.getMetadata().getName() + "." + cluster.getMetadata().getNamespace() + " CA",
          now, CA_VALIDITY);
      put(authorityData, NEXT_CA_CERTIFICATE, NEXT_CA_KEY, created);
      annotations.put(NEXT_CA_PUBLISHED, now.toString());
      next = Optional.of(created);
    }
    if (next.isPresent() && publishedAt(annotations).isEmpty()) {
      // Lost or mangled by hand: the settling time counts again from now rather than never ending.
      annotations.put(NEXT_CA_PUBLISHED, now.toString());
    }
    var published = publishedAt(annotations).orElse(now);
    if (next.isPresent() && !now.isBefore(published.plus(NEW_CA_SETTLE))) {
      authorityData.put(PREVIOUS_CA_CERTIFICATE, authorityData.get(CA_CERTIFICATE));
      put(authorityData, CA_CERTIFICATE, CA_KEY, next.get());
      authorityData.remove(NEXT_CA_CERTIFICATE);
      authorityData.remove(NEXT_CA_KEY);
      annotations.remove(NEXT_CA_PUBLISHED);
      signing = next;
      next = Optional.empty();
    }
    var trusted = new ArrayList<X509Certificate>();
    trusted.add(signing.get().certificate());
    next.ifPresent(ca -> trusted.add(ca.certificate()));
    Optional.ofNullable(authorityData.get(PREVIOUS_CA_CERTIFICATE)).map(Pem::certificates).orElse(List.of()).stream()
        .filter(previous -> previous.getNotAfter().toInstant().isAfter(now)).findFirst()
        .ifPresentOrElse(trusted::add, () -> authorityData.remove(PREVIOUS_CA_CERTIFICATE));
    String bundle = Pem.of(trusted);

    var servingData = new LinkedHashMap<>(serving.map(ClusterCertificates::decoded).orElse(Map.of()));
    if (reissue(servingData, signing.get(), now)) {
      var issued = signing.get().issue(cluster.getMetadata().getName() + "." + cluster.getMetadata().getNamespace(),
          dnsNames(cluster), List.of("127.0.0.1"), now, SERVER_VALIDITY);
      servingData.put(ServingCertificate.CERTIFICATE, issued.certificatePem());
      servingData.put(ServingCertificate.KEY, issued.keyPem());
    }
    servingData.put(ServingCertificate.AUTHORITIES, bundle);
    return new Generated(
        secret(cluster, authority, authoritySecret(cluster), authorityData, annotations),
        secret(cluster, serving, generatedServingSecret(cluster), servingData,
            serving.map(secret -> secret.getMetadata().getAnnotations()).orElse(Map.of())));
  }

  private static Optional<Instant> publishedAt(Map<String, String> annotations) {
    try {
      return Optional.ofNullable(annotations.get(NEXT_CA_PUBLISHED)).map(Instant::parse);
    } catch (DateTimeParseException mangled) {
      return Optional.empty();
    }
  }

  /**
   * The CAs in the Secret's ca.crt, also when its certificate or key has a problem: they still
   * tell the operator whom to trust. Empty when there is none that parses.
   */
  public static List<X509Certificate> authorities(Secret secret) {
    try {
      return Pem.certificates(decoded(secret).getOrDefault(ServingCertificate.AUTHORITIES, ""));
    } catch (RuntimeException unreadable) {
      return List.of();
    }
  }

  /** Why the instances could not serve what this Secret holds, if so. */
  public static Optional<String> problem(Secret secret, Instant now) {
    var missing = CredentialsSecret.missingKeys(secret,
        List.of(ServingCertificate.CERTIFICATE, ServingCertificate.KEY, ServingCertificate.AUTHORITIES));
    if (!missing.isEmpty()) {
      return Optional.of("lacks the key(s) " + String.join(", ", missing));
    }
    try {
      return serving(secret).problem(now);
    } catch (IllegalArgumentException unreadable) {
      return Optional.of(unreadable.getMessage());
    }
  }

  /** What the Secret holds, parsed; IllegalArgumentException when it is not PEM. */
  public static ServingCertificate serving(Secret secret) {
    var data = decoded(secret);
    return ServingCertificate.parse(data.getOrDefault(ServingCertificate.CERTIFICATE, ""),
        data.getOrDefault(ServingCertificate.KEY, ""), data.getOrDefault(ServingCertificate.AUTHORITIES, ""));
  }

  /**
   * Creates or renews the generated Secrets as {@link #desired} says, and returns the serving one.
   * Written only when they change, so the instances see a new certificate only when there is one.
   */
  public static Secret apply(KubernetesClient client, MySQLCluster cluster, Instant now) {
    var secrets = client.secrets().inNamespace(cluster.getMetadata().getNamespace());
    var authority = Optional.ofNullable(secrets.withName(authoritySecret(cluster)).get());
    var serving = Optional.ofNullable(secrets.withName(generatedServingSecret(cluster)).get());
    var generated = desired(cluster, authority, serving, now);
    write(client, authority, generated.authority());
    return write(client, serving, generated.serving());
  }

  private static Secret write(KubernetesClient client, Optional<Secret> existing, Secret wanted) {
    if (existing.isEmpty()) {
      return client.resource(wanted).create();
    }
    if (decoded(existing.get()).equals(decoded(wanted))
        && java.util.Objects.equals(existing.get().getMetadata().getAnnotations(), wanted.getMetadata().getAnnotations())) {
      return existing.get();
    }
    // Replaced at the version read: a concurrent writer makes this fail, and the next pass reads again.
    return client.resource(wanted).update();
  }

  /** Missing, unreadable, due, or not signed by the CA that signs now. */
  private static boolean reissue(Map<String, String> servingData, CertificateAuthority signing, Instant now) {
    try {
      var current = ServingCertificate.parse(servingData.get(ServingCertificate.CERTIFICATE),
          servingData.get(ServingCertificate.KEY), Pem.of(signing.certificate()));
      return current.problem(now).isPresent() || ServingCertificate.dueForRenewal(current.leaf(), now);
    } catch (RuntimeException unreadable) {
      return true;
    }
  }

  private static Optional<CertificateAuthority> parseAuthority(String certificatePem, String keyPem) {
    if (certificatePem == null || keyPem == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CertificateAuthority.of(certificatePem, keyPem));
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  private static void put(Map<String, String> data, String certificateKey, String keyKey, CertificateAuthority authority) {
    data.put(certificateKey, Pem.of(authority.certificate()));
    data.put(keyKey, Pem.of(authority.key()));
  }

  static Map<String, String> decoded(Secret secret) {
    var data = new LinkedHashMap<String, String>();
    Optional.ofNullable(secret.getData()).orElse(Map.of())
        .forEach((key, value) -> data.put(key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
    Optional.ofNullable(secret.getStringData()).orElse(Map.of()).forEach(data::put);
    return data;
  }

  /** The existing Secret with new data, or a new one owned by the cluster: certificates are worth nothing without it. */
  private static Secret secret(MySQLCluster cluster, Optional<Secret> existing, String name, Map<String, String> data,
      Map<String, String> annotations) {
    var encoded = new LinkedHashMap<String, String>();
    data.forEach((key, value) -> encoded.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    if (existing.isPresent()) {
      var secret = new SecretBuilder(existing.get()).withData(encoded).withStringData(null).build();
      secret.getMetadata().setAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations));
      return secret;
    }
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(ClusterLabels.common(cluster))
        .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations))
        .withOwnerReferences(ClusterLabels.controllerReference(cluster))
        .endMetadata()
        .withType("Opaque")
        .withData(encoded)
        .build();
  }
}

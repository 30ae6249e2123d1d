package dev.tandem.failover;

import java.util.Locale;

/**
 * How the operator reaches each instance's mysqld. Inside the cluster it dials the Pod IP, as
 * the instances do among themselves. Run outside the cluster (on a laptop, in the K3s suite),
 * Pod IPs are not routable, so it goes through a port-forward of the API server to each Pod.
 */
enum InstanceAccess {
  POD_IP,
  PORT_FORWARD;

  static final String SETTING = "tandem.instance-access";

  /** The access the setting names for this process. */
  static InstanceAccess configured(String setting) {
    return of(setting, System.getenv("KUBERNETES_SERVICE_HOST") != null);
  }

  /** {@code auto} picks by where the operator runs: a Pod has KUBERNETES_SERVICE_HOST set. */
  static InstanceAccess of(String setting, boolean inCluster) {
    return switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "auto" -> inCluster ? POD_IP : PORT_FORWARD;
      case "pod-ip" -> POD_IP;
      case "port-forward" -> PORT_FORWARD;
      default -> throw new IllegalArgumentException(
          SETTING + " is '" + setting + "'; expected auto, pod-ip or port-forward");
    };
  }
}

package dev.tandem.sandbox;

import dev.tandem.testing.Commands;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A CNI stand-in: every Pod gets a Linux network namespace of its own and an address on a bridge
 * in the host namespace (10.244.0.0/24, the bridge at .1), so each Pod is a host with mysqld on
 * port 3306, as in a cluster. Network faults drop packets silently, as a real partition does.
 *
 * <p>Everything it creates carries its prefix, so a start-up sweep removes what an earlier,
 * killed run left behind. Without root it cannot make namespaces: it says so and reports
 * {@link #isolated()} false, and fault injection then fails with that reason.
 */
public final class PodNetwork implements AutoCloseable {

  static final String PREFIX = "tdm";
  static final String BRIDGE = PREFIX + "-br0";
  static final String SUBNET = "10.244.0";
  static final String GATEWAY = SUBNET + ".1";
  /**
   * The bridge's own MAC address, fixed (locally administered). Left to the kernel, a bridge
   * takes the lowest MAC of its ports, so it changes whenever a Pod comes or goes; every Pod that
   * cached the old one then reaches nothing on the host (the API server among it) until its ARP
   * entry expires, 15 to 45 s later.
   */
  static final String BRIDGE_MAC = "02:74:64:6d:00:01";

  private final boolean isolated;
  private final Map<String, Attachment> pods = new LinkedHashMap<>();
  private static final int FIRST_HOST = 10;
  private static final int LAST_HOST = 254;
  private int nextHost = FIRST_HOST;
  /**
   * Host numbers of deleted Pods, oldest first: reused, as a CNI reuses addresses, once the
   * never-used ones run out (a run of every scenario creates more Pods than a /24 holds).
   */
  private final ArrayDeque<Integer> released = new ArrayDeque<>();

  /** One Pod's place on the network. */
  public record Attachment(String pod, String ip, String namespace, String hostVeth) {}

  private PodNetwork(boolean isolated) {
    this.isolated = isolated;
  }

  /** Sweeps leftovers of an earlier run, then creates the bridge. */
  public static PodNetwork create() {
    if (!"root".equals(System.getProperty("user.name"))) {
      System.out.println("sandbox: not root, so Pods share the host network on 127.0.0.N addresses;"
          + " network faults are unavailable");
      return onLoopback();
    }
    sweep();
    Commands.run("ip", "link", "add", BRIDGE, "type", "bridge");
    Commands.run("ip", "link", "set", BRIDGE, "address", BRIDGE_MAC);
    Commands.run("ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE);
    Commands.run("ip", "link", "set", BRIDGE, "up");
    return new PodNetwork(true);
  }

  /** Pods on the host's network, at 127.0.0.N: where namespaces cannot be made. */
  static PodNetwork onLoopback() {
    return new PodNetwork(false);
  }

  public boolean isolated() {
    return isolated;
  }

  /** Gives a Pod its network: a namespace with eth0 and an address of its own. */
  public synchronized Attachment attach(String pod) {
    var existing = pods.get(pod);
    if (existing != null) {
      return existing;
    }
    int host = nextHost <= LAST_HOST ? nextHost++ : Optional.ofNullable(released.poll()).orElseThrow(() ->
        new IllegalStateException("the Pod network " + SUBNET + ".0/24 is full: " + pods.size() + " Pods attached"));
    if (!isolated) {
      var attachment = new Attachment(pod, "127.0.0." + host, "", "");
      pods.put(pod, attachment);
      return attachment;
    }
    String namespace = PREFIX + "-" + pod;
    String veth = PREFIX + "v" + host;
    String ip = SUBNET + "." + host;
    var attachment = new Attachment(pod, ip, namespace, veth);
    // Registered first: should a step below fail, detach still removes what the others made.
    pods.put(pod, attachment);
    Commands.run("ip", "netns", "add", namespace);
    Commands.run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace);
    Commands.run("ip", "link", "set", veth, "master", BRIDGE, "up");
    Commands.run("ip", "-n", namespace, "addr", "add", ip + "/24", "dev", "eth0");
    Commands.run("ip", "-n", namespace, "link", "set", "eth0", "up");
    Commands.run("ip", "-n", namespace, "link", "set", "lo", "up");
    return attachment;
  }

  public synchronized void detach(String pod) {
    var attachment = pods.remove(pod);
    if (attachment == null) {
      return;
    }
    if (isolated) {
      // Already gone when the whole network was swept first.
      Commands.tryRun("ip", "netns", "del", attachment.namespace());
    }
    released.add(Integer.parseInt(attachment.ip().substring(attachment.ip().lastIndexOf('.') + 1)));
  }

  /** The command, run inside the Pod's network. {@code ip netns exec} execs: the PID is the command's. */
  public List<String> inPod(String pod, List<String> command) {
    var attachment = attachment(pod);
    if (!isolated) {
      return command;
    }
    var wrapped = new ArrayList<>(List.of("ip", "netns", "exec", attachment.namespace()));
    wrapped.addAll(command);
    return wrapped;
  }

  public synchronized Attachment attachment(String pod) {
    var attachment = pods.get(pod);
    if (attachment == null) {
      throw new IllegalArgumentException("Pod " + pod + " has no network");
    }
    return attachment;
  }

  /** Cuts the Pod off from everyone: its veth leaves the bridge, packets go nowhere. */
  public synchronized void cutOff(String pod) {
    Commands.run("ip", "link", "set", requireIsolated(pod).hostVeth(), "nomaster");
  }

  /** Drops, silently and both ways, the Pod's traffic with these peer addresses only. */
  public synchronized void cut(String pod, List<String> peerIps) {
    var attachment = requireIsolated(pod);
    for (String peer : peerIps) {
      Commands.run("ip", "netns", "exec", attachment.namespace(), "iptables", "-I", "INPUT", "-s", peer, "-j", "DROP");
      Commands.run("ip", "netns", "exec", attachment.namespace(), "iptables", "-I", "OUTPUT", "-d", peer, "-j", "DROP");
    }
  }

  /**
   * Undoes every cut of this Pod. Faults hold the lock {@link #detach} takes, so a Pod being
   * deleted is either still attached, its netns there, or gone (IllegalArgumentException): a heal
   * never runs against a netns removed halfway (seen in make bench: "Cannot open network namespace").
   */
  public synchronized void heal(String pod) {
    var attachment = requireIsolated(pod);
    Commands.run("ip", "link", "set", attachment.hostVeth(), "master", BRIDGE);
    Commands.run("ip", "netns", "exec", attachment.namespace(), "iptables", "-F", "INPUT");
    Commands.run("ip", "netns", "exec", attachment.namespace(), "iptables", "-F", "OUTPUT");
  }

  private Attachment requireIsolated(String pod) {
    if (!isolated) {
      throw new UnsupportedOperationException("network faults need Pods in network namespaces, which need root;"
          + " this sandbox runs Pods on loopback addresses");
    }
    return attachment(pod);
  }

  @Override
  public synchronized void close() {
    if (isolated) {
      sweep();
    }
    pods.clear();
  }

  /** Removes every namespace and link with the sandbox's prefix. */
  static void sweep() {
    for (String namespace : Commands.tryRun("ip", "netns", "list").orElse("").lines().map(line -> line.split(" ")[0]).toList()) {
      if (namespace.startsWith(PREFIX + "-")) {
        Commands.tryRun("ip", "netns", "del", namespace);
      }
    }
    // A namespace's veth goes a moment after the namespace: a failed delete means it is gone.
    for (String link : Commands.tryRun("ip", "-o", "link", "show").orElse("").lines().filter(line -> line.contains(": "))
        .map(line -> line.split(": ")[1].split("@")[0]).toList()) {
      if (link.startsWith(PREFIX)) {
        Commands.tryRun("ip", "link", "del", link);
      }
    }
  }
}

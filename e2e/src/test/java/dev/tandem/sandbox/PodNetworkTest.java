package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.tandem.testing.Commands;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each kind of cut drops exactly the traffic it names, silently, and heals. A port nobody
 * listens on tells reachable (refused at once) from cut off (no answer until the timeout).
 */
class PodNetworkTest {

  PodNetwork network;

  @BeforeEach
  void createNetwork() {
    assumeThat(System.getProperty("user.name")).as("Pod networks need root (ip netns); this run is not root").isEqualTo("root");
    network = PodNetwork.create();
  }

  @AfterEach
  void removeNetwork() {
    if (network != null) {
      network.close();
    }
  }

  /** "refused", "silent" (no answer within the timeout) or another error. */
  static String probeFromHost(String ip) {
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(ip, 3306), 700);
      return "connected";
    } catch (ConnectException refused) {
      return "refused";
    } catch (SocketTimeoutException silent) {
      return "silent";
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  String probeFromPod(String pod, String ip) throws Exception {
    var process = new ProcessBuilder(network.inPod(pod, List.of("timeout", "0.7", "bash", "-c", "exec 3<>/dev/tcp/" + ip + "/3306")))
        .redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return switch (process.exitValue()) {
      case 124 -> "silent";
      case 1 -> "refused";
      default -> "exit " + process.exitValue();
    };
  }

  @Test
  void everyPodIsAHostOfItsOwnReachableFromTheHostAndFromOtherPods() throws Exception {
    var a = network.attach("shop-0");
    var b = network.attach("shop-1");

    assertThat(a.ip()).startsWith("10.244.0.").isNotEqualTo(b.ip());
    assertThat(probeFromHost(a.ip())).isEqualTo("refused");
    assertThat(probeFromPod("shop-1", a.ip())).isEqualTo("refused");
  }

  @Test
  void aFullCutDropsEverythingSilentlyAndHeals() throws Exception {
    var a = network.attach("shop-0");
    var b = network.attach("shop-1");

    network.cutOff("shop-0");
    assertThat(probeFromHost(a.ip())).isEqualTo("silent");
    assertThat(probeFromPod("shop-1", a.ip())).isEqualTo("silent");
    assertThat(probeFromHost(b.ip())).as("the others are untouched").isEqualTo("refused");

    network.heal("shop-0");
    assertThat(probeFromHost(a.ip())).isEqualTo("refused");
  }

  @Test
  void aCutFromChosenPeersDropsOnlyTheirTraffic() throws Exception {
    var a = network.attach("shop-0");
    var b = network.attach("shop-1");
    network.attach("shop-2");

    network.cut("shop-0", List.of(b.ip()));

    assertThat(probeFromPod("shop-1", a.ip())).isEqualTo("silent");
    assertThat(probeFromPod("shop-0", b.ip())).isEqualTo("silent");
    assertThat(probeFromPod("shop-2", a.ip())).isEqualTo("refused");
    assertThat(probeFromHost(a.ip())).isEqualTo("refused");
    network.heal("shop-0");
    assertThat(probeFromPod("shop-1", a.ip())).isEqualTo("refused");
  }

  @Test
  void aPodStillReachesTheHostAfterThePodWithTheLowestMacLeaves() throws Exception {
    network.attach("shop-0");
    var lowest = network.attach("shop-1");
    // A bridge left to the kernel takes the lowest MAC among its ports: shop-1's, from here on.
    Commands.run("ip", "link", "set", lowest.hostVeth(), "address", "00:00:00:00:00:01");
    assertThat(probeFromPod("shop-0", PodNetwork.GATEWAY)).as("shop-0 reaches the host, and caches its MAC").isEqualTo("refused");

    network.detach("shop-1");

    assertThat(probeFromPod("shop-0", PodNetwork.GATEWAY)).as("shop-0 reaches the host at the MAC it cached").isEqualTo("refused");
  }

  @Test
  void closingRemovesEveryNamespaceAndLink() throws Exception {
    network.attach("shop-0");
    network.close();

    var namespaces = new String(new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes());
    var links = new String(new ProcessBuilder("ip", "-o", "link", "show").start().getInputStream().readAllBytes());
    assertThat(namespaces).doesNotContain(PodNetwork.PREFIX + "-");
    assertThat(links).doesNotContain(PodNetwork.BRIDGE);
  }
}

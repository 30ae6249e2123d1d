package dev.tandem.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * {@code make sandbox}: the sandbox and the packaged operator, as {@code make demo} starts them,
 * left running for kubectl until SIGINT (Ctrl-C) or SIGTERM, then torn down: the operator, every Pod's
 * mariadbd, the Pod networks and the bridge. It prints the {@code export KUBECONFIG=} line that
 * points kubectl at it. MySQLClusters of flavor MySQL are refused, saying why: the kubelet runs
 * the host's mariadbd for every image.
 *
 * <p>Argument: the sandbox's directory (default target/sandbox), emptied at start.
 */
public final class Playground {

  /** Starts the line that points kubectl at the sandbox, printed once it is up: tests wait for it. */
  static final String EXPORT = "export KUBECONFIG=";

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : "target/sandbox").toAbsolutePath();
    say("Starting the sandbox: API server, StatefulSet controller, kubelet, Pod network 10.244.0.0/24, and the operator");
    SandboxWithOperator running;
    try {
      running = SandboxWithOperator.start(root, Kubelet.DEFAULT_BACKOFF);
    } catch (Exception e) {
      System.err.println("the sandbox did not start: " + e);
      // The mock API server's Vert.x event loops are not daemons and would keep this JVM up.
      System.exit(2);
      return;
    }
    // Rendering the chart loaded helm-java's Go library, whose runtime took SIGINT and SIGTERM over
    // and swallows them: they are handled here again. The teardown runs before the JVM's shutdown,
    // whose logging hook would close the output that reports it.
    var stopping = new AtomicBoolean();
    for (String name : List.of("INT", "TERM")) {
      Signal.handle(new Signal(name), received -> {
        if (stopping.compareAndSet(false, true)) {
          say("Stopping: the operator, every Pod, the Pod networks");
          running.close();
          say("Stopped; nothing of the sandbox is left running");
          System.exit(128 + received.getNumber());
        }
      });
    }
    running.sandbox().api().refuseMySQLClusters();
    running.sandbox().api().createNamespace("default");
    say("Operator log: " + running.operator().log() + "; Pod volumes and logs under " + root);
    say("Ready. In another terminal:");
    System.out.println();
    System.out.println(EXPORT + running.kubeconfig());
    System.out.println();
    System.out.println("""
          kubectl apply -f manifests/examples/mariadb-master-replica.yaml
          watch kubectl get myc
          kubectl get pods
          kubectl logs catalog-0
          kubectl exec catalog-0 -- mariadb -uroot -p"$(kubectl get secret catalog-credentials -o jsonpath='{.data.root-password}' | base64 -d)" -e 'select @@hostname'
          kubectl port-forward pod/catalog-0 3307:3306   # then mariadb -h127.0.0.1 -P3307 -utandem_admin -p...
          kubectl delete pod catalog-0
        (only MariaDB runs here; kubectl get -w and exec -t are not served: see README.md, "A playground that stays up")
        Ctrl-C stops everything.""");
    System.out.flush();
    // Until SIGINT or SIGTERM: their handler ends the JVM.
    new CountDownLatch(1).await();
  }

  private static void say(String line) {
    System.out.println("==> " + line);
  }
}

package dev.tandem.sandbox;

import dev.tandem.testing.Commands;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The sandbox and the packaged operator running in it, as {@code make demo} and
 * {@code make sandbox} start them: a fresh root (what an earlier run left there is removed), an
 * admin kubeconfig for kubectl, and the operator installed with the chart's defaults. Closing
 * stops the operator first, so it acts on nothing while the Pods stop.
 */
public record SandboxWithOperator(Sandbox sandbox, OperatorProcess operator, Path kubeconfig) implements AutoCloseable {

  public static SandboxWithOperator start(Path root, Duration kubeletBackoff) throws IOException {
    Commands.run("rm", "-rf", root.toString());
    var sandbox = Sandbox.start(root, kubeletBackoff);
    try {
      Path kubeconfig = sandbox.api().writeKubeconfig(root.resolve("kubeconfig"));
      return new SandboxWithOperator(sandbox, OperatorProcess.start(sandbox), kubeconfig);
    } catch (IOException | RuntimeException e) {
      sandbox.close();
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      sandbox.close();
    }
  }
}

package dev.tandem;

import dev.tandem.objectstore.S3Command;
import dev.tandem.plugin.TandemPlugin;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;

/**
 * The operator; with {@code s3 ...} the backup storage command its Jobs run from the same image;
 * with {@code plugin ...} the kubectl plugin (kubectl-tandem). Neither command starts Quarkus: no
 * controller, no leader election, no port.
 */
@QuarkusMain
public final class TandemMain {

  private TandemMain() {}

  public static void main(String... args) {
    if (args.length > 0 && args[0].equals("s3")) {
      System.exit(S3Command.main(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("plugin")) {
      System.exit(TandemPlugin.main(Arrays.copyOfRange(args, 1, args.length)));
    }
    Quarkus.run(args);
  }
}

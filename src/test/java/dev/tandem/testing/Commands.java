package dev.tandem.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Host commands the test fixtures and the sandbox run (ip, iptables, cp, chown…), bounded in time. */
public final class Commands {

  private Commands() {}

  /** Runs the command and returns its output; a failure throws with the command and its output. */
  public static String run(String... command) {
    var result = attempt(command);
    if (result.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (exit " + result.exit() + "): " + result.output().strip());
    }
    return result.output();
  }

  public static String run(List<String> command) {
    return run(command.toArray(String[]::new));
  }

  /** The output, or empty when the command failed: for teardown, where "already gone" is fine. */
  public static Optional<String> tryRun(String... command) {
    var result = attempt(command);
    return result.exit() == 0 ? Optional.of(result.output()) : Optional.empty();
  }

  public static boolean onPath(String command) {
    return Arrays.stream(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }

  private record Result(int exit, String output) {}

  private static Result attempt(String... command) {
    try {
      var process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  /** SIGTERM, then SIGKILL once the grace period is over, as a kubelet stops a container. */
  public static void stop(Process process, java.time.Duration grace) {
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

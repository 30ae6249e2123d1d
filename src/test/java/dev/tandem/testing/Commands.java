package dev.tandem.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

  /** A command's exit status (-1 when it timed out or could not start) and its output, stdout and stderr together. */
  public record Result(int exit, String output) {}

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** SIGKILL is not refused, but a process in uninterruptible sleep dies only when its I/O ends. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(30);

  /**
   * Output goes to a file, not a pipe read before waiting: a command that hangs with its pipe open
   * would block the read forever and never reach the timeout.
   */
  public static Result attempt(String... command) {
    return attempt(TIMEOUT, command);
  }

  static Result attempt(Duration timeout, String... command) {
    Path output = null;
    try {
      output = Files.createTempFile("tandem-command-", ".out");
      var process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop(process, Duration.ZERO);
        return new Result(-1, "timed out after " + timeout.toMillis() + " ms: " + Files.readString(output).strip());
      }
      return new Result(process.exitValue(), Files.readString(output));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException ignored) {
          // A temp file left in /tmp is all this costs.
        }
      }
    }
  }

  /**
   * SIGTERM to the process and everything it started, then SIGKILL to whatever is left once the
   * grace period is over, as a kubelet stops a container; returns once all of it has exited.
   * Descendants are signalled by themselves because a child (a script's mariadbd) outlives its
   * parent, reparented, and would otherwise be orphaned.
   */
  public static void stop(Process process, Duration grace) {
    var tree = new LinkedHashSet<ProcessHandle>();
    tree.add(process.toHandle());
    process.toHandle().descendants().forEach(tree::add);
    // No grace is no SIGTERM either: a process told to stop may still finish what it was doing.
    if (!grace.isZero()) {
      tree.forEach(ProcessHandle::destroy);
    }
    if (!awaitExit(tree, grace)) {
      process.toHandle().descendants().forEach(tree::add);
      tree.forEach(ProcessHandle::destroyForcibly);
      if (!awaitExit(tree, KILL_WAIT)) {
        System.err.println("processes still alive " + KILL_WAIT.toSeconds() + " s after SIGKILL: "
            + tree.stream().filter(ProcessHandle::isAlive).map(handle -> Long.toString(handle.pid())).toList());
      }
    }
  }

  private static boolean awaitExit(Set<ProcessHandle> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (var handle : processes) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return processes.stream().noneMatch(ProcessHandle::isAlive);
        }
        handle.onExit().get(left, TimeUnit.NANOSECONDS);
      }
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

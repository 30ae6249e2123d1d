package dev.tandem.sandbox;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A sandbox controller's loop: one daemon thread running a pass at a fixed delay. A pass that
 * fails (the API server going away, an object changing under it) is simply tried again by the
 * next, as a level-triggered controller does.
 */
final class BackgroundLoop implements AutoCloseable {

  private final ScheduledExecutorService executor;
  private final String name;

  private BackgroundLoop(String name) {
    this.name = name;
    executor = Executors.newSingleThreadScheduledExecutor(task -> {
      var thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  static BackgroundLoop every(String name, Duration delay, Runnable pass) {
    var loop = new BackgroundLoop(name);
    loop.executor.scheduleWithFixedDelay(() -> {
      try {
        pass.run();
      } catch (RuntimeException retriedNextPass) {
        // Level-triggered: the next pass looks at the world again.
      }
    }, 0, delay.toMillis(), TimeUnit.MILLISECONDS);
    return loop;
  }

  /** Returns once a pass under way has ended: nothing this loop starts can outlive close(). */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
        System.err.println("sandbox: a pass of " + name + " still runs 60 s after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.tandem.replication;

import java.time.Duration;

/** What one action did, in words fit for a log line, an Event and status. No secrets. */
public record StepResult(Action action, Outcome outcome, String detail, Duration took) {

  public enum Outcome {
    /** The action changed the instance. */
    DONE,
    /** The instance was already in the wanted state; nothing was changed. */
    ALREADY_DONE,
    /** A fence that could not reach the instance: the caller must make sure it is down. */
    UNCONFIRMED,
    FAILED
  }

  public boolean failed() {
    return outcome == Outcome.FAILED;
  }

  @Override
  public String toString() {
    return action + " " + outcome + " in " + took.toMillis() + " ms: " + detail;
  }
}

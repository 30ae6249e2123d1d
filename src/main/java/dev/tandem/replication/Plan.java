package dev.tandem.replication;

import java.util.List;
import java.util.Optional;

/**
 * The planner's answer for one look at the cluster: what state it is in, who is (or is about to
 * be) the master, the actions to run in order, and what to report.
 *
 * @param masters the writable instance(s) once the actions ran; the first is the one the writer
 *     Service should select
 */
public record Plan(State state, List<String> masters, List<Action> actions, List<Finding> findings) {

  public enum State {
    /** Nobody has data yet: the first master is chosen and everyone else follows it. */
    BOOTSTRAP,
    /** Nothing to do. */
    HEALTHY,
    /** A master takes writes; some instance needs repair or is lost. */
    DEGRADED,
    /** A planned move of the master to the preferred instance. */
    SWITCHOVER,
    /** No master takes writes: the most advanced instance is promoted. */
    FAILOVER,
    /** A failover is due but automatic failover is off: the candidate is reported only. */
    FAILOVER_NEEDED,
    /** More than one writable instance where one is allowed: the extra ones are fenced. */
    SPLIT_BRAIN,
    /** Not safe to act yet; the findings say why. */
    WAITING
  }

  public Plan {
    masters = List.copyOf(masters);
    actions = List.copyOf(actions);
    findings = List.copyOf(findings);
  }

  public Optional<String> master() {
    return masters.stream().findFirst();
  }
}

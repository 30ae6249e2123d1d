package dev.tandem.failover;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The next step of a rolling change, decided from what one pass observed: which Pods run an
 * outdated template, which are ready and caught up, and whether the cluster is healthy. Pure,
 * and it remembers nothing: an operator restarted mid-rollout decides the same step again.
 *
 * <p>Replicas restart one at a time, highest ordinal first, each ready and caught up before the
 * next; then the master role moves once, by switchover, to an updated caught-up instance; then
 * the old master restarts. In DualMaster the passive master is restarted like a replica (after
 * the read replicas, its ordinal being lower) and the active role moves to it.
 */
final class Rollout {

  private Rollout() {}

  /**
   * One instance as a rollout sees it.
   *
   * @param updated its Pod runs the current template and every setting it needs a restart for
   * @param present its Pod exists and is not being deleted (or replaced after a restart)
   * @param ready its Pod is present and Ready
   * @param caughtUp it replicates from the master with nothing left to apply (the master itself counts as caught up);
   *     required of an instance once restarted, and of the one the master's role moves to
   * @param backupSource a running backup reads from it
   */
  record Member(String name, int ordinal, boolean updated, boolean offline, boolean present, boolean ready, boolean caughtUp,
      boolean backupSource) {}

  /**
   * @param master the instance the writer Service points at
   * @param successors who may take the master role, best first (DualMaster: the other master only)
   * @param hold why nothing may be restarted at all now, if so (a change of master under way, a
   *     refused setting, a StatefulSet that has not taken the new template yet)
   * @param degraded why the cluster is not healthy, if it is not: an instance that is up is not
   *     restarted then, nor the master moved; one that is down and outdated still is, since only
   *     a restart brings it the fixed spec
   * @param automaticFailover a rollout moves the master only when the operator may do so on its own
   */
  record Input(List<Member> members, String master, List<String> successors, Optional<String> hold, Optional<String> degraded,
      boolean automaticFailover) {}

  sealed interface Step permits Restart, SwitchOver, Wait, Done {}

  record Restart(String instance) implements Step {}

  record SwitchOver(String to) implements Step {}

  /** @param paused held by something other than the rollout's own progress (an instance still restarting) */
  record Wait(String reason, boolean paused) implements Step {}

  record Done() implements Step {}

  /** @param message what status says: progress, then the step or why it waits */
  record Decision(Step step, int updated, int total, String message) {
    boolean inProgress() {
      return !(step instanceof Done);
    }

    boolean paused() {
      return step instanceof Wait wait && wait.paused();
    }
  }

  static Decision next(Input input) {
    var members = input.members();
    int total = members.size();
    int updated = (int) members.stream().filter(Member::updated).count();
    String progress = updated + "/" + total + " instances updated";
    var outdated = members.stream().filter(member -> !member.updated()).toList();
    if (outdated.isEmpty()) {
      return new Decision(new Done(), updated, total, "every instance runs the current template");
    }
    // An instance not restarted yet may lag (a replica slower than the writes): restarting it
    // costs nothing more. One restarted must have caught up before the next restart.
    if (input.hold().isPresent()) {
      return wait(updated, total, progress, "paused: " + input.hold().get());
    }
    // An outdated instance that is down (crash-looping on a setting it cannot start with, say)
    // costs nothing to restart, and a restart is the only way a fixed spec reaches it.
    var down = outdated.stream().filter(member -> !member.offline() && member.present() && !member.ready()
            && !member.name().equals(input.master()))
        .max(Comparator.comparingInt(Member::ordinal));
    if (down.isPresent()) {
      return restart(down.get(), updated, total, progress);
    }
    // An instance not restarted yet may lag (a replica slower than the writes): restarting it
    // costs nothing more. One restarted must have caught up before the next restart.
    var waitingFor = members.stream().filter(member -> !member.offline()
            && !(member.ready() && (member.caughtUp() || !member.updated())))
        .map(member -> member.name() + (member.ready() ? " to catch up" : " to be ready")).collect(Collectors.toList());
    if (!waitingFor.isEmpty()) {
      return new Decision(new Wait("waiting for " + String.join(", ", waitingFor), false), updated, total,
          progress + "; waiting for " + String.join(", ", waitingFor));
    }
    if (input.degraded().isPresent()) {
      return wait(updated, total, progress, "paused while the cluster is not healthy: " + input.degraded().get());
    }
    var restartable = outdated.stream().filter(member -> !member.offline()).toList();
    if (restartable.isEmpty()) {
      return wait(updated, total, progress, "offline instance(s) " + names(outdated) + " restart when back online");
    }
    var replica = restartable.stream().filter(member -> !member.name().equals(input.master()))
        .max(Comparator.comparingInt(Member::ordinal));
    if (replica.isPresent()) {
      return restart(replica.get(), updated, total, progress);
    }
    var master = restartable.get(0);
    if (total == 1) {
      return restart(master, updated, total, progress + "; the only instance restarts, so writes stop until it is back");
    }
    Set<String> eligible = members.stream().filter(member -> member.updated() && !member.offline()).map(Member::name)
        .collect(Collectors.toSet());
    var successor = input.successors().stream().filter(eligible::contains).findFirst();
    if (successor.isEmpty()) {
      return wait(updated, total, progress, "no updated instance can take over from the master " + master.name());
    }
    if (!input.automaticFailover()) {
      return wait(updated, total, progress, "the master " + master.name() + " restarts after a switchover, and"
          + " spec.failover.automatic is off: set spec.master to " + successor.get() + " to switch over");
    }
    return new Decision(new SwitchOver(successor.get()), updated, total,
        progress + "; switching the master over from " + master.name() + " to " + successor.get() + " before restarting it");
  }

  private static Decision restart(Member member, int updated, int total, String progress) {
    if (member.backupSource()) {
      return wait(updated, total, progress, "a backup reads from " + member.name() + ", which restarts next");
    }
    return new Decision(new Restart(member.name()), updated, total, progress + "; restarting " + member.name());
  }

  private static Decision wait(int updated, int total, String progress, String reason) {
    return new Decision(new Wait(reason, true), updated, total, progress + "; " + reason);
  }

  private static String names(List<Member> members) {
    return members.stream().map(Member::name).collect(Collectors.joining(", "));
  }
}

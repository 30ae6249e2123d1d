package dev.tandem.sandbox;

import dev.tandem.sandbox.RbacAuthorizer.Grant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the operator did with the chart's permissions in a run, from the API server's
 * {@link AccessLog}: what it was refused (a permission the code needs and the chart lacks), and
 * which permissions the chart grants that it never used (more than the code needs). A run of every
 * scenario must show neither, but for the grants listed here with the reason each stays.
 */
final class PermissionUse {

  /** Granted and unused by every scenario, on purpose: why each stays in the chart. */
  private static final String SCHEMA_FINALIZER_GET = "as for mysqlbackups: the finalizer that drops what the resource"
      + " made is patched in and out, and a conflicting patch reads the resource again";

  static final Map<Grant, String> UNUSED_ON_PURPOSE = Map.of(
      new Grant("tandem-operator-leader-election", "coordination.k8s.io", "leases", "update"),
      "never sent (fabric8's LeaseLock renews and takes over with patch), but JOSDK's leader election will not start"
          + " unless a SelfSubjectRulesReview shows get, create and update on leases in one rule",
      new Grant("tandem-operator", "policy", "poddisruptionbudgets", "update"),
      "the PodDisruptionBudget (maxUnavailable 1, the cluster's selector) never changes with the spec: the operator"
          + " updates it only to undo a hand edit, which no scenario makes",
      new Grant("tandem-operator", "mysql.tandem.dev", "mysqlbackups", "get"),
      "JOSDK 5.3.2 adds and removes a MySQLBackup's finalizer by patch (ResourceOperations.addFinalizer/removeFinalizer)"
          + " and, when that patch meets a conflict, reads the backup again (conflictRetryingPatchPrimary, Resource.get):"
          + " a race no scenario makes on purpose, and without get the finalizer would never be removed",
      new Grant("tandem-operator", "batch", "jobs", "delete"),
      "deleting a MySQLBackup stops its Job if it still runs, and retries a failed deletion a minute after it failed by"
          + " deleting that Job (BackupDeletionTest): the scenarios delete finished backups only, and let the one in the"
          + " unreachable bucket go (its finalizer removed) before its retry is due",
      new Grant("tandem-operator", "mysql.tandem.dev", "mysqldatabases", "get"), SCHEMA_FINALIZER_GET,
      new Grant("tandem-operator", "mysql.tandem.dev", "mysqlusers", "get"), SCHEMA_FINALIZER_GET,
      new Grant("tandem-operator", "mysql.tandem.dev", "mysqlgrants", "get"), SCHEMA_FINALIZER_GET);

  private PermissionUse() {}

  static List<AccessLog.Access> denied(Sandbox sandbox, OperatorProcess operator) {
    return sandbox.api().accessLog().deniedTo(operator.user().name());
  }

  /**
   * The grants of every chart the operator ran with that no request of it was allowed by, but for
   * {@link #UNUSED_ON_PURPOSE}.
   */
  static List<Grant> unused(Sandbox sandbox, OperatorProcess operator) {
    var used = used(sandbox, operator);
    return operator.grantedSoFar().stream().filter(grant -> !used.contains(grant) && !UNUSED_ON_PURPOSE.containsKey(grant)).toList();
  }

  /**
   * Entries of {@link #UNUSED_ON_PURPOSE} that are stale: the chart no longer grants them. One the
   * run happened to use is not stale: the get on a conflicting finalizer patch is used when that
   * race occurs, and needed all the same when it does not.
   */
  static List<Grant> staleExceptions(OperatorProcess operator) {
    var granted = operator.grantedSoFar();
    return UNUSED_ON_PURPOSE.keySet().stream().filter(grant -> !granted.contains(grant)).toList();
  }

  private static Set<Grant> used(Sandbox sandbox, OperatorProcess operator) {
    return sandbox.api().accessLog().of(operator.user().name()).stream()
        .filter(AccessLog.Access::allowed).flatMap(access -> access.grant().stream()).collect(Collectors.toSet());
  }

  /** The operator's accesses for a report: one line per verb and resource, with where it was made and what allowed it. */
  static String describe(Sandbox sandbox, OperatorProcess operator) {
    var places = new TreeMap<String, List<String>>();
    for (var access : sandbox.api().accessLog().of(operator.user().name())) {
      String what = (access.allowed() ? "allowed " : "DENIED ") + access.verb() + " "
          + (access.group().isEmpty() ? "" : access.group() + "/") + access.resource() + access.grant().map(g -> " by " + g.role()).orElse("");
      places.computeIfAbsent(what, key -> new ArrayList<>()).add(access.namespace().isEmpty() ? "the cluster scope" : access.namespace());
    }
    return places.entrySet().stream().map(line -> line.getKey() + " in " + String.join(", ", line.getValue()))
        .collect(Collectors.joining("\n  ", "  ", ""));
  }
}

package dev.tandem.sandbox;

import dev.tandem.sandbox.RbacAuthorizer.Grant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the operator did with the chart's permissions in a run, from the API server's
 * {@link AccessLog}: what it was refused (a permission the code needs and the chart lacks), and
 * which permissions the chart grants that it never used (more than the code needs). A run of every
 * scenario must show neither, but for the grants listed here with the reason each stays.
 */
final class PermissionUse {

  /** Granted and unused by every scenario, on purpose: why each stays in the chart. */
  static final Map<Grant, String> UNUSED_ON_PURPOSE = Map.of();

  private PermissionUse() {}

  static List<AccessLog.Access> denied(Sandbox sandbox, OperatorProcess operator) {
    return sandbox.api().accessLog().deniedTo(operator.user().name());
  }

  /** The chart's grants no request of the operator was allowed by, but for {@link #UNUSED_ON_PURPOSE}. */
  static List<Grant> unused(Sandbox sandbox, OperatorProcess operator) {
    var used = used(sandbox, operator);
    return operator.chart().grants().stream().filter(grant -> !used.contains(grant) && !UNUSED_ON_PURPOSE.containsKey(grant)).toList();
  }

  /** Entries of {@link #UNUSED_ON_PURPOSE} that are stale: the chart no longer grants them, or the run used them. */
  static List<Grant> staleExceptions(Sandbox sandbox, OperatorProcess operator) {
    var used = used(sandbox, operator);
    var granted = operator.chart().grants();
    return UNUSED_ON_PURPOSE.keySet().stream().filter(grant -> used.contains(grant) || !granted.contains(grant)).toList();
  }

  private static Set<Grant> used(Sandbox sandbox, OperatorProcess operator) {
    return sandbox.api().accessLog().of(operator.user().name()).stream()
        .filter(AccessLog.Access::allowed).flatMap(access -> access.grant().stream()).collect(Collectors.toSet());
  }

  /** Every access of the operator, one a line, for a report. */
  static String describe(Sandbox sandbox, OperatorProcess operator) {
    return sandbox.api().accessLog().of(operator.user().name()).stream().map(AccessLog.Access::toString)
        .collect(Collectors.joining("\n  ", "  ", ""));
  }
}

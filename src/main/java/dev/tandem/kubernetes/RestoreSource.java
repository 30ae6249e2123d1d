package dev.tandem.kubernetes;

import dev.tandem.api.MySQLBackup;
import java.util.Optional;

/**
 * The backup a new cluster starts from, as its Pods see it: a volume claim and the backup's
 * directory in it, read from the backup's {@code status.location} ({@code pvc://<claim>/<path>});
 * and, for a point-in-time restore, the archived binary logs to replay and the moment to stop.
 */
public record RestoreSource(String claimName, String path, Optional<Replay> replay) {

  /** Binary logs to replay after the backup, on the same claim, up to {@code until} (UTC, "yyyy-MM-dd HH:mm:ss"). */
  public record Replay(String binlogPath, String until) {}

  /** Where the init container finds the backup volume. */
  public static final String MOUNT = "/restore";
  static final String VOLUME = "restore";
  private static final String PVC_SCHEME = "pvc://";

  public static Optional<RestoreSource> of(MySQLBackup backup) {
    String location = backup.getStatus() == null ? null : backup.getStatus().getLocation();
    if (location == null || !location.startsWith(PVC_SCHEME) || location.indexOf('/', PVC_SCHEME.length()) < 0) {
      return Optional.empty();
    }
    String rest = location.substring(PVC_SCHEME.length());
    int slash = rest.indexOf('/');
    return Optional.of(new RestoreSource(rest.substring(0, slash), rest.substring(slash + 1), Optional.empty()));
  }

  public RestoreSource replaying(Replay logs) {
    return new RestoreSource(claimName, path, Optional.of(logs));
  }

  public String directory() {
    return MOUNT + "/" + path;
  }
}

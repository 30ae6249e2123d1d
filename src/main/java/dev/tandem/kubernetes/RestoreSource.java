package dev.tandem.kubernetes;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSpec.BackupStorage;
import java.util.Objects;
import java.util.Optional;

/**
 * The backup a new cluster starts from, as its Pods see it: the backup's storage (a volume claim,
 * mounted read-only, or a bucket, downloaded first by the operator image's s3 command) and its
 * path there, read from the backup's {@code status.location} ({@code pvc://<claim>/<path>} or
 * {@code s3://<bucket>/<key>}); and, for a point-in-time restore, the archived binary logs to
 * replay and the moment to stop.
 *
 * @param fetchImage the image that downloads a backup from a bucket (the operator's own)
 */
public record RestoreSource(BackupStorage storage, String path, Optional<Replay> replay, String fetchImage) {

  /** Binary logs to replay after the backup, on the same storage, up to {@code until} (UTC, "yyyy-MM-dd HH:mm:ss"). */
  public record Replay(String binlogPath, String until) {}

  /** Where the init container finds the backup. */
  public static final String MOUNT = "/restore";
  static final String VOLUME = "restore";

  public static Optional<RestoreSource> of(MySQLBackup backup) {
    String location = backup.getStatus() == null ? null : backup.getStatus().getLocation();
    var storage = backup.getSpec().getStorage();
    String root = storage.getS3() != null ? "s3://" + storage.getS3().getBucket() + "/" : "pvc://" + storage.getPvc().getClaimName() + "/";
    if (location == null || !location.startsWith(root) || location.length() == root.length()) {
      return Optional.empty();
    }
    return Optional.of(new RestoreSource(storage, location.substring(root.length()), Optional.empty(), null));
  }

  public RestoreSource replaying(Replay logs) {
    return new RestoreSource(storage, path, Optional.of(logs), fetchImage);
  }

  public RestoreSource fetchedWith(String image) {
    return new RestoreSource(storage, path, replay, image);
  }

  public boolean inBucket() {
    return storage.getS3() != null;
  }

  /** The same claim, or the same bucket at the same endpoint: where a later backup's binary logs can be read from too. */
  public boolean sameStorage(RestoreSource other) {
    return sameStorage(storage, other.storage);
  }

  public static boolean sameStorage(BackupStorage one, BackupStorage other) {
    if ((one.getS3() != null) != (other.getS3() != null)) {
      return false;
    }
    if (one.getS3() == null) {
      return one.getPvc().getClaimName().equals(other.getPvc().getClaimName());
    }
    return one.getS3().getBucket().equals(other.getS3().getBucket())
        && Objects.equals(one.getS3().getEndpoint(), other.getS3().getEndpoint());
  }

  /** Where it is, for messages: the claim or the bucket. */
  public String storageName() {
    return inBucket() ? "bucket " + storage.getS3().getBucket() : "claim " + storage.getPvc().getClaimName();
  }

  public String directory() {
    return MOUNT + "/" + path;
  }
}

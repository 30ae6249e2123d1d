package dev.tandem.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A directory tree stored as the objects under one key prefix of an S3-compatible bucket. An
 * upload is whole or nothing for its readers: {@link #COMMIT_FILE} goes last, and a failed
 * upload removes what it wrote. Files above {@link #MULTIPART_THRESHOLD} go in parts, so no
 * single request nears S3's 5 GB limit.
 */
public final class ObjectStore implements AutoCloseable {

  /** The backup's own description, written last by backup.sh and uploaded last here: its presence means complete. */
  public static final String COMMIT_FILE = "backup.json";
  static final long MULTIPART_THRESHOLD = 64L * 1024 * 1024;
  private static final int MAX_PARTS = 10_000;

  private final S3Client s3;
  private final String bucket;

  public ObjectStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /**
   * A client for an endpoint (AWS S3 of the region when null). Checksums only where S3 requires
   * them: S3-compatible servers (MinIO, Ceph, S3Proxy) do not all accept the SDK's default
   * trailing checksums.
   */
  public static ObjectStore connect(String endpoint, String region, boolean pathStyle, String bucket, AwsCredentialsProvider credentials) {
    var builder = S3Client.builder()
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .forcePathStyle(pathStyle)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .overrideConfiguration(config -> config.apiCallAttemptTimeout(Duration.ofMinutes(10)));
    if (endpoint != null && !endpoint.isBlank()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    return new ObjectStore(builder.build(), bucket);
  }

  public String url(String prefix) {
    return "s3://" + bucket + "/" + prefix;
  }

  /** Uploads every file under {@code directory} to {@code prefix/<relative path>}, the commit file last; returns the bytes sent. */
  public long upload(Path directory, String prefix) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(directory)) {
      files = new ArrayList<>(walk.filter(Files::isRegularFile).toList());
    }
    files.sort(Comparator.comparing((Path file) -> file.getFileName().toString().equals(COMMIT_FILE)).thenComparing(Path::toString));
    long bytes = 0;
    try {
      for (Path file : files) {
        String key = prefix + "/" + directory.relativize(file).toString().replace('\\', '/');
        long size = Files.size(file);
        if (size > MULTIPART_THRESHOLD) {
          uploadInParts(file, key, size);
        } else {
          s3.putObject(put -> put.bucket(bucket).key(key), RequestBody.fromFile(file));
        }
        bytes += size;
      }
    } catch (RuntimeException | IOException e) {
      try {
        delete(prefix);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return bytes;
  }

  private void uploadInParts(Path file, String key, long size) throws IOException {
    int partSize = (int) Math.max(MULTIPART_THRESHOLD, (size + MAX_PARTS - 1) / MAX_PARTS);
    String uploadId = s3.createMultipartUpload(create -> create.bucket(bucket).key(key)).uploadId();
    try (InputStream in = Files.newInputStream(file)) {
      var parts = new ArrayList<CompletedPart>();
      byte[] buffer = new byte[partSize];
      int read;
      while ((read = in.readNBytes(buffer, 0, partSize)) > 0) {
        int number = parts.size() + 1;
        String etag = s3.uploadPart(part -> part.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
            RequestBody.fromByteBuffer(ByteBuffer.wrap(buffer, 0, read))).eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      }
      s3.completeMultipartUpload(complete -> complete.bucket(bucket).key(key).uploadId(uploadId)
          .multipartUpload(upload -> upload.parts(parts)));
    } catch (RuntimeException | IOException e) {
      s3.abortMultipartUpload(abort -> abort.bucket(bucket).key(key).uploadId(uploadId));
      throw e;
    }
  }

  /** Downloads the objects under {@code prefix} into {@code directory}, keeping their relative paths; returns the bytes received. */
  public long download(String prefix, Path directory) throws IOException {
    var objects = list(prefix);
    if (objects.isEmpty()) {
      throw new IOException("nothing is stored at " + url(prefix));
    }
    long bytes = 0;
    for (S3Object object : objects) {
      Path target = directory.resolve(object.key().substring(prefix.length() + 1)).normalize();
      if (!target.startsWith(directory)) {
        throw new IOException("object " + object.key() + " would be written outside " + directory);
      }
      Files.createDirectories(target.getParent());
      Files.deleteIfExists(target);
      s3.getObject(get -> get.bucket(bucket).key(object.key()), ResponseTransformer.toFile(target));
      bytes += object.size();
    }
    return bytes;
  }

  /**
   * Deletes every object under {@code prefix}; returns how many there were. One request per
   * object: a backup has few, and the batch DeleteObjects needs a checksum header that not every
   * S3-compatible server implements.
   */
  public int delete(String prefix) {
    var objects = list(prefix);
    for (S3Object object : objects) {
      s3.deleteObject(delete -> delete.bucket(bucket).key(object.key()));
    }
    return objects.size();
  }

  /**
   * The objects under {@code prefix}/ (never those of a sibling whose name merely starts alike),
   * without the empty "directory" objects some servers list.
   */
  public List<S3Object> list(String prefix) {
    var objects = new ArrayList<S3Object>();
    s3.listObjectsV2Paginator(list -> list.bucket(bucket).prefix(prefix + "/")).contents().stream()
        .filter(object -> !object.key().endsWith("/"))
        .forEach(objects::add);
    return objects;
  }

  @Override
  public void close() {
    s3.close();
  }
}

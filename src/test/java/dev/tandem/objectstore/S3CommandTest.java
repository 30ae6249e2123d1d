package dev.tandem.objectstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The backup Jobs' S3 command against S3Proxy, a real S3-compatible server, over HTTP with v4 signatures. */
class S3CommandTest {

  private static final String BUCKET = "backups";
  private static S3ProxyServer server;

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeAll
  static void startServer(@TempDir Path serverDir) throws Exception {
    server = S3ProxyServer.start("127.0.0.1", serverDir, List.of(BUCKET));
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void aTreeUploadedComesBackByteForByteAndALargeFileGoesInParts() throws Exception {
    Path source = backupTree("shop-1", (int) ObjectStore.MULTIPART_THRESHOLD + 5_000_000);
    assertThat(run(env(), "upload", source.toString(), "ns/shop/b1")).isZero();
    long treeBytes;
    try (var files = Files.walk(source)) {
      treeBytes = files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
    }
    assertThat(out.toString()).contains("uploaded " + treeBytes + " bytes from " + source + " to s3://backups/ns/shop/b1");
    assertThat(server.object(BUCKET, "ns/shop/b1/binlogs/mariadb-bin.000001")).exists();
    // S3 gives an object assembled from parts the ETag md5(md5(part 1) … md5(part n))-n, computed
    // here from the source file; one uploaded whole gets its own md5.
    byte[] dump = Files.readAllBytes(source.resolve("dump.sql.gz"));
    int part = (int) ObjectStore.MULTIPART_THRESHOLD;
    assertThat(eTag("ns/shop/b1/dump.sql.gz")).as("the large file went in 2 parts")
        .isEqualTo(hex(md5(md5(Arrays.copyOfRange(dump, 0, part)), md5(Arrays.copyOfRange(dump, part, dump.length)))) + "-2");
    assertThat(eTag("ns/shop/b1/binlogs/mariadb-bin.000001")).as("a small file goes in one PUT")
        .isEqualTo(hex(md5(Files.readAllBytes(source.resolve("binlogs/mariadb-bin.000001")))));

    Path restored = dir.resolve("restored");
    assertThat(run(env(), "download", "ns/shop/b1", restored.toString())).isZero();
    assertThat(restored.resolve("dump.sql.gz")).hasSameBinaryContentAs(source.resolve("dump.sql.gz"));
    assertThat(restored.resolve("binlogs/mariadb-bin.000001")).hasSameBinaryContentAs(source.resolve("binlogs/mariadb-bin.000001"));
    assertThat(restored.resolve(ObjectStore.COMMIT_FILE)).hasContent("{\"source\": \"shop-1\"}");
  }

  @Test
  void deleteRemovesTheBackupsObjectsAndNoSiblingsWhoseNameStartsAlike() throws Exception {
    assertThat(run(env(), "upload", backupTree("a", 10).toString(), "ns/shop/b1")).isZero();
    assertThat(run(env(), "upload", backupTree("b", 10).toString(), "ns/shop/b10")).isZero();

    assertThat(run(env(), "delete", "ns/shop/b1")).isZero();

    assertThat(out.toString()).contains("deleted 3 objects under s3://backups/ns/shop/b1");
    assertThat(server.object(BUCKET, "ns/shop/b1/dump.sql.gz")).doesNotExist();
    assertThat(server.object(BUCKET, "ns/shop/b10/dump.sql.gz")).exists();
  }

  @Test
  void aDownloadOfNothingFailsWithWhereItLooked() {
    assertThat(run(env(), "download", "ns/shop/never", dir.resolve("x").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("download failed").contains("nothing is stored at s3://backups/ns/shop/never");
  }

  @Test
  void aDownloadIsSkippedWhenTheDataDirectoryIsAlreadyInitialized() throws Exception {
    Path marker = Files.createDirectories(dir.resolve("var/lib/mysql/mysql"));
    assertThat(run(env(), "download", "--unless-exists", marker.toString(), "ns/shop/never", dir.resolve("x").toString())).isZero();
    assertThat(out.toString()).contains(marker + " exists: nothing to download");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void anUnreachableEndpointFailsWithTheReasonAndNeverPrintsTheSecret() throws Exception {
    var env = env();
    env.put("S3_ENDPOINT", "http://127.0.0.1:" + portNobodyListensOn());
    assertThat(run(env, "upload", backupTree("a", 10).toString(), "ns/shop/b2")).isEqualTo(1);
    assertThat(err.toString()).contains("upload failed").contains("Connection refused");
    assertThat(err.toString() + out).doesNotContain(S3ProxyServer.SECRET_KEY);
  }

  @Test
  void aWrongSecretIsRefusedAndLeavesNothing() throws Exception {
    var env = env();
    env.put("AWS_SECRET_ACCESS_KEY", "wrong");
    assertThat(run(env, "upload", backupTree("a", 10).toString(), "ns/shop/b3")).isEqualTo(1);
    assertThat(err.toString()).contains("upload failed").contains("Status Code: 403");
    assertThat(server.object(BUCKET, "ns/shop/b3")).doesNotExist();
  }

  @Test
  void aMissingBucketOrActionIsAUsageError() {
    var env = env();
    env.remove("S3_BUCKET");
    assertThat(run(env, "delete", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("S3_BUCKET is not set");
    assertThat(run(env(), "copy", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown action 'copy'");
  }

  /** A backup directory as backup.sh leaves it: a dump, archived binary logs, and backup.json. */
  private Path backupTree(String source, int dumpBytes) throws Exception {
    Path tree = Files.createDirectories(dir.resolve("tree-" + source + "-" + dumpBytes));
    var bytes = new byte[dumpBytes];
    new Random(dumpBytes).nextBytes(bytes);
    Files.write(tree.resolve("dump.sql.gz"), bytes);
    Files.createDirectories(tree.resolve("binlogs"));
    Files.writeString(tree.resolve("binlogs/mariadb-bin.000001"), source + source);
    Files.writeString(tree.resolve(ObjectStore.COMMIT_FILE), "{\"source\": \"" + source + "\"}");
    return tree;
  }

  private static String eTag(String key) {
    try (var s3 = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(server.endpoint())).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
        .build()) {
      return s3.headObject(request -> request.bucket(BUCKET).key(key)).eTag().replace("\"", "");
    }
  }
  private static byte[] md5(byte[]... chunks) throws Exception {
    var digest = MessageDigest.getInstance("MD5");
    for (byte[] chunk : chunks) {
      digest.update(chunk);
    }
    return digest.digest();
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }


  /** A port the OS just handed out and took back: nothing listens there. */
  private static int portNobodyListensOn() throws java.io.IOException {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private Map<String, String> env() {
    var env = new HashMap<String, String>();
    env.put("S3_BUCKET", BUCKET);
    env.put("S3_ENDPOINT", server.endpoint());
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
    return env;
  }

  private int run(Map<String, String> env, String... args) {
    out.reset();
    err.reset();
    return new S3Command(env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }
}

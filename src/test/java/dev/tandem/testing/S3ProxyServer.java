package dev.tandem.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * S3Proxy, a real S3-compatible server, as its own process (target/s3proxy/s3proxy.jar, copied by
 * the build) over a directory: each bucket is a directory, each object a file, so a test can also
 * look at what was stored. It checks AWS v4 signatures against one access key.
 */
public final class S3ProxyServer implements AutoCloseable {

  public static final String ACCESS_KEY = "tandem-test";
  public static final String SECRET_KEY = "tandem-test-secret";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** Jetty's line once it listens: {@code Started ServerConnector@…{HTTP/1.1, (http/1.1)}{127.0.0.1:45423}}. */
  private static final Pattern LISTENING = Pattern.compile("Started ServerConnector@\\S+\\{[^}]*}\\{[^}]*:(\\d+)}");

  private final Process process;
  private final String endpoint;
  private final Path data;

  private S3ProxyServer(Process process, String endpoint, Path data) {
    this.process = process;
    this.endpoint = endpoint;
    this.data = data;
  }

  /**
   * Starts it on a port of {@code host} the OS picks, with its buckets under {@code dir}/data, one
   * per name in {@code buckets}. It counts as started only once its own log says where it listens:
   * another process listening somewhere is never taken for it.
   */
  public static S3ProxyServer start(String host, Path dir, List<String> buckets) throws IOException, InterruptedException {
    return start(host, dir, buckets, ACCESS_KEY, SECRET_KEY);
  }

  /** The same, checking signatures against the given key: a manifest's own Secret works unchanged. */
  public static S3ProxyServer start(String host, Path dir, List<String> buckets, String accessKey, String secretKey)
      throws IOException, InterruptedException {
    Path jar = Path.of("target/s3proxy/s3proxy.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the build copies it (mvn generate-test-resources)");
    }
    Path data = dir.resolve("data");
    for (String bucket : buckets) {
      Files.createDirectories(data.resolve(bucket));
    }
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(properties, String.join("\n",
        "s3proxy.endpoint=http://" + host + ":0",
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + accessKey,
        "s3proxy.credential=" + secretKey,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + data) + "\n");
    String java = ProcessHandle.current().info().command().orElse("java");
    Path log = dir.resolve("s3proxy.log");
    var process = new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString(), "--properties", properties.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    var deadline = Instant.now().plus(START_TIMEOUT);
    while (true) {
      var listening = LISTENING.matcher(Files.readString(log));
      if (listening.find()) {
        return new S3ProxyServer(process, "http://" + host + ":" + listening.group(1), data);
      }
      if (!process.isAlive() || Instant.now().isAfter(deadline)) {
        Commands.stop(process, Duration.ofSeconds(10));
        throw new IllegalStateException("S3Proxy did not start on " + host + ": see " + log);
      }
      Thread.sleep(100);
    }
  }

  public String endpoint() {
    return endpoint;
  }

  /** Where an object is stored: {@code data/<bucket>/<key>}. */
  public Path object(String bucket, String key) {
    return data.resolve(bucket).resolve(key);
  }

  @Override
  public void close() {
    Commands.stop(process, Duration.ofSeconds(10));
  }
}

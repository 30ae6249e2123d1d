package dev.tandem.objectstore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code tandem-operator s3 ...}: what a backup Job or a restoring Pod runs, from the operator's
 * image, to move a backup between a local directory and a bucket (the database images have no S3
 * client). The bucket and endpoint come from the environment, the credentials too (the SDK's
 * default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from a Secret, or a web identity);
 * none of them is ever printed.
 */
public final class S3Command {

  static final String USAGE = """
      usage: s3 upload <directory> <key-prefix>
             s3 download [--unless-exists <path>] <key-prefix> <directory> [<key-prefix> <directory>]...
             s3 delete <key-prefix>
      environment: S3_BUCKET (required), S3_ENDPOINT, S3_REGION (us-east-1), S3_FORCE_PATH_STYLE (false),
                   AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or another source of the SDK's default credentials)""";

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;

  S3Command(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  public static int main(String... args) {
    return new S3Command(System.getenv(), System.out, System.err).run(args);
  }

  /** Exit status: 0 done, 1 failed (the reason on stderr), 2 bad usage. */
  int run(String... args) {
    if (args.length == 0) {
      err.println(USAGE);
      return 2;
    }
    String bucket = env.get("S3_BUCKET");
    if (bucket == null || bucket.isBlank()) {
      err.println("tandem s3: S3_BUCKET is not set\n" + USAGE);
      return 2;
    }
    var rest = Arrays.asList(args).subList(1, args.length);
    String action = args[0];
    try (var store = ObjectStore.connect(env.get("S3_ENDPOINT"), env.getOrDefault("S3_REGION", "us-east-1"),
        Boolean.parseBoolean(env.getOrDefault("S3_FORCE_PATH_STYLE", "false")), bucket, credentials())) {
      switch (action) {
        case "upload":
          return upload(store, rest);
        case "download":
          return download(store, rest);
        case "delete":
          return delete(store, rest);
        default:
          err.println("tandem s3: unknown action '" + action + "'\n" + USAGE);
          return 2;
      }
    } catch (IOException e) {
      // A file system exception's message is often only the path: its type says what happened.
      err.println("tandem s3: " + action + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("tandem s3: " + action + " failed: " + e.getMessage());
      return 1;
    }
  }

  /** The access key from the environment when it is there (a Secret), else the SDK's default chain. */
  private AwsCredentialsProvider credentials() {
    String accessKey = env.get("AWS_ACCESS_KEY_ID");
    String secretKey = env.get("AWS_SECRET_ACCESS_KEY");
    if (accessKey != null && secretKey != null) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private int upload(ObjectStore store, List<String> args) throws IOException {
    if (args.size() != 2) {
      err.println(USAGE);
      return 2;
    }
    Path directory = Path.of(args.get(0));
    if (!Files.isDirectory(directory)) {
      err.println("tandem s3: upload failed: " + directory + " is not a directory");
      return 1;
    }
    long started = System.nanoTime();
    long bytes = store.upload(directory, args.get(1));
    out.printf("tandem s3: uploaded %d bytes from %s to %s in %d ms%n", bytes, directory, store.url(args.get(1)),
        (System.nanoTime() - started) / 1_000_000);
    return 0;
  }

  private int download(ObjectStore store, List<String> args) throws IOException {
    var pairs = new ArrayList<>(args);
    if (pairs.size() >= 2 && pairs.get(0).equals("--unless-exists")) {
      Path marker = Path.of(pairs.get(1));
      if (Files.exists(marker)) {
        out.println("tandem s3: " + marker + " exists: nothing to download");
        return 0;
      }
      pairs.subList(0, 2).clear();
    }
    if (pairs.isEmpty() || pairs.size() % 2 != 0) {
      err.println(USAGE);
      return 2;
    }
    for (int i = 0; i < pairs.size(); i += 2) {
      long started = System.nanoTime();
      long bytes = store.download(pairs.get(i), Path.of(pairs.get(i + 1)));
      out.printf("tandem s3: downloaded %d bytes from %s to %s in %d ms%n", bytes, store.url(pairs.get(i)), pairs.get(i + 1),
          (System.nanoTime() - started) / 1_000_000);
    }
    return 0;
  }

  private int delete(ObjectStore store, List<String> args) {
    if (args.size() != 1) {
      err.println(USAGE);
      return 2;
    }
    int deleted = store.delete(args.get(0));
    out.printf("tandem s3: deleted %d objects under %s%n", deleted, store.url(args.get(0)));
    return 0;
  }
}

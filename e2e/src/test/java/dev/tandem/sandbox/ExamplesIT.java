package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLCluster;
import dev.tandem.testing.Commands;
import dev.tandem.testing.Example;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every example under manifests/examples, every directory down (a new file is covered without a
 * line here), applied to the sandbox as a reader applies it with kubectl, against the packaged
 * operator: MariaDB clusters become Ready with a master, backups Completed, schedules plan their
 * next run; each group of examples that refer to each other is deleted before the next
 * ({@link ExampleGroup}, {@link ExampleRun}). MySQL examples cannot run here, no MySQL server
 * being on this machine: they are shown accepted by the API server (schema, CEL, defaults), and
 * their test names say that they are not proven to run here; K3sFailoverIT applies them on K3s.
 */
class ExamplesIT {

  static final List<Example> ALL = Example.all();
  static Sandbox sandbox;
  static OperatorProcess operator;
  /** The API server alone, with no operator to act on what it admits: where MySQL examples are admitted. */
  static SandboxApiServer admissionOnly;

  @BeforeAll
  static void startSandboxAndOperator() throws Exception {
    Sandbox.assumeRoot();
    Path root = Path.of("target/sandbox-examples").toAbsolutePath();
    Commands.run("rm", "-rf", root.toString());
    sandbox = Sandbox.start(root, Duration.ofSeconds(2));
    sandbox.api().createNamespace("tandem-system");
    operator = OperatorProcess.start(sandbox);
    admissionOnly = SandboxApiServer.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
    if (admissionOnly != null) {
      admissionOnly.close();
    }
  }

  @TestFactory
  Stream<DynamicNode> everyExampleRunsAsShipped() {
    var groups = ExampleGroup.of(ALL);
    assertThat(groups).as("examples under " + Example.ROOT).isNotEmpty();
    return groups.stream().map(group -> group.runsHere() ? runInSandbox(group) : admittedOnly(group));
  }

  /** The group's files in order, then its deletion; a file after a failed one fails saying so. */
  private DynamicContainer runInSandbox(ExampleGroup group) {
    String namespace = "ex-" + slug(group.files().get(0).name());
    var run = new AtomicReference<ExampleRun>();
    var failed = new AtomicReference<String>();
    var tests = new ArrayList<DynamicTest>();
    for (int i = 0; i < group.files().size(); i++) {
      int index = i;
      var file = group.files().get(i);
      tests.add(DynamicTest.dynamicTest(file.name() + " runs: Ready, Completed or scheduled", () -> {
        if (failed.get() != null) {
          throw new AssertionError("not applied: " + failed.get() + ", which it needs, failed before it");
        }
        try {
          if (run.get() == null) {
            run.set(new ExampleRun(sandbox, group, ALL, namespace));
          }
          System.out.println("example " + run.get().apply(index));
          // The operator runs with the chart's permissions: a request refused it is a missing grant,
          // even where it retried its way to the outcome.
          assertThat(PermissionUse.denied(sandbox, operator)).as("requests the API server refused the operator").isEmpty();
        } catch (Exception | AssertionError e) {
          failed.set(file.name());
          printOperatorLog();
          throw e;
        }
      }));
    }
    tests.add(DynamicTest.dynamicTest("deleting what " + group.files().size() + " example(s) made leaves nothing running", () -> {
      if (run.get() == null) {
        throw new AssertionError("nothing was applied");
      }
      try {
        System.out.println("example group " + namespace + ": " + run.get().deleteAll());
        assertThat(PermissionUse.denied(sandbox, operator)).as("requests the API server refused the operator").isEmpty();
      } finally {
        run.get().stopBucket();
      }
    }));
    return DynamicContainer.dynamicContainer(group.name(), tests);
  }

  /** MySQL: admitted as written by the API server, the only part this machine can prove. */
  private DynamicContainer admittedOnly(ExampleGroup group) {
    String namespace = "admit-" + slug(group.files().get(0).name());
    var tests = group.files().stream().map(file -> DynamicTest.dynamicTest(file.name()
        + " is admitted by the API server; that it runs is NOT proven here (no MySQL server on this machine): K3sFailoverIT runs it on K3s",
        () -> {
          if (admissionOnly.client().namespaces().withName(namespace).get() == null) {
            admissionOnly.createNamespace(namespace);
          }
          var admitted = new ArrayList<String>();
          for (var object : file.objects()) {
            var resource = Serialization.unmarshal(object.toString(), GenericKubernetesResource.class);
            resource.getMetadata().setNamespace(namespace);
            admissionOnly.client().genericKubernetesResources(resource.getApiVersion(), resource.getKind()).inNamespace(namespace)
                .resource(resource).create();
            admitted.add(resource.getKind() + " " + resource.getMetadata().getName());
          }
          for (var cluster : file.ofKind("MySQLCluster")) {
            var stored = admissionOnly.client().resources(MySQLCluster.class).inNamespace(namespace)
                .withName(cluster.at("/metadata/name").asText()).get();
            assertThat(stored.getSpec().getEngine().getFlavor()).hasToString(Example.flavor(cluster));
          }
          System.out.println("example " + file.name() + ": admitted " + admitted
              + "; NOT proven here: that it runs (no MySQL server on this machine); K3sFailoverIT runs it on K3s where Docker exists");
        })).toList();
    return DynamicContainer.dynamicContainer(group.name(), tests);
  }

  private static void printOperatorLog() {
    try {
      var log = Files.readAllLines(operator.log());
      System.out.println("operator log (last 60 lines):\n" + String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size())));
    } catch (java.io.IOException e) {
      System.out.println("operator log unreadable: " + e);
    }
  }

  static String slug(String name) {
    String slug = name.replaceAll("\\.yaml$", "").toLowerCase().replaceAll("[^a-z0-9]+", "-");
    return (slug.length() > 40 ? slug.substring(0, 40) : slug).replaceAll("-+$", "");
  }
}

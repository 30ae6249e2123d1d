package dev.tandem.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.Example;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped examples run where a reader would try them first: every one outside production/
 * needs nothing a bare conformant cluster (kind, minikube) lacks, and each in production/ says in
 * its header what it needs. ExamplesIT applies them to the sandbox.
 */
class ExamplesTest {

  static final List<Example> ALL = Example.all();

  static List<Example> basic() {
    return ALL.stream().filter(e -> !e.isProduction()).toList();
  }

  static List<Example> production() {
    return ALL.stream().filter(Example::isProduction).toList();
  }

  @ParameterizedTest(name = "{0} needs nothing a bare cluster lacks")
  @MethodSource("basic")
  void aBasicExampleNeedsNothingABareClusterLacks(Example example) {
    assertThat(example.needs(ALL)).as("%s runs as-is on kind or minikube; move what it needs to %s/", example.name(), Example.PRODUCTION)
        .isEmpty();
  }

  @ParameterizedTest(name = "{0} says what it needs")
  @MethodSource("production")
  void aProductionExampleSaysInItsHeaderWhatItNeeds(Example example) {
    var needs = example.needs(ALL);
    String header = example.header();

    assertThat(needs).as("%s needs nothing special: it belongs one directory up", example.name()).isNotEmpty();
    assertThat(needs).as("what %s needs, each named in its header comment", example.name())
        .allSatisfy(need -> assertThat(header).as(need.what()).contains(need.mention()));
  }

  @Test
  void theExamplesHoldBasicAndProductionOnes() {
    assertThat(basic()).extracting(Example::name).contains("mariadb-master-replica.yaml", "backup/backup-to-pvc.yaml");
    assertThat(production()).extracting(Example::name).contains("production/mariadb-production.yaml");
  }
}

package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** docs/replication.md must name every state, action and finding the engine has. */
class ReplicationDocTest {

  @Test
  void theEngineDocumentNamesEveryStateActionAndFinding() throws Exception {
    String doc = Files.readString(Path.of("docs/replication.md"));

    assertThat(Arrays.stream(Plan.State.values()).map(state -> "`" + state.name() + "`")).allMatch(doc::contains);
    assertThat(Arrays.stream(Action.class.getPermittedSubclasses()).map(type -> "`" + type.getSimpleName() + "`")).allMatch(doc::contains);
    assertThat(Arrays.stream(Finding.class.getPermittedSubclasses()).map(type -> "`" + type.getSimpleName() + "`")).allMatch(doc::contains);
  }
}

package dev.tandem.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandsTest {

  @Test
  void aCommandWhoseChildKeepsItsOutputOpenTimesOutAndTheChildIsStopped() {
    // The background child inherits stdout and holds it open after the shell is gone: a reader
    // waiting for end-of-output before the timeout would wait for the child, here 600 s.
    var result = Commands.attempt(Duration.ofSeconds(1), "bash", "-c", "echo started; sleep 600 & echo $! ; wait");

    assertThat(result.exit()).isEqualTo(-1);
    assertThat(result.output()).startsWith("timed out after 1000 ms: started");
    long child = Long.parseLong(result.output().lines().toList().get(1).strip());
    assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).as("the child sleep " + child + " is stopped with its parent").isEmpty();
  }

  @Test
  void stopEndsAProcessThatIgnoresSigtermWithSigkillOnceTheGracePeriodIsOver() throws Exception {
    var process = new ProcessBuilder("bash", "-c", "trap '' TERM; sleep 600 & wait").start();
    // The trap is set before anything else runs; the child appears once bash forked it.
    await().atMost(Duration.ofSeconds(10)).until(() -> process.toHandle().children().findAny().isPresent());
    List<ProcessHandle> tree = List.of(process.toHandle(), process.toHandle().children().findFirst().orElseThrow());

    Commands.stop(process, Duration.ofMillis(300));

    assertThat(tree).allSatisfy(handle -> assertThat(handle.isAlive()).as("pid " + handle.pid()).isFalse());
  }
}

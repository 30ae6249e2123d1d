package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class FailoverSpec {

  @JsonPropertyDescription(
      "When true (default), a failed master is replaced automatically. When false, the"
          + " failure and the recommended candidate are reported and nothing else is done.")
  @Default("true")
  private boolean automatic = true;

  @JsonPropertyDescription(
      "How often every instance is probed, in milliseconds (100-60000). With failureThreshold it"
          + " sets the failure detection window: probeIntervalMillis x failureThreshold.")
  @Default("400")
  @Min(100)
  @Max(60000)
  private int probeIntervalMillis = 400;

  @JsonPropertyDescription(
      "Consecutive failed probes of the master before its failure is confirmed (1-100). A master"
          + " is failed over once it missed them and no replica heard from it, not even a heartbeat,"
          + " for the failure detection window (probeIntervalMillis x failureThreshold, 800 ms by"
          + " default): a shorter stall is ridden out.")
  @Default("2")
  @Min(1)
  @Max(100)
  private int failureThreshold = 2;

  @JsonPropertyDescription(
      "Instance names in order of preference as the next master, used to break ties between"
          + " equally up-to-date candidates.")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(x, self.exists_one(y, y == x))",
      message = "failover.priority lists an instance more than once")
  private List<@Size(max = 63) String> priority = new ArrayList<>();

  public boolean isAutomatic() {
    return automatic;
  }

  public void setAutomatic(boolean automatic) {
    this.automatic = automatic;
  }

  public int getProbeIntervalMillis() {
    return probeIntervalMillis;
  }

  public void setProbeIntervalMillis(int probeIntervalMillis) {
    this.probeIntervalMillis = probeIntervalMillis;
  }

  public int getFailureThreshold() {
    return failureThreshold;
  }

  public void setFailureThreshold(int failureThreshold) {
    this.failureThreshold = failureThreshold;
  }

  public List<String> getPriority() {
    return priority;
  }

  public void setPriority(List<String> priority) {
    this.priority = priority;
  }
}

package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the instances' Pods expose for Prometheus besides the operator's own metrics. */
public class MonitoringSpec {

  @JsonPropertyDescription("A mysqld_exporter sidecar in every instance's Pod.")
  private ExporterSpec exporter = new ExporterSpec();

  public ExporterSpec getExporter() {
    return exporter;
  }

  public void setExporter(ExporterSpec exporter) {
    this.exporter = exporter;
  }
}

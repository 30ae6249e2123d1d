package dev.tandem.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What `monitoring.enabled` adds to the chart: a ServiceMonitor on the operator's metrics, the
 * recommended alerts, and the dashboard for Grafana's sidecar. That every metric they query is
 * one the operator serves is proven in the sandbox (ScenariosIT).
 */
class MonitoringChartTest {

  static final Path DASHBOARD = Path.of("helm/tandem-operator/dashboards/tandem.json");

  @Test
  void nothingForPrometheusOrGrafanaUnlessAsked() {
    var kinds = ChartRendering.objects(ChartRendering.renderDefaults()).stream().map(HasMetadata::getKind).toList();

    assertThat(kinds).doesNotContain("ServiceMonitor", "PodMonitor", "PrometheusRule").contains("Service");
    assertThat(ChartRendering.objects(ChartRendering.renderDefaults()).stream().filter(ConfigMap.class::isInstance)).isEmpty();
  }

  @Test
  void theServiceMonitorScrapesTheOperatorsMetricsService() {
    var objects = ChartRendering.objects(ChartRendering.renderWithValues("monitoring: {enabled: true, labels: {release: prom}}\n"));
    var monitor = (GenericKubernetesResource) only(objects, "ServiceMonitor");
    var service = objects.stream().filter(Service.class::isInstance).map(Service.class::cast)
        .filter(s -> s.getMetadata().getName().endsWith("-metrics")).findFirst().orElseThrow();

    @SuppressWarnings("unchecked")
    var selector = (Map<String, Object>) ((Map<String, Object>) monitor.getAdditionalProperties().get("spec")).get("selector");
    @SuppressWarnings("unchecked")
    var matchLabels = (Map<String, String>) selector.get("matchLabels");
    assertThat(matchLabels).isNotEmpty();
    assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(matchLabels);
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prom");
    assertThat(service.getSpec().getPorts()).extracting(p -> p.getName()).contains("http-metrics");
    assertThat(only(objects, "PrometheusRule").getMetadata().getLabels()).containsEntry("release", "prom");
  }

  /** The instances' Pods as StatefulSetDependent labels them, on the exporter's port, in every watched namespace. */
  @Test
  void thePodMonitorScrapesTheExporterOfEveryInstanceTandemManages() {
    var cluster = dev.tandem.kubernetes.ClusterFixture.named("shop").build();
    cluster.getSpec().getMonitoring().getExporter().setEnabled(true);
    var template = dev.tandem.kubernetes.StatefulSetDependent.desiredFor(cluster).getSpec().getTemplate();

    var everywhere = podMonitorSpec("monitoring: {enabled: true, labels: {release: prom}}\n");
    var some = podMonitorSpec("watchNamespaces: [shop, billing]\nmonitoring: {enabled: true}\n");

    Map<String, String> selected = new ObjectMapper().convertValue(everywhere.at("/selector/matchLabels"),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
    assertThat(selected).isNotEmpty();
    assertThat(template.getMetadata().getLabels()).containsAllEntriesOf(selected);
    var endpoint = everywhere.get("podMetricsEndpoints").get(0);
    assertThat(template.getSpec().getContainers()).flatExtracting(c -> c.getPorts()).filteredOn(p -> p.getName().equals(endpoint
        .get("port").asText())).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(9104));
    assertThat(endpoint.get("relabelings").findValuesAsText("targetLabel")).containsExactly("cluster", "instance");
    assertThat(everywhere.at("/namespaceSelector/any").asBoolean()).isTrue();
    assertThat(some.at("/namespaceSelector/matchNames").toString()).isEqualTo("[\"shop\",\"billing\"]");
  }

  private static JsonNode podMonitorSpec(String values) {
    var objects = ChartRendering.objects(ChartRendering.renderWithValues(values));
    return new ObjectMapper().valueToTree(((GenericKubernetesResource) only(objects, "PodMonitor")).getAdditionalProperties().get("spec"));
  }

  @Test
  void theAlertsAreTheOnesDocumentedAndTheBackupAgeIsAValue() throws Exception {
    String rendered = ChartRendering.renderWithValues("monitoring: {enabled: true, backupMaxAgeHours: 8}\n");
    var rules = new ObjectMapper().valueToTree(((GenericKubernetesResource) only(ChartRendering.objects(rendered), "PrometheusRule"))
        .getAdditionalProperties().get("spec")).at("/groups/0/rules");
    var alerts = new ArrayList<String>();
    rules.forEach(rule -> alerts.add(rule.path("alert").asText()));
    String monitoringDoc = Files.readString(Path.of("docs/monitoring.md"));

    var documented = new java.util.TreeSet<String>();
    java.util.regex.Pattern.compile("\\| `(Tandem[A-Za-z]+)` \\|").matcher(monitoringDoc).results().forEach(m -> documented.add(m.group(1)));
    assertThat(alerts).hasSize(9).contains("TandemNoWritableMaster", "TandemBackupTooOld", "TandemExporterCannotRead");
    assertThat(documented).as("the alerts docs/monitoring.md lists").containsExactlyInAnyOrderElementsOf(alerts);
    assertThat(rendered).contains("time() - tandem_backup_last_success_timestamp_seconds > 28800");
  }

  @Test
  void theDashboardConfigMapCarriesTheCommittedDashboardForGrafanasSidecar() throws Exception {
    var objects = ChartRendering.objects(ChartRendering.renderWithValues("monitoring: {enabled: true}\n"));
    var configMap = objects.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast).findFirst().orElseThrow();
    JsonNode dashboard = new ObjectMapper().readTree(configMap.getData().get("tandem.json"));

    assertThat(configMap.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard).isEqualTo(new ObjectMapper().readTree(DASHBOARD.toFile()));
    var titles = new ArrayList<String>();
    dashboard.path("panels").forEach(panel -> {
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
        titles.add(panel.path("title").asText());
      }
    });
    assertThat(titles).contains("Writable master", "Master", "Replication lag", "Failovers (24 h)", "Since the last backup");
  }

  @Test
  void monitoringWithoutTheMetricsServiceIsRefusedWithAReason() {
    assertThatThrownBy(() -> ChartRendering.renderWithValues("metrics: {enabled: false}\nmonitoring: {enabled: true}\n"))
        .hasMessageContaining("monitoring.enabled needs metrics.enabled");
  }

  private static HasMetadata only(List<HasMetadata> objects, String kind) {
    var found = objects.stream().filter(o -> o.getKind().equals(kind)).toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }
}

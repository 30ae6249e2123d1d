package dev.tandem.kubernetes;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.util.function.Consumer;

/**
 * The mock API server cannot answer the SelfSubjectRulesReview that JOSDK's leader election sends
 * to check its Lease permissions; this answers it the way the chart's RBAC would.
 */
public class GrantLeaseAccess implements Consumer<KubernetesServer> {
  @Override
  public void accept(KubernetesServer server) {
    var review =
        new SelfSubjectRulesReviewBuilder()
            .withNewStatus()
            .withIncomplete(false)
            .addNewResourceRule()
            .withApiGroups("coordination.k8s.io")
            .withResources("leases")
            .withVerbs("get", "create", "update")
            .endResourceRule()
            .endStatus()
            .build();
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews").andReturn(201, review).always();
  }
}

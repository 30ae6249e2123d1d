package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Requests read as Kubernetes' RequestInfoFactory reads them, for RBAC. */
class ApiRequestTest {

  @Test
  void aGetWithANameIsGetWithoutOneListAndWithWatchTrueWatch() {
    assertThat(ApiRequest.of("GET", "/api/v1/namespaces/shop/pods/shop-0").verb()).isEqualTo("get");
    assertThat(ApiRequest.of("GET", "/api/v1/namespaces/shop/pods?labelSelector=a%3Db").verb()).isEqualTo("list");
    assertThat(ApiRequest.of("GET", "/api/v1/namespaces/shop/pods?resourceVersion=7&watch=true").verb()).isEqualTo("watch");
    assertThat(ApiRequest.of("GET", "/api/v1/pods?watch=1").verb()).isEqualTo("watch");
  }

  @Test
  void writesAreCreateUpdatePatchDeleteAndADeleteWithoutANameIsDeletecollection() {
    assertThat(ApiRequest.of("POST", "/apis/apps/v1/namespaces/shop/statefulsets").verb()).isEqualTo("create");
    assertThat(ApiRequest.of("PUT", "/apis/apps/v1/namespaces/shop/statefulsets/shop").verb()).isEqualTo("update");
    assertThat(ApiRequest.of("PATCH", "/api/v1/namespaces/shop/pods/shop-0").verb()).isEqualTo("patch");
    assertThat(ApiRequest.of("DELETE", "/api/v1/namespaces/shop/pods/shop-0").verb()).isEqualTo("delete");
    assertThat(ApiRequest.of("DELETE", "/api/v1/namespaces/shop/pods?labelSelector=a%3Db").verb()).isEqualTo("deletecollection");
  }

  @Test
  void aSubresourceFollowsTheNameAndTheGroupAndNamespaceComeFromThePath() {
    var status = ApiRequest.of("PUT", "/apis/mysql.tandem.dev/v1alpha1/namespaces/shop/mysqlclusters/shop/status");
    assertThat(status).extracting(ApiRequest::group, ApiRequest::version, ApiRequest::namespace, ApiRequest::name, ApiRequest::resourceAndSubresource)
        .containsExactly("mysql.tandem.dev", "v1alpha1", "shop", "shop", "mysqlclusters/status");
    var forward = ApiRequest.of("GET", "/api/v1/namespaces/shop/pods/shop-0/portforward?ports=3306");
    assertThat(forward).extracting(ApiRequest::group, ApiRequest::verb, ApiRequest::resourceAndSubresource)
        .containsExactly("", "get", "pods/portforward");
    assertThat(ApiRequest.of("GET", "/api/v1/namespaces/shop/pods/shop-0/log?container=mysqld").resourceAndSubresource()).isEqualTo("pods/log");
  }

  @Test
  void aRequestAcrossNamespacesOrForAClusterScopedKindHasNoNamespaceAndANamespaceIsItsOwn() {
    assertThat(ApiRequest.of("GET", "/api/v1/pods").namespace()).isEmpty();
    assertThat(ApiRequest.of("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/x").namespace()).isEmpty();
    var namespace = ApiRequest.of("GET", "/api/v1/namespaces/shop");
    assertThat(namespace).extracting(ApiRequest::resource, ApiRequest::name, ApiRequest::namespace).containsExactly("namespaces", "shop", "shop");
    assertThat(ApiRequest.of("PUT", "/api/v1/namespaces/shop/finalize").resourceAndSubresource()).isEqualTo("namespaces/finalize");
  }

  @Test
  void aListOrWatchByMetadataNameIsForThatName() {
    var watch = ApiRequest.of("GET", "/apis/coordination.k8s.io/v1/namespaces/tandem-system/leases?fieldSelector=metadata.name%3Dlock&watch=true");
    assertThat(watch).extracting(ApiRequest::verb, ApiRequest::name).containsExactly("watch", "lock");
  }

  @Test
  void discoveryAndPathsOutsideTheApiAreNonResourceRequests() {
    assertThat(ApiRequest.of("GET", "/apis/mysql.tandem.dev/v1alpha1")).extracting(ApiRequest::resourceRequest, ApiRequest::verb, ApiRequest::path)
        .containsExactly(false, "get", "/apis/mysql.tandem.dev/v1alpha1");
    assertThat(ApiRequest.of("GET", "/api/v1").resourceRequest()).isFalse();
    assertThat(ApiRequest.of("GET", "/version?timeout=32s").resourceRequest()).isFalse();
  }
}

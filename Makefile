# Tandem: every command a developer or CI needs. `make test` installs what it needs on a fresh
# Debian machine (a JDK must be there; Maven comes through ./mvnw).
SHELL := /bin/bash
MVN := ./mvnw -B --no-transfer-progress
CRDS := mysqlclusters.mysql.tandem.dev-v1.yml mysqlbackups.mysql.tandem.dev-v1.yml mysqlbackupschedules.mysql.tandem.dev-v1.yml \
  mysqldatabases.mysql.tandem.dev-v1.yml mysqlusers.mysql.tandem.dev-v1.yml mysqlgrants.mysql.tandem.dev-v1.yml
CHART := helm/tandem-operator
IMAGE ?= tandem/tandem-operator:0.1.0

.PHONY: help test build install-plugin k3s demo sandbox scenario chaos sandbox-classpath bench-deps bench bench-backup bench-lifecycle bench-engine install deploy crds manifests deps clean

help:
	@echo "make demo       run Tandem on an embedded local sandbox"
	@echo "make sandbox    the sandbox and the operator, left running for kubectl until Ctrl-C (prints the KUBECONFIG to export)"
	@echo "make test       the full test suite (installs MariaDB if missing)"
	@echo "make build      compile, test and package the operator (target/quarkus-app)"
	@echo "make install-plugin  install kubectl-tandem (kubectl tandem status|switchover|reseed|backup|restore|sql|history) into PREFIX=/usr/local"
	@echo "make crds       regenerate crds/ and the chart's CRD from the api classes"
	@echo "make manifests  regenerate manifests/install.yaml from the chart"
	@echo "make install    apply the CRD to the current kube context"
	@echo "make deploy     install the operator with Helm into the current kube context"
	@echo "make scenario FILE=e2e/scenarios/master-kill.yaml   run one scenario, print its JSON report"
	@echo "make chaos SEED=1 STEPS=25   a random fault campaign per topology under writes (replayable with make scenario)"
	@echo "make k3s        the K3s suite alone (needs Docker): failover and switchover on mysql:8.4 and mariadb:11.4"
	@echo "make bench      failover, switchover, freeze and partition measured in the sandbox (BENCH_RUNS=N)"
	@echo "make bench-backup  backup and restore of 1 GB measured in the sandbox"
	@echo "make bench-lifecycle  three rolling restarts of a 3-instance cluster under writes, then seeding a 1 GB replica, in the sandbox"

# MariaDB runs the engine, init-script and backup tests for real (mariadb-backup the physical
# backups); the packages do not start a service.
# iptables makes the sandbox's one-sided network cuts (as root; Pod networks need root anyway).
# kubectl (Debian's kubernetes-client) proves the sandbox's API server serves what kubectl asks for.
# prometheus-mysqld-exporter runs the exporter sidecar; the service its package starts under
# systemd is stopped, as it would hold port 9104 that the tests' exporters listen on.
deps:
	@if ! command -v mariadbd >/dev/null 2>&1 || ! command -v mariadb-install-db >/dev/null 2>&1 || ! command -v mariadb-backup >/dev/null 2>&1; then \
	  echo "Installing MariaDB server, client and mariadb-backup (apt)"; \
	  if [ "$$(id -u)" != 0 ]; then echo "MariaDB is missing and this is not root: run 'sudo apt-get install -y mariadb-server mariadb-client mariadb-backup'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client mariadb-backup >/dev/null; \
	fi
	@if { ! command -v iptables || ! command -v ip; } >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing iptables and iproute2 (apt): the sandbox's Pod networks and cuts"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables iproute2 >/dev/null; \
	fi
	@if ! command -v socat >/dev/null 2>&1; then \
	  echo "Installing socat (apt): a seeded instance receives its donor's copy with it, as in the official MariaDB image"; \
	  if [ "$$(id -u)" != 0 ]; then echo "socat is missing and this is not root: run 'sudo apt-get install -y socat'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat >/dev/null; \
	fi
	@if ! command -v kubectl >/dev/null 2>&1; then \
	  echo "Installing kubectl (apt kubernetes-client): SandboxApiServerTest lists clusters with it"; \
	  if [ "$$(id -u)" != 0 ]; then echo "kubectl is missing and this is not root: run 'sudo apt-get install -y kubernetes-client'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null; \
	fi
	@if [ ! -x /usr/bin/prometheus-mysqld-exporter ]; then \
	  echo "Installing prometheus-mysqld-exporter (apt): the exporter sidecar runs it in the tests and the sandbox"; \
	  if [ "$$(id -u)" != 0 ]; then echo "mysqld_exporter is missing and this is not root: run 'sudo apt-get install -y prometheus-mysqld-exporter'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-mysqld-exporter >/dev/null; \
	  if [ -d /run/systemd/system ]; then systemctl disable --now prometheus-mysqld-exporter; fi; \
	fi
	@command -v java >/dev/null 2>&1 || { echo "A JDK 17+ is required (apt-get install -y openjdk-17-jdk-headless)" >&2; exit 1; }

test: deps
	$(MVN) verify

# The K3s suite alone; it skips, saying why, where no Docker engine is reachable.
k3s:
	$(MVN) verify -Dtest=K3sInstallTest -Dit.test=K3sFailoverIT -Dsurefire.failIfNoSpecifiedTests=false

build:
	$(MVN) package

# The kubectl plugin: the operator's jar under $(PREFIX)/lib/tandem, kubectl-tandem on $(PREFIX)/bin.
PREFIX ?= /usr/local
install-plugin:
	$(MVN) package -DskipTests
	rm -rf $(PREFIX)/lib/tandem
	mkdir -p $(PREFIX)/lib/tandem $(PREFIX)/bin
	cp -r target/quarkus-app $(PREFIX)/lib/tandem/
	install -m 755 src/main/plugin/kubectl-tandem $(PREFIX)/bin/kubectl-tandem
	@echo "installed $(PREFIX)/bin/kubectl-tandem: try kubectl tandem status"

crds:
	$(MVN) package -DskipTests
	for crd in $(CRDS); do cp target/kubernetes/$$crd crds/$$crd && cp target/kubernetes/$$crd $(CHART)/crds/$$crd; done

manifests:
	$(MVN) test -Dtest=InstallManifestTest -Dtandem.regenerate=true -Dsurefire.failIfNoSpecifiedTests=false

install:
	kubectl apply $(foreach crd,$(CRDS),-f crds/$(crd))

deploy:
	helm upgrade --install tandem-operator $(CHART) --namespace tandem-system --create-namespace --set image.repository=$(firstword $(subst :, ,$(IMAGE))) --set image.tag=$(lastword $(subst :, ,$(IMAGE)))

# The sandbox needs root (network namespaces); the demo classpath is the test classpath.
demo: deps sandbox-classpath
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.Demo

# The same sandbox and operator as make demo, left running for kubectl until Ctrl-C; SANDBOX_DIR holds its volumes and logs.
sandbox: deps sandbox-classpath
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.Playground $(or $(SANDBOX_DIR),target/sandbox)

# One or more scenario files (FILE="a.yaml b.yaml"); exit status 1 when an expectation fails.
scenario: deps sandbox-classpath
	@test -n "$(FILE)" || { echo "usage: make scenario FILE=e2e/scenarios/master-kill.yaml" >&2; exit 2; }
	KUBELET_BACKOFF_SECONDS=$(KUBELET_BACKOFF_SECONDS) java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.ScenarioMain $(FILE)

# A fault campaign per topology from SEED, STEPS faults each; a failure prints the make scenario line that replays it.
chaos: deps sandbox-classpath
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.ChaosMain $(or $(SEED),1) $(or $(STEPS),25) $(TOPOLOGY)

sandbox-classpath:
	$(MVN) -q package -DskipTests
	$(MVN) -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

# stress-ng loads the master's Pod in make bench's false-failover run.
bench-deps: deps
	@if ! command -v stress-ng >/dev/null 2>&1; then \
	  echo "Installing stress-ng (apt): make bench saturates the cores and fsyncs in the master's Pod"; \
	  if [ "$$(id -u)" != 0 ]; then echo "stress-ng is missing and this is not root: run 'sudo apt-get install -y stress-ng'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null; \
	fi

# The operator's failover end to end in the sandbox (BENCH_RUNS=N, default 20; STRESS_MINUTES=M,
# default 10): target/bench/report.json.
bench: bench-deps sandbox-classpath
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.SandboxBench

# Backup and restore of a 1 GB data set in the sandbox (about 15 minutes): target/bench/backup-report.json.
bench-backup: deps sandbox-classpath
	mkdir -p target/bench
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.ScenarioMain e2e/bench/backup-1g.yaml > target/bench/backup-report.json
	@grep -A12 '"backups"\|"restores"' target/bench/backup-report.json

# Three rolling restarts of a 3-instance cluster under writes: target/bench/lifecycle-report.json;
# then a new instance seeded from a donor in a 1 GB cluster under writes: target/bench/seeding-report.json.
bench-lifecycle: deps sandbox-classpath
	mkdir -p target/bench
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.ScenarioMain e2e/bench/rolling-restart.yaml > target/bench/lifecycle-report.json
	@grep '"writeStalls\|"maxWriteGapMillis\|rolled out in\|"passed"' target/bench/lifecycle-report.json
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.sandbox.ScenarioMain e2e/bench/seeding-1g.yaml > target/bench/seeding-report.json
	@grep 'loaded\|writes/s\|readyInstances\|has a copy\|received a donor\|"passed"' target/bench/seeding-report.json

# The replication engine alone, without the operator's detection: target/bench/engine-report.json.
bench-engine: deps sandbox-classpath
	java -cp target/test-classes:target/classes:$$(cat target/test-classpath.txt) dev.tandem.replication.EngineBench

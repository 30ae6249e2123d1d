{{- define "tandem.name" -}}tandem-operator{{- end -}}

{{- define "tandem.fullname" -}}
{{- if contains "tandem" .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-tandem-operator" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "tandem.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "tandem.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "tandem.labels" -}}
app.kubernetes.io/name: {{ include "tandem.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tandem.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tandem.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tandem.instanceAccess" -}}
{{- if has .Values.instanceAccess (list "pod-ip" "port-forward") -}}{{ .Values.instanceAccess }}{{- else -}}{{ fail (printf "instanceAccess is %q; expected pod-ip or port-forward" .Values.instanceAccess) }}{{- end -}}
{{- end -}}

{{/*
What the operator does to the objects of a MySQLCluster; shared by the ClusterRole and the Roles.
Exactly what the code uses: the sandbox's API server enforces these rules on the operator, and
ScenariosIT fails on a request they refuse and on a verb no scenario uses (PermissionUse lists
the one kept on purpose).
*/}}
{{- define "tandem.clusterRules" -}}
# patch: a re-seed request (annotation mysql.tandem.dev/reseed) is removed once carried out.
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqlclusters"]
  verbs: ["get", "list", "watch", "patch"]
# Status is written with a PUT at the version read, never patched (StatusUpdate).
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqlclusters/status"]
  verbs: ["update"]
# The objects a cluster owns carry blockOwnerDeletion; where OwnerReferencesPermissionEnforcement
# admission is on (OpenShift), setting it takes update on the owner's finalizers.
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqlclusters/finalizers"]
  verbs: ["update"]
# Owned objects are read from the informers' caches, created, and updated when the spec changes
# or a hand edit drifts from it; the garbage collector deletes them with their cluster.
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["list", "watch", "create", "update"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "update"]
# The generated credentials Secret is created once and read by name; a user's Secret is read by name.
# The generated TLS Secrets (<name>-ca, <name>-tls) are renewed in place: update.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "update"]
- apiGroups: [""]
  resources: ["pods"]
  # patch moves the role labels the Services select; delete fences a master that cannot be reached.
  verbs: ["get", "list", "watch", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
# Backups: a Job per MySQLBackup, its log read for the result, its volume claim checked. Seeding:
# a Job per instance that waits for a donor's copy.
# Schedules create MySQLBackups and delete those past retention; the backup finalizer (patched in
# and out) deletes a backup's files first, and JOSDK reads the backup again (get) when that patch
# meets a conflict.
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqlbackups"]
  verbs: ["get", "list", "watch", "create", "delete", "patch"]
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqlbackupschedules"]
  verbs: ["list", "watch"]
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqlbackups/status", "mysqlbackupschedules/status"]
  verbs: ["update"]
# Users, databases and grants: each gets a finalizer (patched in and out) so that deleting it drops
# what it made on the server; status is written with a PUT.
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqldatabases", "mysqlusers", "mysqlgrants"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["mysql.tandem.dev"]
  resources: ["mysqldatabases/status", "mysqlusers/status", "mysqlgrants/status"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get"]
{{- if eq (include "tandem.instanceAccess" .) "port-forward" }}
# instanceAccess port-forward: mysqld through the API server. The client's WebSocket upgrade is a
# GET, authorized as get; from Kubernetes 1.35 it takes create as well.
- apiGroups: [""]
  resources: ["pods/portforward"]
  verbs: ["get", "create"]
{{- end }}
{{- end -}}

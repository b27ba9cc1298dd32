{{/* Chart name, overridable. */}}
{{- define "flux-report-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name when it already contains the chart name, else release-chart. */}}
{{- define "flux-report-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flux-report-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "flux-report-operator.labels" -}}
helm.sh/chart: {{ include "flux-report-operator.chart" . }}
{{ include "flux-report-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flux-report-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select the operator's pods; never change them in an upgrade. */}}
{{- define "flux-report-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flux-report-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flux-report-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flux-report-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flux-report-operator.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Leader election is forced on with more than one replica: two writers would fight. */}}
{{- define "flux-report-operator.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{/* The operator's command-line arguments, built from values. */}}
{{- define "flux-report-operator.args" -}}
- --reporting-interval={{ .Values.reporting.interval }}
- --log-level={{ .Values.logLevel }}
- --log-encoding={{ .Values.logEncoding }}
- --metrics-addr=:8080
- --health-addr=:8081
{{- if .Values.web.enabled }}
- --web-addr=:{{ .Values.web.port }}
{{- if and .Values.web.basePath (ne .Values.web.basePath "/") }}
- --web-base-path={{ .Values.web.basePath }}
{{- end }}
{{- with .Values.web.allowedHosts }}
- --web-allowed-hosts={{ join "," . }}
{{- end }}
{{- if .Values.web.mcp }}
- --mcp
{{- end }}
{{- else }}
- --web-addr=0
{{- end }}
- --http-max-connections={{ .Values.http.maxConnections }}
- --kube-api-qps={{ .Values.kubeAPI.qps }}
- --kube-api-burst={{ .Values.kubeAPI.burst }}
{{- if eq (include "flux-report-operator.leaderElection" .) "true" }}
- --enable-leader-election
{{- end }}
{{- with .Values.metrics.objectLabels }}
- --metrics-object-labels={{ join "," . }}
{{- end }}
{{- with .Values.eventsAddr }}
- --events-addr={{ . }}
{{- end }}
{{- if .Values.metrics.disableGotkMetrics }}
- --disable-gotk-metrics
{{- end }}
{{- if .Values.metrics.gotkResourceInfo }}
- --metrics-gotk-resource-info
{{- end }}
{{- with .Values.metrics.seriesCacheSize }}
{{- /* A number in the values arrives as a float: printed as an integer, never as 6.7108864e+07. */}}
- --metrics-series-cache-size={{ if kindIs "string" . }}{{ . }}{{ else }}{{ int64 . }}{{ end }}
{{- else }}
- --metrics-series-cache-size=0
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{/* Names and labels, as `helm create` makes them. */}}
{{- define "driftmon.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "driftmon.fullname" -}}
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

{{- define "driftmon.selectorLabels" -}}
app.kubernetes.io/name: {{ include "driftmon.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "driftmon.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "driftmon.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
driftmon.port: the port of a host:port listen address (config.http.listen,
config.http.metrics_listen). Loopback hosts are refused: neither the
kubelet's probes nor the Service could reach them.
*/}}
{{- define "driftmon.port" -}}
{{- if not .addr }}
{{- fail (printf "config.%s must be set: driftmon's default listen address is loopback, which nothing outside the pod reaches" .key) }}
{{- end }}
{{- $addr := toString .addr }}
{{- $port := regexFind "[0-9]+$" $addr }}
{{- if or (not $port) (not (hasSuffix (printf ":%s" $port) $addr)) }}
{{- fail (printf "config.%s: want host:port, got %q" .key $addr) }}
{{- end }}
{{- $host := trimSuffix (printf ":%s" $port) $addr }}
{{- if or (hasPrefix "127." $host) (eq $host "localhost") (eq $host "[::1]") }}
{{- fail (printf "config.%s is %s, a loopback address: the kubelet's probes and the Service reach the pod's IP; listen on :%s" .key $addr $port) }}
{{- end }}
{{- $port }}
{{- end }}

{{/*
driftmon.envNames: the variables the config's `*_env` keys name, one a
line, found wherever they sit (kafka.sasl, storage.clickhouse, http, each
receiver), so that a key added to the config needs no change here.
*/}}
{{- define "driftmon.envNames" -}}
{{- if kindIs "map" . }}
{{- range $k, $v := . }}
{{- if and (hasSuffix "_env" $k) (kindIs "string" $v) }}
{{ $v }}
{{- else if or (kindIs "map" $v) (kindIs "slice" $v) }}
{{ include "driftmon.envNames" $v }}
{{- end }}
{{- end }}
{{- else if kindIs "slice" . }}
{{- range . }}
{{ include "driftmon.envNames" . }}
{{- end }}
{{- end }}
{{- end }}

{{- define "driftmon.httpPort" -}}
{{ include "driftmon.port" (dict "addr" .Values.config.http.listen "key" "http.listen") }}
{{- end }}

{{/* The port the probes and the ServiceMonitor use. */}}
{{- define "driftmon.probePort" -}}
{{- if .Values.config.http.metrics_listen }}metrics{{ else }}http{{ end }}
{{- end }}

{{- define "driftmon.embedded" -}}
{{- if and .Values.config.storage (eq (toString .Values.config.storage.backend) "embedded") }}true{{ end }}
{{- end }}

{{/* Chart name, truncated to the 63 characters Kubernetes allows. */}}
{{- define "otpgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, plus the chart name unless the release already contains it. */}}
{{- define "otpgate.fullname" -}}
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

{{- define "otpgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "otpgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "otpgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "otpgate.labels" -}}
helm.sh/chart: {{ include "otpgate.chart" . }}
{{ include "otpgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The issuer, required and without a trailing slash. */}}
{{- define "otpgate.issuer" -}}
{{- $issuer := required "set issuer to the public https URL, e.g. --set issuer=https://login.example.com" .Values.issuer }}
{{- if not (hasPrefix "https://" $issuer) }}
{{- fail "issuer must be an https:// URL (TLS terminates at the ingress or load balancer)" }}
{{- end }}
{{- if hasSuffix "/" $issuer }}
{{- fail "issuer must not end with a slash" }}
{{- end }}
{{- $issuer }}
{{- end }}

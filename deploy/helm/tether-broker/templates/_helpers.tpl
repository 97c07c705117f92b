{{/* Names, labels and settings shared by the broker chart's templates. */}}

{{- define "tether-broker.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tether-broker.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tether-broker.auditorName" -}}
{{- printf "%s-auditor" (include "tether-broker.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tether-broker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tether
{{- end -}}

{{- define "tether-broker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tether-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: broker
{{- end -}}

{{- define "tether-broker.auditorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "tether-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: auditor
{{- end -}}

{{/* "repository:tag" or "repository@digest" of an image block. */}}
{{- define "tether-broker.image" -}}
{{- $image := index . 0 -}}
{{- $root := index . 1 -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "tether-broker.publicHost" -}}
{{- (urlParse .Values.publicUrl).hostname -}}
{{- end -}}

{{- define "tether-broker.signingKeysSecret" -}}
{{- default (printf "%s-signing-keys" (include "tether-broker.fullname" .)) .Values.signingKeys.existingSecret -}}
{{- end -}}

{{- define "tether-broker.oidcSecret" -}}
{{- if .Values.oidc.existingSecret -}}
{{- .Values.oidc.existingSecret -}}
{{- else if .Values.oidc.clientSecret -}}
{{- printf "%s-oidc" (include "tether-broker.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "tether-broker.databaseSecret" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else if .Values.database.url -}}
{{- printf "%s-database" (include "tether-broker.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The auditor's database: its own settings, else the broker's. Yields "secret-name/key" or "". */}}
{{- define "tether-broker.auditorDatabaseRef" -}}
{{- $db := .Values.auditor.database -}}
{{- if $db.existingSecret -}}
{{- printf "%s/%s" $db.existingSecret $db.existingSecretKey -}}
{{- else if $db.url -}}
{{- printf "%s-auditor-database/url" (include "tether-broker.fullname" .) -}}
{{- else if include "tether-broker.databaseSecret" . -}}
{{- printf "%s/%s" (include "tether-broker.databaseSecret" .) (ternary .Values.database.existingSecretKey "url" (ne .Values.database.existingSecret "")) -}}
{{- end -}}
{{- end -}}

{{- define "tether-broker.policyConfigMap" -}}
{{- if .Values.existingPolicyConfigMap -}}
{{- .Values.existingPolicyConfigMap -}}
{{- else if .Values.policy -}}
{{- printf "%s-policy" (include "tether-broker.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Settings that only fail together: every problem a values file has that the schema cannot see. */}}
{{- define "tether-broker.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "tether-broker.databaseSecret" .)) -}}
{{- fail "tether-broker: replicaCount > 1 needs PostgreSQL shared by every replica: set database.url or database.existingSecret (or replicaCount: 1)" -}}
{{- end -}}
{{- if and .Values.auditor.enabled (not .Values.kafka.brokers) -}}
{{- fail "tether-broker: the auditor reads the audit stream from Kafka: set kafka.brokers, or auditor.enabled: false" -}}
{{- end -}}
{{- if and .Values.auditor.enabled (not (include "tether-broker.auditorDatabaseRef" .)) -}}
{{- fail "tether-broker: the auditor needs PostgreSQL: set auditor.database or database" -}}
{{- end -}}
{{- if and .Values.oidc.issuer (not .Values.oidc.clientId) -}}
{{- fail "tether-broker: oidc.clientId is required when oidc.issuer is set" -}}
{{- end -}}
{{- if and .Values.ingress.enabled .Values.httpRoute.enabled -}}
{{- fail "tether-broker: enable ingress or httpRoute, not both" -}}
{{- end -}}
{{- end -}}

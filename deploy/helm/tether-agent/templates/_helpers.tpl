{{/* Names and labels shared by every template of the agent chart. */}}

{{- define "tether-agent.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name; several agents (one per release) may share a namespace. */}}
{{- define "tether-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tether-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tether-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tether-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "tether-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tether
tether.dev/cluster: {{ .Values.clusterName | quote }}
{{- end -}}

{{- define "tether-agent.serviceAccountName" -}}
{{- default (include "tether-agent.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "tether-agent.credentialSecretName" -}}
{{- default (printf "%s-credential" (include "tether-agent.fullname" .)) .Values.credentialSecret.name -}}
{{- end -}}

{{/* The Secret holding the join token, or "" when the release has none. */}}
{{- define "tether-agent.joinSecretName" -}}
{{- if .Values.existingJoinSecret -}}
{{- .Values.existingJoinSecret -}}
{{- else if .Values.joinToken -}}
{{- printf "%s-join" (include "tether-agent.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap holding the broker CA, or "" when the broker has a public certificate. */}}
{{- define "tether-agent.caConfigMapName" -}}
{{- if .Values.broker.existingCaConfigMap -}}
{{- .Values.broker.existingCaConfigMap -}}
{{- else if .Values.broker.caCert -}}
{{- printf "%s-broker-ca" (include "tether-agent.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "tether-agent.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Cluster-scoped objects carry the namespace too: release names are unique per namespace only. */}}
{{- define "tether-agent.clusterRoleName" -}}
{{- printf "%s-%s-impersonator" .Release.Namespace (include "tether-agent.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
  "true" when the agent enrolls (join token, credential kept in a Secret); "" with a static credential.
  The agent refuses both at once, so the chart does too.
*/}}
{{- define "tether-agent.enrolls" -}}
{{- if .Values.existingTokenSecret -}}
{{- if or .Values.joinToken .Values.existingJoinSecret -}}
{{- fail "tether-agent: existingTokenSecret (a static credential) and joinToken/existingJoinSecret (enrollment) exclude each other; set one" -}}
{{- end -}}
{{- else -}}
true
{{- end -}}
{{- end -}}

{{- define "ejournal.labels" -}}
app.kubernetes.io/name: ejournal
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "ejournal.env" -}}
- name: BASE_DOMAIN
  value: {{ .Values.baseDomain | quote }}
- name: ALLOWED_HOSTS
  value: {{ printf "%s,.%s" .Values.baseDomain .Values.baseDomain | quote }}
- name: SITE_SCHEME
  value: https
- name: SITE_PORT
  value: "443"
- name: SECURE_COOKIES
  value: "true"
- name: TIME_ZONE
  value: {{ .Values.timeZone | quote }}
{{- end -}}

{{- define "ejournal.container" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - secretRef:
      name: {{ .Values.existingSecret }}
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
{{- end -}}

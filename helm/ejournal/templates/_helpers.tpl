{{- define "ejournal.labels" -}}
app.kubernetes.io/name: ejournal
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "ejournal.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Settings that are not secret; config/settings.py reads each (and refuses to start without the vital ones). */}}
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
- name: TRUSTED_PROXIES
  value: {{ .Values.trustedProxies | quote }}
- name: TIME_ZONE
  value: {{ .Values.timeZone | quote }}
- name: S3_BUCKET
  value: {{ .Values.s3.bucket | quote }}
- name: S3_ENDPOINT_URL
  value: {{ .Values.s3.endpoint | quote }}
- name: S3_REGION
  value: {{ .Values.s3.region | quote }}
- name: S3_ADDRESSING_STYLE
  value: {{ .Values.s3.addressingStyle | quote }}
- name: EMAIL_BACKEND
  value: django.core.mail.backends.smtp.EmailBackend
- name: EMAIL_HOST
  value: {{ .Values.email.host | quote }}
- name: EMAIL_PORT
  value: {{ .Values.email.port | quote }}
- name: EMAIL_HOST_USER
  value: {{ .Values.email.user | quote }}
- name: EMAIL_USE_TLS
  value: {{ .Values.email.useTls | quote }}
- name: DEFAULT_FROM_EMAIL
  value: {{ .Values.email.from | quote }}
- name: SMS_GATEWAY_URL
  value: {{ .Values.sms.gatewayUrl | quote }}
- name: SMS_SENDER
  value: {{ .Values.sms.sender | quote }}
{{- if .Values.identityProviders }}
- name: IDENTITY_PROVIDERS
  value: {{ keys .Values.identityProviders | sortAlpha | join "," | quote }}
{{- range $key, $p := .Values.identityProviders }}
- name: IDP_{{ upper $key }}_NAME
  value: {{ $p.name | quote }}
- name: IDP_{{ upper $key }}_ISSUER
  value: {{ $p.issuer | quote }}
- name: IDP_{{ upper $key }}_CLIENT_ID
  value: {{ $p.clientId | quote }}
- name: IDP_{{ upper $key }}_SCOPE
  value: {{ $p.scope | default "openid snils" | quote }}
- name: IDP_{{ upper $key }}_SNILS_CLAIM
  value: {{ $p.snilsClaim | default "snils" | quote }}
{{- end }}
{{- end }}
- name: SENTRY_ENVIRONMENT
  value: {{ .Values.sentry.environment | quote }}
- name: DATABASE_POOL_MODE
  value: {{ .Values.database.poolMode | quote }}
{{- end -}}

{{- define "ejournal.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.image.uid }}
  runAsGroup: {{ .Values.image.uid }}
  fsGroup: {{ .Values.image.uid }}
  seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "ejournal.container" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - secretRef:
      name: {{ .Values.existingSecret }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: [ALL]}
volumeMounts:
  - {name: tmp, mountPath: /tmp}
{{- end -}}

{{/* The root filesystem is read-only: uploads in progress and the beat's schedule go to /tmp. */}}
{{- define "ejournal.volumes" -}}
volumes:
  - name: tmp
    emptyDir: {sizeLimit: 256Mi}
{{- end -}}

{{/* The most PostgreSQL connections this release can hold: web pods at the autoscaler's maximum
plus one in a rollout × gunicorn workers, the same for Celery workers × processes, beat, and the
migrations job (its processes and their parent). Fails the install above database.maxConnections. */}}
{{- define "ejournal.connections" -}}
{{- $web := ternary .Values.web.autoscaling.maxReplicas .Values.web.replicas .Values.web.autoscaling.enabled -}}
{{- $workers := ternary .Values.worker.autoscaling.maxReplicas .Values.worker.replicas .Values.worker.autoscaling.enabled -}}
{{- $total := add (mul (add $web 1) .Values.web.concurrency) (mul (add $workers 1) .Values.worker.concurrency) 1 (add .Values.migrations.processes 1) -}}
{{- if gt (int $total) (int .Values.database.maxConnections) -}}
{{- fail (printf "database.maxConnections is %d, but this release can hold %d connections at its largest: raise it (or the pooler's pool size) or lower web/worker replicas or concurrency" (int .Values.database.maxConnections) (int $total)) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

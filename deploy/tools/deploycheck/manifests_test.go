package main

import (
	"fmt"
	"strings"
	"testing"
)

// A rendering that passes every check with -replicas 2; the cases below
// break it.
const okManifests = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: otpgate
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: otpgate
---
apiVersion: v1
kind: Service
metadata:
  name: otpgate
spec:
  selector:
    app: otpgate
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: otpgate
spec:
  replicas: 2
  selector:
    matchLabels:
      app: otpgate
  template:
    metadata:
      labels:
        app: otpgate
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: otpgate
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
            readOnlyRootFilesystem: true
          env:
            - name: OTPGATE_ISSUER
              value: https://login.example.com
            - name: OTPGATE_LISTEN
              value: 0.0.0.0:8080
            - name: OTPGATE_DATABASE_FILE
              value: /run/secrets/database/dsn
            - name: OTPGATE_ENCRYPTION_KEY_FILE
              value: /run/secrets/encryption/key
          startupProbe:
            httpGet:
              path: /healthz
          livenessProbe:
            httpGet:
              path: /healthz
          readinessProbe:
            httpGet:
              path: /readyz
          lifecycle:
            preStop:
              sleep:
                seconds: 5
          volumeMounts:
            - name: database
              mountPath: /run/secrets/database
            - name: encryption
              mountPath: /run/secrets/encryption
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: database
          secret:
            secretName: otpgate
        - name: encryption
          secret:
            secretName: otpgate
            items:
              - key: key
                path: key
        - name: tmp
          emptyDir: {}
`

// replaced returns okManifests with each old string (which must occur in it)
// replaced by the new one that follows it.
func replaced(oldnew ...string) string {
	for i := 0; i < len(oldnew); i += 2 {
		if !strings.Contains(okManifests, oldnew[i]) {
			panic(fmt.Sprintf("okManifests lacks %q", oldnew[i]))
		}
	}
	return strings.NewReplacer(oldnew...).Replace(okManifests)
}

// manifestCases are renderings and the problems checkManifests -replicas 2
// finds in them, in order.
var manifestCases = []struct {
	name      string
	manifests string
	want      []string
}{
	{"ok", okManifests, nil},
	{"objects", okManifests + `---
# a comment only
---
apiVersion: v1
kind: Secret
---
apiVersion: v1
kind: ConfigMap
---
apiVersion: v1
kind: Service
spec:
  selectr: {}
---
kind: [unclosed
`, []string{
		"the chart creates a Secret; secrets must come from Secrets the operator makes",
		"document 5: unexpected object v1 ConfigMap",
		`Service (document 6): error unmarshaling JSON: while decoding JSON: json: unknown field "selectr"`,
		"document 7: error converting YAML to JSON: yaml: line 2: did not find expected ',' or ']'",
		"want one Deployment, one Service and one PodDisruptionBudget, got map[ConfigMap:1 Deployment:1 PodDisruptionBudget:1 Secret:1 Service:2]",
	}},
	{"selectors", replaced("  replicas: 2\n", "  replicas: 3\n", "      labels:\n        app: otpgate", "      labels:\n        app: other",
		"  minAvailable: 1\n", "  minAvailable: 0\n") + `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: elsewhere
`, []string{
		"Deployment: want replicas: 2",
		"Deployment: the selector does not match the pod template's labels",
		"Service otpgate: the selector does not match the pods",
		"PodDisruptionBudget otpgate: the selector does not match the pods",
		"PodDisruptionBudget otpgate: want minAvailable of at least 1",
		"Ingress web: a path does not lead to Service otpgate",
	}},
	{"containers", replaced("      containers:\n", "      containers:\n        - name: sidecar\n"), []string{
		"pod: want one container, got 2",
	}},
	{"probes", replaced("          startupProbe:\n            httpGet:\n              path: /healthz\n", "",
		"              path: /readyz", "              path: /healthz"), []string{
		"container otpgate: no startup probe",
		"container otpgate: the readiness probe should GET /readyz",
	}},
	{"preStop exec", replaced("              sleep:\n                seconds: 5", "              exec:\n                command: [sleep, \"5\"]",
		"    spec:\n      securityContext:", "    spec:\n      terminationGracePeriodSeconds: 10\n      securityContext:"), []string{
		"container otpgate: preStop must use the sleep action (the image has no shell)",
		"pod: terminationGracePeriodSeconds 10 leaves less than 20 s after the 0 s preStop sleep",
	}},
	{"preStop sleep", replaced("                seconds: 5", "                seconds: 15"), []string{
		"pod: terminationGracePeriodSeconds 30 leaves less than 20 s after the 15 s preStop sleep",
	}},
	{"security context", replaced("        runAsNonRoot: true\n", "",
		"allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true",
		"drop: [ALL]", "drop: [NET_RAW]",
		"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), []string{
		"pod: runAsNonRoot is not set",
		"container otpgate: readOnlyRootFilesystem is not set",
		"container otpgate: allowPrivilegeEscalation is not false",
		"container otpgate: capabilities are not dropped (drop: [ALL])",
	}},
	{"mounts", replaced("            - name: tmp\n              mountPath: /tmp", "            - name: scratch\n              mountPath: /tmp"), []string{
		"container otpgate: mount scratch names no volume",
		"container otpgate: /tmp is not an emptyDir (the root file system is read-only)",
	}},
	{"secret files", replaced(
		"              value: /run/secrets/database/dsn", "              value: /run/secrets/elsewhere/dsn",
		"              value: /run/secrets/encryption/key", "              value: /run/secrets/encryption/other",
		"            - name: OTPGATE_LISTEN\n              value: 0.0.0.0:8080",
		"            - name: OTPGATE_MAIL_PASSWORD_FILE\n              value: /run/secrets/mail/password\n"+
			"            - name: OTPGATE_SMTP_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: mail\n                  key: password",
		"            - name: tmp\n              mountPath: /tmp", "            - name: tmp\n              mountPath: /tmp\n            - name: mail\n              mountPath: /run/secrets/mail",
		"        - name: tmp\n          emptyDir: {}", "        - name: tmp\n          emptyDir: {}\n        - name: mail\n          secret: {}",
		"              value: https://login.example.com", "              value: http://login.example.com"), []string{
		"volume mail: no secretName",
		"container otpgate: OTPGATE_SMTP_PASSWORD takes a secret as an environment variable; mount it as a file and name it with *_FILE",
		"container otpgate: OTPGATE_DATABASE_FILE=/run/secrets/elsewhere/dsn is not in a mounted Secret volume",
		"container otpgate: OTPGATE_ENCRYPTION_KEY_FILE=/run/secrets/encryption/other: Secret volume encryption does not project other",
		"container otpgate: OTPGATE_LISTEN is not set",
		`container otpgate: OTPGATE_ISSUER "http://login.example.com" is not https`,
	}},
}

func TestCheckManifests(t *testing.T) {
	for _, tc := range manifestCases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "manifests.yaml", tc.manifests)
			var got []string
			var err error
			stdout := captureStdout(t, func() { got, err = checkManifests([]string{"-replicas", "2", path}) })
			if err != nil {
				t.Fatal(err)
			}
			wantProblems(t, got, tc.want)
			wantStdout := ""
			if len(tc.want) == 0 {
				wantStdout = "manifests: map[Deployment:1 PodDisruptionBudget:1 Service:1] decode strictly; 2 replicas with startup, liveness and readiness probes; " +
					"PodDisruptionBudget minAvailable 1; no Secret\n"
			}
			if stdout != wantStdout {
				t.Errorf("stdout %q, want %q", stdout, wantStdout)
			}
		})
	}
}

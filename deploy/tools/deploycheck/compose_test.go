package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Services of a normalised compose model that pass every check; $CTX stands
// for a build context holding go.mod and deploy/Dockerfile.
const (
	okReplica = `{"build": {"context": "$CTX", "dockerfile": "deploy/Dockerfile"}, "image": "otpgate", "read_only": true,
		"depends_on": {"db": {"condition": "service_healthy"}},
		"environment": {"OTPGATE_ISSUER": "https://login.example.com", "OTPGATE_DATABASE_FILE": "/run/secrets/dsn"},
		"secrets": [{"source": "dsn", "target": "/run/secrets/dsn"}]}`
	okDatabase = `{"image": "postgres:16", "healthcheck": {"test": ["CMD", "pg_isready"]},
		"volumes": [{"type": "volume", "source": "pg", "target": "/var/lib/postgresql/data"}]}`
	okProxy = `{"image": "caddy:2", "ports": [{"target": 443}]}`
)

// composeModel returns a compose model of the services (name -> JSON) and of
// the secrets (JSON).
func composeModel(services map[string]string, secrets string) string {
	var names []string
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`{"services": {`)
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + name + `": ` + services[name])
	}
	b.WriteString(`}, "secrets": ` + secrets + `}`)
	return b.String()
}

// okServices are services that pass every check, with okSecrets.
var okServices = map[string]string{"r1": okReplica, "r2": okReplica, "db": okDatabase, "proxy": okProxy}

const okSecrets = `{"dsn": {"file": "$CTX/dsn"}}`

// withService returns okServices with the service name replaced.
func withService(name, service string) map[string]string {
	services := map[string]string{}
	for k, v := range okServices {
		services[k] = v
	}
	services[name] = service
	return services
}

// badEnv is a replica with an http issuer, SQLite, and a *_FILE variable
// naming no secret.
var badEnv = strings.Replace(okReplica, `"OTPGATE_ISSUER": "https://login.example.com", "OTPGATE_DATABASE_FILE": "/run/secrets/dsn"`,
	`"OTPGATE_ISSUER": "http://login.example.com", "OTPGATE_DATABASE": "sqlite:///data/db", "OTPGATE_MAIL_PASSWORD_FILE": "/run/secrets/mail"`, 1)

// composeCases are compose models and the problems checkCompose finds in
// them, in order.
var composeCases = []struct {
	name     string
	services map[string]string
	secrets  string
	want     []string // $CTX stands for the build context
}{
	{"ok", okServices, okSecrets, nil},
	{"roles", map[string]string{"r1": okReplica, "db": `{"image": "postgres:14"}`, "web": `{"image": "nginx"}`}, okSecrets, []string{
		"want at least two otpgate services built from deploy/Dockerfile, got [r1]",
		"want one PostgreSQL 15 or later service, got []",
		"want one proxy publishing port 443, got []",
	}},
	{"database", withService("db", `{"image": "postgres:17", "volumes": [{"type": "bind", "source": "$CTX", "target": "/var/lib/postgresql/data"}]}`), okSecrets, []string{
		"service db: no healthcheck",
		"service db: /var/lib/postgresql/data is not a named volume",
	}},
	{"replica", withService("r2", `{"build": {"context": "$CTX/nowhere", "dockerfile": "deploy/Dockerfile"}, "image": "other",
			"ports": [{"target": 8080}], "depends_on": {"db": {"condition": "service_started"}},
			"environment": {"OTPGATE_ISSUER": "https://login.example.com", "OTPGATE_DATABASE_FILE": "/run/secrets/dsn"},
			"secrets": [{"source": "dsn", "target": "/run/secrets/dsn"}]}`), okSecrets, []string{
		"service r2: image or environment differs from r1; replicas must share one configuration",
		"service r2: publishes a port; only the proxy should be reachable",
		"service r2: read_only is not set",
		"service r2: does not wait for db to be healthy",
		"service r2: build context $CTX/nowhere lacks go.mod or deploy/Dockerfile",
	}},
	{"environment", map[string]string{"r1": badEnv, "r2": badEnv, "db": okDatabase, "proxy": okProxy}, okSecrets, []string{
		`service r1: OTPGATE_ISSUER "http://login.example.com" is not https`,
		"service r1: no PostgreSQL database; replicas cannot share SQLite",
		"service r1: OTPGATE_MAIL_PASSWORD_FILE=/run/secrets/mail is not one of its secrets' targets",
		`service r2: OTPGATE_ISSUER "http://login.example.com" is not https`,
		"service r2: no PostgreSQL database; replicas cannot share SQLite",
		"service r2: OTPGATE_MAIL_PASSWORD_FILE=/run/secrets/mail is not one of its secrets' targets",
	}},
	{"files", withService("proxy", `{"image": "caddy:2", "ports": [{"target": 443}], "volumes": [{"type": "bind", "source": "$CTX/Caddyfile", "target": "/etc/caddy/Caddyfile"}]}`),
		`{"dsn": {"file": "$CTX/missing/dsn"}}`, []string{
			"bind mount source $CTX/Caddyfile does not exist",
			"secret dsn: directory of $CTX/missing/dsn does not exist",
		}},
}

func TestCheckCompose(t *testing.T) {
	ctx := t.TempDir()
	for _, f := range []string{"go.mod", "deploy/Dockerfile"} {
		if err := os.MkdirAll(filepath.Join(ctx, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ctx, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range composeCases {
		t.Run(tc.name, func(t *testing.T) {
			model := strings.ReplaceAll(composeModel(tc.services, tc.secrets), "$CTX", ctx)
			path := writeTemp(t, "compose.json", model)
			var got []string
			var err error
			stdout := captureStdout(t, func() { got, err = checkCompose([]string{path}) })
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, strings.ReplaceAll(w, "$CTX", ctx))
			}
			wantProblems(t, got, want)
			wantStdout := ""
			if len(want) == 0 {
				wantStdout = "compose: replicas [r1 r2] share image and environment, wait for db (healthy, named volume); proxy publishes 443; secrets as files\n"
			}
			if stdout != wantStdout {
				t.Errorf("stdout %q, want %q", stdout, wantStdout)
			}
		})
	}
}

//go:build linux

package readmetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// disposition is what the test does with one README command.
type disposition int

const (
	// run: run as written in the sandbox, in README order; it must exit 0.
	run disposition = iota + 1
	// serve: start as written, wait until addr answers 200 on every path,
	// stop it with SIGINT; it must exit 0. Run only when addr is free.
	serve
	// byCI: .ci/run runs it as written (a line of its own there), for the
	// reason in why.
	byCI
	// notRun: not run here, for the reason in why. When ci is set, .ci/run
	// runs the command in that form, and must contain it.
	notRun
)

// readmeCommand says what happens to one command of README.md, named by its
// text on one line (see command.key).
type readmeCommand struct {
	command string
	do      disposition
	// serve: where it listens, what must answer 200, and a file it must
	// have made (relative to the checkout, or ~ for HOME).
	addr    string
	paths   []string
	creates string
	// run: the command works on the development server's ./data, which a
	// serve of `go run ./cmd/otpgate` or `otpgate` makes.
	needsData bool
	// byCI and notRun.
	why, ci string
}

// readmeCommands is every command of README.md's shell blocks but those of
// ciBlocks. A command added to the README must be added here: run, served,
// or not run with a reason.
var readmeCommands = []readmeCommand{
	// Run it.
	{command: "go run ./cmd/otpgate", do: serve, addr: "127.0.0.1:8080", paths: []string{"/healthz", "/demo"},
		creates: "data/otpgate.db"},
	{command: "go install ./cmd/otpgate", do: run},
	{command: "otpgate version", do: run},
	{command: "go build -o otpgate ./cmd/otpgate", do: run},
	{command: "./otpgate version", do: run},
	{command: "go run ./cmd/otpgate --data ~/otpgate-dev --listen 127.0.0.1:9000 serve", do: serve,
		addr: "127.0.0.1:9000", paths: []string{"/healthz"}, creates: "~/otpgate-dev/otpgate.db"},

	// Test it.
	{command: "otpgate connectors test corp-ldap", do: notRun,
		why: "needs the administrator's directory; TestConnectorsLDAP runs it against a real slapd"},
	{command: "go test ./...", do: notRun, ci: "go test -timeout 30m ./...",
		why: "the suite this test is part of; .ci/run runs it with a longer timeout, for the browser suite"},
	{command: "apt-get install chromium oathtool fonts-noto-cjk", do: notRun, ci: "chromium oathtool fonts-noto-cjk",
		why: "needs root and Debian's package archive; .ci/run installs the three with the rest of its packages"},
	{command: "(cd cmd/otpgate/testdata/interop && npm ci)", do: notRun,
		ci:  "(cd cmd/otpgate/testdata/interop && npm ci --no-audit --no-fund)",
		why: "downloads from the npm registry; .ci/run runs it without the audit and funding messages"},
	{command: "go test -timeout 30m -run TestInterop -v ./cmd/otpgate/", do: notRun, ci: "go test -timeout 30m ./...",
		why: "takes seven minutes or more and needs the two commands above; .ci/run's go test ./... runs TestInterop"},
	{command: "go test -run '^$' -bench SignIn ./provider/", do: byCI, why: benchmarks},
	{command: "go test -run '^$' -bench . ./mfa/ ./provider/credential/", do: byCI, why: benchmarks},

	// Load on PostgreSQL: the SQLite blocks before it are ciBlocks.
	{command: "DSN='postgres://otpgate:PASSWORD@127.0.0.1:5432/otpgate?sslmode=disable'", do: notRun, why: loadOnPostgres},
	{command: `OTPGATE_DATABASE="$DSN" OTPGATE_DATA_DIR=/tmp/otpgate-load OTPGATE_ISSUER=http://127.0.0.1:18080 OTPGATE_LISTEN=127.0.0.1:18080 OTPGATE_ENCRYPTION_KEY_FILE=/tmp/otpgate-load/encryption.key OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP=0 taskset -c 1 otpgate serve > /tmp/otpgate-load/server.log 2>&1 &`, do: notRun, why: loadOnPostgres},
	{command: "PID=$!", do: notRun, why: loadOnPostgres},
	{command: `taskset -c 0 otpgate-load -workload signin -replicas http://127.0.0.1:18080 -database "$DSN" -provision -users 40 -concurrency 8 -duration 15s -server-pids $PID`, do: notRun, why: loadOnPostgres},
	{command: `taskset -c 0 otpgate-load -workload signin-mfa -replicas http://127.0.0.1:18080 -database "$DSN" -encryption-key-file /tmp/otpgate-load/encryption.key -provision -users 300 -concurrency 8 -duration 15s -server-pids $PID`, do: notRun, why: loadOnPostgres},
	{command: `taskset -c 0 otpgate-load -workload refresh -replicas http://127.0.0.1:18080 -database "$DSN" -provision -users 40 -concurrency 8 -duration 15s -server-pids $PID`, do: notRun, why: loadOnPostgres},
	{command: `taskset -c 0 otpgate-load -workload userinfo -replicas http://127.0.0.1:18080 -database "$DSN" -provision -users 40 -concurrency 8 -duration 15s -server-pids $PID`, do: notRun, why: loadOnPostgres},
	{command: "taskset -c 0 otpgate-load -workload jwks -replicas http://127.0.0.1:18080 -concurrency 8 -duration 15s -server-pids $PID", do: notRun, why: loadOnPostgres},
	{command: "taskset -c 0 otpgate-load -workload discovery -replicas http://127.0.0.1:18080 -concurrency 8 -duration 15s -server-pids $PID", do: notRun, why: loadOnPostgres},

	// Register an application.
	{command: `otpgate client add --id shop --name "Web shop" --redirect-uri https://shop.example.com/oidc/callback --post-logout-uri https://shop.example.com/`, do: run, needsData: true},
	{command: "otpgate client add --id app --public --redirect-uri com.example.app:/callback", do: run, needsData: true},
	{command: "otpgate client add --id automation --grant client_credentials --scope admin:read --scope admin:write", do: run, needsData: true},

	// Dex.
	{command: "otpgate client add --id dex --name Dex --redirect-uri https://dex.example.com/dex/callback", do: run, needsData: true},

	// Microsoft Entra ID.
	{command: "otpgate client add --id contoso-eam --entra-eam --entra-app-id 00000000-0000-0000-0000-000000000001 --entra-tenant 00000000-0000-0000-0000-000000000002", do: run, needsData: true},
	{command: "otpgate user link demo --entra-tenant 00000000-0000-0000-0000-000000000002 --entra-oid 00000000-0000-0000-0000-00000000000a", do: run, needsData: true},

	// Factor-only OpenID Connect.
	{command: "otpgate client add --id okta --redirect-uri https://example.okta.com/oauth2/v1/authorize/callback --second-factor-only --jwks-file okta-public-keys.json",
		do: notRun, why: "needs the caller's public key set, a file the reader exports from their identity provider; cmd/otpgate's TestFactorOnlyCLI runs the same flags with a generated one"},
	{command: "otpgate client add --id authentik --redirect-uri https://authentik.example.com/source/oauth/callback/otpgate/ --second-factor-only", do: run, needsData: true},

	// Web console and account page.
	{command: "otpgate user add --username ada --email ada@example.com --password 'harbour-quartz-lantern-51'", do: run, needsData: true},
	{command: "otpgate user grant-admin ada", do: run, needsData: true},
	{command: "otpgate user revoke-admin ada", do: run, needsData: true},

	// Deployment.
	{command: "openssl rand -base64 32 > /etc/otpgate/encryption.key && chmod 600 /etc/otpgate/encryption.key", do: notRun,
		why: "writes the production key into /etc/otpgate: root, on the machine being deployed"},
	{command: "otpgate --config /etc/otpgate/otpgate.yaml serve", do: notRun,
		why: "needs the configuration the reader writes from config/otpgate.example.yaml (an https issuer behind a TLS proxy) and the key above"},
}

const benchmarks = "benchmarks: half a minute with their builds, and go test never caches a benchmark's run, so not in every go test ./..."

const loadOnPostgres = "needs a PostgreSQL server with an otpgate role (PASSWORD is a placeholder), the key file of the SQLite block, " +
	"and the fixed port 18080; the load runs take 15 s each. .ci/run runs the same commands on SQLite (ciBlocks)"

// ciBlocks are the README blocks .ci/run runs as written, whole: the n-th
// "```sh" block after the line starting with marker, which .ci/run's
// readme_block extracts with awk. Whatever those blocks hold runs there.
var ciBlocks = []struct {
	marker string
	n      int
}{
	// A server on 127.0.0.1:18080 with otpgate and otpgate-load built from
	// the checkout on PATH, then each workload for 15 s: minutes, and a
	// fixed port.
	{"A server on SQLite, pinned", 1},
	{"A server on SQLite, pinned", 2},
}

// TestREADMECommands checks that every command of README.md's shell blocks
// is run here, run by .ci/run or listed with a reason, and runs the ones to
// run, in README order, in a sandbox (see sandbox).
func TestREADMECommands(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme := readFile(t, filepath.Join(root, "README.md"))
	ciScript := readFile(t, filepath.Join(root, ".ci", "run"))
	blocks := shellBlocks(readme)

	inCIBlock := ciBlockLines(t, readme, blocks, ciScript)
	listed := map[string]readmeCommand{}
	for _, c := range readmeCommands {
		listed[c.command] = c
	}
	type step struct {
		c  command
		rc readmeCommand
	}
	var plan []step
	seen := map[string]bool{}
	for _, b := range blocks {
		if inCIBlock[b.line] {
			continue
		}
		for _, c := range b.commands {
			rc, ok := listed[c.key()]
			if !ok {
				t.Errorf("README.md:%d: %s\nis neither run nor listed: add it to readmeCommands in %s, to run it or with why it is not run",
					c.line, c.key(), "internal/readmetest/readme_test.go")
				continue
			}
			seen[c.key()] = true
			if rc.do == byCI || rc.do == notRun {
				if rc.why == "" {
					t.Errorf("README.md:%d: %s is not run here and says no why", c.line, c.key())
				}
				if rc.do == byCI && !containsLine(ciScript, c.text) {
					t.Errorf("README.md:%d: %s: .ci/run should run it as written, on a line of its own, but does not", c.line, c.key())
				}
				if rc.ci != "" && !strings.Contains(ciScript, rc.ci) {
					t.Errorf("README.md:%d: %s: .ci/run should run it as %q, but has no such text", c.line, c.key(), rc.ci)
				}
				continue
			}
			plan = append(plan, step{c: c, rc: rc})
		}
	}
	for _, c := range readmeCommands {
		if !seen[c.command] {
			t.Errorf("readmeCommands lists %q, which README.md's shell blocks do not have (any more)", c.command)
		}
	}
	if t.Failed() {
		return
	}
	if testing.Short() {
		t.Skip("running the README's commands takes a minute or more: skipped in -short mode")
	}

	s := newSandbox(t, root)
	for _, st := range plan {
		c, rc := st.c, st.rc
		started := time.Now()
		switch rc.do {
		case run:
			if rc.needsData {
				s.ensureDevData(t)
			}
			s.run(t, c.text)
		case serve:
			if !s.serve(t, c.text, rc.addr, rc.paths) {
				t.Logf("README.md:%d: %s: not run, %s is in use", c.line, c.key(), rc.addr)
				continue
			}
			if _, err := os.Stat(s.path(rc.creates)); err != nil {
				t.Fatalf("README.md:%d: %s: %v", c.line, c.key(), err)
			}
		}
		t.Logf("README.md:%d: %s: ok (%.1fs)", c.line, c.key(), time.Since(started).Seconds())
	}
}

// ciBlockLines checks that .ci/run extracts ciBlocks from the README as
// the README stands, and returns the opening lines of those blocks.
func ciBlockLines(t *testing.T, readme string, blocks []block, ciScript string) map[int]bool {
	t.Helper()
	lines := map[int]bool{}
	for _, cb := range ciBlocks {
		for _, evidence := range []string{"/^" + cb.marker + "/", fmt.Sprintf("$(readme_block %d)", cb.n)} {
			if !strings.Contains(ciScript, evidence) {
				t.Errorf(".ci/run does not contain %q: does it still run README block %d after %q?", evidence, cb.n, cb.marker)
			}
		}
		markerLine := 0
		for i, l := range strings.Split(readme, "\n") {
			if strings.HasPrefix(l, cb.marker) {
				markerLine = i + 1
				break
			}
		}
		if markerLine == 0 {
			t.Errorf("README.md has no line starting with %q, where .ci/run finds the blocks it runs", cb.marker)
			continue
		}
		n := 0
		for _, b := range blocks {
			if b.line > markerLine && b.fence == "```sh" {
				if n++; n == cb.n {
					lines[b.line] = true
					break
				}
			}
		}
		if n != cb.n {
			t.Errorf("README.md has no block %d after %q", cb.n, cb.marker)
		}
	}
	return lines
}

// containsLine reports whether script has text as one of its lines.
func containsLine(script, text string) bool {
	for _, l := range strings.Split(script, "\n") {
		if strings.TrimSpace(l) == text {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ensureDevData starts the installed otpgate on a free port in the
// checkout's copy when no development server has made ./data yet (the
// README's `go run ./cmd/otpgate` on 8080 did not run because the port was
// in use).
func (s *sandbox) ensureDevData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(s.path("data/otpgate.db")); err == nil {
		return
	}
	addr := fmt.Sprintf("127.0.0.1:%d", fleet.FreePort(t))
	if !s.serve(t, "otpgate --listen "+addr, addr, []string{"/healthz"}) {
		t.Fatalf("no free port for a development server")
	}
}

// path is name in the sandbox: relative to the checkout's copy, or to HOME
// when it starts with ~/.
func (s *sandbox) path(name string) string {
	if rest, ok := strings.CutPrefix(name, "~/"); ok {
		for _, kv := range s.env {
			if home, ok := strings.CutPrefix(kv, "HOME="); ok {
				return filepath.Join(home, rest)
			}
		}
	}
	return filepath.Join(s.checkout, name)
}

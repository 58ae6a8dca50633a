package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

var secretLine = regexp.MustCompile(`client secret \(shown once, store it now\): (\S+)\n`)

// printedSecret returns the one secret printed in out.
func printedSecret(t *testing.T, out string) string {
	t.Helper()
	m := secretLine.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("stdout %q: want exactly one printed client secret", out)
	}
	return m[0][1]
}

// storedSecretHash reads a client's secret hash from the data directory.
func storedSecretHash(t *testing.T, dir, id string) string {
	t.Helper()
	cl, err := openDataStore(t, dir).ClientByID(context.Background(), id)
	if err != nil {
		t.Fatalf("client %s: %v", id, err)
	}
	return cl.SecretHash
}

func TestClientAddConfidential(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := mustRun(t, "--data", dir, "client", "add", "--id", "webapp", "--name", "Web App",
		"--redirect-uri", "https://app.example.com/cb", "--post-logout-uri", "https://app.example.com/")
	if !strings.Contains(out, "created confidential client webapp") {
		t.Errorf("client add: stdout %q", out)
	}
	secret := printedSecret(t, out)
	if len(secret) < 32 {
		t.Errorf("generated secret %q is short", secret)
	}
	checkClientSecret(t, "generated secret", secret, storedSecretHash(t, dir, "webapp"), true)

	show := mustRun(t, "--data", dir, "client", "show", "webapp")
	list := mustRun(t, "--data", dir, "client", "list")
	for name, out := range map[string]string{"show": show, "list": list} {
		if strings.Contains(out, secret) || strings.Contains(out, "argon2") || strings.Contains(out, "secret") {
			t.Errorf("client %s prints the secret or its hash: %q", name, out)
		}
		if !strings.Contains(out, "https://app.example.com/cb") || !strings.Contains(out, "confidential") {
			t.Errorf("client %s: %q lacks the redirect URI or the type", name, out)
		}
	}
	if got := showField(t, show, "source"); got != "cli" {
		t.Errorf("source = %q, want cli", got)
	}

	// A given secret is used as is and not printed.
	out = mustRun(t, "--data", dir, "client", "add", "--id", "svc", "--redirect-uri", "https://svc.example.com/cb",
		"--secret", "sixteen-chars-ok")
	if strings.Contains(out, "sixteen-chars-ok") || secretLine.MatchString(out) {
		t.Errorf("client add --secret printed a secret: %q", out)
	}
	checkClientSecret(t, "given secret", "sixteen-chars-ok", storedSecretHash(t, dir, "svc"), true)

	mustFail(t, "", []string{"--data", dir, "client", "add", "--id", "webapp", "--redirect-uri", "https://x.example.com/cb"},
		`"webapp" already exists`)
}

func TestClientAddRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	add := func(args ...string) []string { return append([]string{"--data", dir, "client", "add"}, args...) }
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "https://a.example.com/cb", "--secret", "too-short"),
		"--secret must be at least 16 characters")
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "https://a.example.com/cb", "--public", "--secret", "sixteen-chars-ok!"),
		"--public client has no --secret")
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "http://evil.example/cb"),
		"http://evil.example/cb", "loopback")
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "https://a.example.com/cb", "--post-logout-uri", "http://evil.example/"),
		"--post-logout-uri", "loopback")
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "https://*.example.com/cb"), "wildcard")
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "myapp:/cb"), "reverse domain")
	mustFail(t, "", add("--id", "c1"), "--redirect-uri is required")
	mustFail(t, "", add("--id", "bad id!", "--redirect-uri", "https://a.example.com/cb"), "--id is required")
	if out := mustRun(t, "--data", dir, "client", "list"); strings.Contains(out, "c1") {
		t.Errorf("a rejected client was stored: %q", out)
	}
	// Loopback http and a reverse-domain scheme are fine for a public client.
	out := mustRun(t, add("--id", "native", "--public", "--redirect-uri", "http://127.0.0.1:9000/cb",
		"--redirect-uri", "com.example.app:/cb")...)
	if !strings.Contains(out, "created public client native") || secretLine.MatchString(out) {
		t.Errorf("client add --public: stdout %q", out)
	}
	if h := storedSecretHash(t, dir, "native"); h != "" {
		t.Errorf("public client has a secret hash %q", h)
	}
}

func TestClientUpdateAndRemove(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := printedSecret(t, mustRun(t, "--data", dir, "client", "add", "--id", "webapp",
		"--redirect-uri", "https://app.example.com/old", "--redirect-uri", "https://app.example.com/older"))
	show := func() string { return mustRun(t, "--data", dir, "client", "show", "webapp") }

	mustRun(t, "--data", dir, "client", "update", "webapp", "--redirect-uri", "https://app.example.com/new")
	if got := showField(t, show(), "redirect URIs"); got != "https://app.example.com/new" {
		t.Errorf("redirect URIs after update = %q, want only the new one", got)
	}
	mustFail(t, "", []string{"--data", dir, "client", "update", "webapp", "--redirect-uri", "http://evil.example/cb"}, "loopback")

	mustRun(t, "--data", dir, "client", "update", "webapp", "--require-mfa", "on", "--name", "Renamed")
	s := show()
	if showField(t, s, "require-mfa") != "on" || showField(t, s, "name") != "Renamed" {
		t.Errorf("after update --require-mfa on --name Renamed: %q", s)
	}
	if got := showField(t, s, "redirect URIs"); got != "https://app.example.com/new" {
		t.Errorf("an update without --redirect-uri changed them to %q", got)
	}
	mustFail(t, "", []string{"--data", dir, "client", "update", "webapp", "--require-mfa", "yes"}, "on or off")
	mustFail(t, "", []string{"--data", dir, "client", "update", "webapp"}, "nothing to change")

	out := mustRun(t, "--data", dir, "client", "update", "webapp", "--rotate-secret")
	second := printedSecret(t, out)
	if second == first {
		t.Error("--rotate-secret printed the old secret")
	}
	hash := storedSecretHash(t, dir, "webapp")
	checkClientSecret(t, "rotated secret", second, hash, true)
	checkClientSecret(t, "old secret after rotation", first, hash, false)

	mustRun(t, "--data", dir, "client", "add", "--id", "spa", "--public", "--redirect-uri", "https://spa.example.com/cb")
	mustFail(t, "", []string{"--data", dir, "client", "update", "spa", "--rotate-secret"}, "public")
	mustFail(t, "", []string{"--data", dir, "client", "update", "ghost", "--require-mfa", "on"}, `no client "ghost"`)

	if out := mustRun(t, "--data", dir, "client", "remove", "webapp"); !strings.Contains(out, "removed client webapp") {
		t.Errorf("client remove: stdout %q", out)
	}
	mustFail(t, "", []string{"--data", dir, "client", "show", "webapp"}, `no client "webapp"`)
	mustFail(t, "", []string{"--data", dir, "client", "remove", "webapp"}, `no client "webapp"`)
	mustFail(t, "", []string{"--data", dir, "client", "remove", "never-existed"}, `no client "never-existed"`)
	if out := mustRun(t, "--data", dir, "client", "list"); strings.Contains(out, "webapp") || !strings.Contains(out, "spa") {
		t.Errorf("client list after remove: %q", out)
	}
}

package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
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
	mustFail(t, "", add("--id", "c1", "--redirect-uri", "https://a.example.com/cb", "--secret", "replace-with-a-long-random-secret"),
		"--secret is a placeholder")
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

// TestClientUpdateAddRemoveURIs: client update adds and removes single
// redirect and post-logout URIs and keeps the others; each flag is
// repeatable; adding a URI the client has, removing one it lacks, removing
// its last redirect URI, an added URI the rules refuse and a whole list
// with single URIs are one-line errors that change nothing; every change
// is in the audit log.
func TestClientUpdateAddRemoveURIs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "client", "add", "--id", "shop", "--redirect-uri", "https://shop.example.com/cb",
		"--post-logout-uri", "https://shop.example.com/")
	update := func(args ...string) []string {
		return append([]string{"--data", dir, "client", "update", "shop"}, args...)
	}
	uris := func() (string, string) {
		show := mustRun(t, "--data", dir, "client", "show", "shop")
		return showField(t, show, "redirect URIs"), showField(t, show, "post-logout URIs")
	}

	if out := mustRun(t, update("--add-redirect-uri", "https://shop.example.com/cb2", "--add-redirect-uri", "https://shop.example.com/cb3",
		"--add-post-logout-redirect-uri", "https://shop.example.com/bye")...); out != "updated client shop\n" {
		t.Errorf("client update: stdout %q", out)
	}
	if r, l := uris(); r != "https://shop.example.com/cb https://shop.example.com/cb2 https://shop.example.com/cb3" ||
		l != "https://shop.example.com/ https://shop.example.com/bye" {
		t.Errorf("after adding: redirect URIs %q, post-logout URIs %q", r, l)
	}
	mustRun(t, update("--remove-redirect-uri", "https://shop.example.com/cb", "--remove-redirect-uri", "https://shop.example.com/cb3",
		"--remove-post-logout-redirect-uri", "https://shop.example.com/")...)
	if r, l := uris(); r != "https://shop.example.com/cb2" || l != "https://shop.example.com/bye" {
		t.Errorf("after removing: redirect URIs %q, post-logout URIs %q", r, l)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--add-redirect-uri", "https://shop.example.com/cb2"},
			`client update: --add-redirect-uri "https://shop.example.com/cb2" is already a redirect URI of client "shop"`},
		{[]string{"--remove-redirect-uri", "https://shop.example.com/gone"},
			`client update: --remove-redirect-uri "https://shop.example.com/gone" is not a redirect URI of client "shop"`},
		{[]string{"--remove-post-logout-redirect-uri", "https://shop.example.com/"},
			`client update: --remove-post-logout-redirect-uri "https://shop.example.com/" is not a post-logout URI of client "shop"`},
		{[]string{"--remove-redirect-uri", "https://shop.example.com/cb2"},
			`client update: --remove-redirect-uri would leave client "shop" without a redirect URI (at least one is required); add its replacement in the same change`},
		{[]string{"--add-redirect-uri", "http://evil.example/cb"},
			`client update: --add-redirect-uri "http://evil.example/cb": http is allowed only for loopback hosts`},
		{[]string{"--add-post-logout-redirect-uri", "https://*.example.com/"},
			`client update: --add-post-logout-redirect-uri "https://*.example.com/": must not contain a wildcard`},
		{[]string{"--add-redirect-uri", "https://shop.example.com/x", "--add-redirect-uri", "https://shop.example.com/x"},
			`client update: --add-redirect-uri "https://shop.example.com/x" is given twice`},
		{[]string{"--redirect-uri", "https://shop.example.com/x", "--remove-redirect-uri", "https://shop.example.com/cb2"},
			"client update: --redirect-uri replaces the whole list and cannot go with --add-redirect-uri or --remove-redirect-uri"},
	} {
		mustFail(t, "", update(tc.args...), "otpgate: "+tc.want)
	}
	if r, l := uris(); r != "https://shop.example.com/cb2" || l != "https://shop.example.com/bye" {
		t.Errorf("refused updates changed the URIs: %q, %q", r, l)
	}

	// The last redirect URI goes when its replacement comes in the same command.
	mustRun(t, update("--remove-redirect-uri", "https://shop.example.com/cb2", "--add-redirect-uri", "https://shop.example.com/new")...)
	if r, _ := uris(); r != "https://shop.example.com/new" {
		t.Errorf("after the swap: redirect URIs %q", r)
	}

	rows := auditRows(t, mustRun(t, "--data", dir, "audit"))
	for _, detail := range []string{
		"redirect URIs added: https://shop.example.com/cb2 https://shop.example.com/cb3; post-logout URIs added: https://shop.example.com/bye",
		"redirect URIs removed: https://shop.example.com/cb https://shop.example.com/cb3; post-logout URIs removed: https://shop.example.com/",
		"redirect URIs added: https://shop.example.com/new; redirect URIs removed: https://shop.example.com/cb2",
	} {
		if found := findRows(rows, store.EventAdminClient, detail); len(found) != 1 {
			t.Errorf("audit: %d events %q, want 1", len(found), detail)
		}
	}
	if n := len(findRows(rows, store.EventAdminClient, "")); n != 4 {
		t.Errorf("audit: %d client events, want 4 (add and three updates; refusals write none)", n)
	}

	help := mustRun(t, "--data", dir, "client", "update", "-h")
	for _, flag := range []string{"-add-redirect-uri", "-remove-redirect-uri", "-add-post-logout-redirect-uri", "-remove-post-logout-redirect-uri"} {
		if !strings.Contains(help, flag+" ") {
			t.Errorf("client update -h does not list %s:\n%s", flag, help)
		}
	}
}

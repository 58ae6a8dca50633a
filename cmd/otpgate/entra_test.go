package main

import (
	"strings"
	"testing"
)

// TestEntraCLI registers an Entra external authentication method and links
// a user to it, with the names the black-box tests rely on.
func TestEntraCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const (
		app    = "0b7f3c7e-5d2a-4c1b-9d3e-1a2b3c4d5e6f"
		tenant = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
		oid    = "00000000-0000-0000-0000-0000000000aa"
	)
	out := mustRun(t, "--data", dir, "client", "add", "--id", "contoso-eam",
		"--entra-eam", "--entra-app-id", app, "--entra-tenant", tenant)
	for _, want := range []string{"created entra-eam client contoso-eam", "client id:     contoso-eam",
		"/.well-known/openid-configuration", "app id:        " + app} {
		if !strings.Contains(out, want) {
			t.Errorf("client add --entra-eam: stdout %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "client secret") {
		t.Errorf("an Entra client got a secret: %q", out)
	}
	show := mustRun(t, "--data", dir, "client", "show", "contoso-eam")
	if !strings.Contains(show, "https://login.microsoftonline.com/common/federation/externalauthprovider") ||
		!strings.Contains(show, "entra app id:     "+app) || !strings.Contains(show, "entra tenants:    "+strings.ToLower(tenant)) {
		t.Errorf("client show: Microsoft's redirect URIs missing: %q", show)
	}
	add := func(args ...string) []string { return append([]string{"--data", dir, "client", "add"}, args...) }
	mustFail(t, "", add("--id", "e2", "--entra-eam", "--entra-tenant", tenant), "--entra-app-id is required")
	mustFail(t, "", add("--id", "e2", "--entra-eam", "--entra-app-id", app), "--entra-tenant is required")
	mustFail(t, "", add("--id", "e2", "--entra-eam", "--entra-app-id", app, "--entra-tenant", "contoso.onmicrosoft.com"), "not a tenant id")
	mustFail(t, "", add("--id", "e2", "--entra-eam", "--entra-app-id", app, "--entra-tenant", tenant, "--secret", "sixteen-chars-ok!"), "no secret")
	mustFail(t, "", add("--id", "e2", "--entra-eam", "--entra-app-id", app, "--entra-tenant", tenant, "--redirect-uri", "https://a.example/cb"), "--redirect-uri is not taken")
	mustFail(t, "", add("--id", "e2", "--redirect-uri", "https://a.example/cb", "--entra-app-id", app), "--entra-eam is required")

	mustRun(t, "--data", dir, "user", "add", "--username", "ada", "--email", "ada@example.com", "--password", "correct-horse-battery-1")
	mustRun(t, "--data", dir, "user", "add", "--username", "bob", "--email", "bob@example.com", "--password", "correct-horse-battery-2")
	if out := mustRun(t, "--data", dir, "user", "link", "ada", "--entra-tenant", tenant, "--entra-oid", oid); !strings.Contains(out, "linked Entra user") {
		t.Errorf("user link: %q", out)
	}
	if show := mustRun(t, "--data", dir, "user", "show", "ada"); !strings.Contains(show, "entra:"+strings.ToLower(tenant)+" "+oid) {
		t.Errorf("user show lacks the link: %q", show)
	}
	mustFail(t, "", []string{"--data", dir, "user", "link", "bob", "--entra-tenant", tenant, "--entra-oid", oid}, "already linked")
	mustFail(t, "", []string{"--data", dir, "user", "link", "bob", "--entra-tenant", tenant, "--entra-oid", "not-a-guid"}, "--entra-oid is required")
	mustRun(t, "--data", dir, "user", "unlink", "ada", "--entra-tenant", tenant, "--entra-oid", oid)
	mustRun(t, "--data", dir, "user", "link", "bob", "--entra-tenant", tenant, "--entra-oid", oid)
	if out := mustRun(t, "--data", dir, "audit"); !strings.Contains(out, "linked Entra user "+oid) {
		t.Errorf("audit lacks the link: %q", out)
	}
}

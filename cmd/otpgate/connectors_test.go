package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/slapd"
)

// TestConnectorsLDAP configures a real OpenLDAP directory as the issue's
// administrators write it, checks it from the CLI, and signs in through
// the served binary's password page with the directory's password.
func TestConnectorsLDAP(t *testing.T) {
	srv := slapd.Start(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	const secret = "webapp-secret-0123456789"
	keyFile := writeFile(t, dir, "encryption.key", strings.Repeat("5a", 31)+"5b"+"\n")
	config := func(bindPassword string) string {
		return fmt.Sprintf(`issuer: http://%[1]s
listen: %[1]s
data_dir: %[2]s
encryption_key_file: %[3]s
log:
  level: warn
clients:
  - id: webapp
    secret: %[6]s
    redirect_uris: [https://rp.example/callback]
connectors:
  - id: corp-ldap                 # also the value of the ID token's idp claim
    type: ldap
    name: Corporate directory
    config:
      host: %[4]s
      insecure_no_ssl: true       # plain LDAP only when explicitly true; otherwise LDAPS, or start_tls: true
      root_ca_file: ""            # a CA for LDAPS/StartTLS
      bind_dn: %[5]s
      bind_password: %[7]s        # or bind_password_file
      user_search:
        base_dn: ou=people,dc=example,dc=org
        filter: "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))"
        username: uid
        id_attr: entryUUID
        email_attr: mail
        name_attr: cn
`, addr, filepath.Join(dir, "data"), keyFile, srv.Host, slapd.AdminDN, secret, bindPassword)
	}
	cfg := writeFile(t, dir, "otpgate.yaml", config(slapd.AdminPassword))

	if out := mustRun(t, "--config", cfg, "connectors", "list"); !strings.Contains(out, "corp-ldap") || !strings.Contains(out, "Corporate directory") {
		t.Errorf("connectors list: %q", out)
	}
	if out := mustRun(t, "--config", cfg, "connectors", "test", "corp-ldap"); !strings.Contains(out, "connector corp-ldap: connected to "+srv.Host) {
		t.Errorf("connectors test: %q", out)
	}
	mustFail(t, "", []string{"--config", cfg, "connectors", "test", "nope"}, `no connector "nope"`)
	wrong := writeFile(t, dir, "wrong.yaml", config("not-the-password"))
	if stderr := mustFail(t, "", []string{"--config", wrong, "connectors", "test", "corp-ldap"}, "bind as the service account"); strings.Contains(stderr, "not-the-password") {
		t.Errorf("the bind password is in the error: %q", stderr)
	}

	s := startServe(t, addr, "--config", cfg, "serve")
	ctx := context.Background()
	nonce := "n-ldap"
	app, err := rp.NewRelyingPartyOIDC(ctx, s.base, "webapp", secret, "https://rp.example/callback",
		[]string{oidc.ScopeOpenID, oidc.ScopeProfile}, rp.WithVerifierOpts(rp.WithNonce(func(context.Context) string { return nonce })))
	if err != nil {
		t.Fatal(err)
	}
	b := browser.New()
	p, err := b.Get(rp.AuthURL("st", app, rp.AuthURLOpt(rp.WithURLParam("nonce", nonce))))
	if err == nil {
		p, err = b.Follow(p)
	}
	if err != nil || p.Step() != "password" {
		t.Fatalf("the password page: %v, step %q", err, p.Step())
	}
	if p, err = b.Submit(p, map[string]string{"username": "alice", "password": slapd.AlicePassword}); err != nil {
		t.Fatal(err)
	}
	if p.Code() == "" {
		t.Fatalf("no code after the directory password: step %q alert %q", p.Step(), p.Alert())
	}
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.Code(), app)
	if err != nil {
		t.Fatal(err)
	}
	if c := tokens.IDTokenClaims; c.Claims["idp"] != "corp-ldap" || c.PreferredUsername != "alice" {
		t.Fatalf("ID token: idp %v preferred_username %q", c.Claims["idp"], c.PreferredUsername)
	}
	s.stop(t)

	uuid := srv.EntryUUID(t, slapd.UserDN("alice"))
	if show := mustRun(t, "--config", cfg, "user", "show", "alice"); !strings.Contains(show, "connector:           corp-ldap (Corporate directory), upstream identity "+uuid) {
		t.Errorf("user show does not name the connector: %q", show)
	}
	if out := mustRun(t, "--config", cfg, "audit", "--user", "alice"); !strings.Contains(out, "connector corp-ldap") {
		t.Errorf("audit does not name the connector: %q", out)
	}
	if out := mustRun(t, "--config", cfg, "user", "reset-otp", "alice"); !strings.Contains(out, "enrollment code") {
		t.Errorf("user reset-otp for a directory user: %q", out)
	}
}

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestFactorOnlyCLI registers factor-only clients: with the public keys
// that sign their request objects, or trusted with plain login hints.
func TestFactorOnlyCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	public := write("public.json", jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1"}}})
	private := write("private.json", jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1"}}})

	out := mustRun(t, "--data", dir, "client", "add", "--id", "okta", "--redirect-uri", "https://okta.example.com/cb",
		"--second-factor-only", "--jwks-file", public)
	if !strings.Contains(out, "created second-factor-only confidential client okta") || !strings.Contains(out, "client secret") {
		t.Errorf("client add --second-factor-only: %q", out)
	}
	out = mustRun(t, "--data", dir, "client", "add", "--id", "kc", "--redirect-uri", "https://kc.example.com/cb",
		"--second-factor-only", "--trust-login-hint")
	if !strings.Contains(out, "created second-factor-only confidential client kc") {
		t.Errorf("client add --trust-login-hint: %q", out)
	}
	out = mustRun(t, "--data", dir, "client", "add", "--id", "pkj", "--redirect-uri", "https://pkj.example.com/cb",
		"--second-factor-only", "--jwks-file", public, "--private-key-jwt")
	if !strings.Contains(out, "created second-factor-only confidential client pkj") || strings.Contains(out, "client secret") {
		t.Errorf("client add --private-key-jwt: %q", out)
	}
	if show := mustRun(t, "--data", dir, "client", "show", "pkj"); !strings.Contains(show, "token auth:       private_key_jwt") ||
		!strings.Contains(show, "names users by:   signed request object") {
		t.Errorf("client show pkj: %q", show)
	}
	if show := mustRun(t, "--data", dir, "client", "show", "kc"); !strings.Contains(show, "names users by:   signed request object, or plain login_hint") ||
		!strings.Contains(show, "HS256 objects:    yes") {
		t.Errorf("client show kc: %q", show)
	}
	if show := mustRun(t, "--data", dir, "client", "show", "pkj"); !strings.Contains(show, "HS256 objects:    no (no client secret)") {
		t.Errorf("client show pkj: %q", show)
	}

	// Without keys, the request objects are signed HS256 with the secret:
	// a generated one, or a given one strong enough.
	out = mustRun(t, "--data", dir, "client", "add", "--id", "authentik", "--redirect-uri", "https://ak.example.com/cb",
		"--second-factor-only")
	if !strings.Contains(out, "created second-factor-only confidential client authentik") || !strings.Contains(out, "client secret") ||
		!strings.Contains(out, "signed HS256 with the client secret") {
		t.Errorf("client add --second-factor-only without keys: %q", out)
	}
	if show := mustRun(t, "--data", dir, "client", "show", "authentik"); !strings.Contains(show, "names users by:   signed request object") ||
		!strings.Contains(show, "registered keys:  no") || !strings.Contains(show, "HS256 objects:    yes") {
		t.Errorf("client show authentik: %q", show)
	}
	// A weak given secret with keys is kept as a hash only, and says how
	// to enable HS256; a rotation does.
	out = mustRun(t, "--data", dir, "client", "add", "--id", "weak", "--redirect-uri", "https://weak.example.com/cb",
		"--second-factor-only", "--jwks-file", public, "--secret", "sixteen-chars-ok!")
	if !strings.Contains(out, "too weak to sign request objects HS256; otpgate client update weak --rotate-secret enables them") {
		t.Errorf("client add with a weak secret: %q", out)
	}
	if show := mustRun(t, "--data", dir, "client", "show", "weak"); !strings.Contains(show, "HS256 objects:    no (the secret predates HS256 support or is too weak: rotate it to enable)") {
		t.Errorf("client show weak: %q", show)
	}
	mustRun(t, "--data", dir, "client", "update", "weak", "--rotate-secret")
	if show := mustRun(t, "--data", dir, "client", "show", "weak"); !strings.Contains(show, "HS256 objects:    yes") {
		t.Errorf("client show weak after --rotate-secret: %q", show)
	}
	add := func(args ...string) []string {
		return append([]string{"--data", dir, "client", "add", "--redirect-uri", "https://x.example.com/cb"}, args...)
	}
	mustFail(t, "", add("--id", "a1", "--second-factor-only", "--public"), "--jwks-file is required for a public")
	mustFail(t, "", add("--id", "a7", "--second-factor-only", "--secret", "sixteen-chars-ok!"), "--secret is too weak to sign", "jwks-file")
	mustFail(t, "", add("--id", "a2", "--second-factor-only", "--jwks-file", private), "private key")
	mustFail(t, "", add("--id", "a3", "--trust-login-hint"), "--second-factor-only is required")
	mustFail(t, "", add("--id", "a5", "--private-key-jwt"), "--private-key-jwt goes with")
	mustFail(t, "", add("--id", "a6", "--second-factor-only", "--jwks-file", public, "--private-key-jwt", "--secret", "sixteen-chars-ok!"), "replaces the secret")
	mustFail(t, "", add("--id", "a4", "--second-factor-only", "--jwks-file", filepath.Join(dir, "missing.json")), "--jwks-file")
}

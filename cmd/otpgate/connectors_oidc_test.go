package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConnectorsTestOIDC: otpgate connectors test reads an upstream's
// discovery and key set, and says in one line when it cannot.
func TestConnectorsTestOIDC(t *testing.T) {
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
			"token_endpoint": issuer + "/token", "jwks_uri": issuer + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",` +
			`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	issuer = srv.URL
	dir := t.TempDir()
	cfg := filepath.Join(dir, "otpgate.yaml")
	if err := os.WriteFile(filepath.Join(dir, "encryption.key"), []byte(strings.Repeat("ab", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(upstream string) {
		yaml := "issuer: https://login.example.org\nencryption_key_file: " + filepath.Join(dir, "encryption.key") + "\nconnectors:\n  - id: corp-sso\n    type: oidc\n    name: Corporate SSO\n" +
			"    config:\n      issuer: " + upstream + "\n      client_id: otpgate\n      client_secret: s3cret\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(issuer)
	out := mustRun(t, "--data", dir, "--config", cfg, "connectors", "test", "corp-sso")
	if !strings.Contains(out, "https://login.example.org/login/connector/corp-sso/callback") {
		t.Fatalf("connectors test: %q", out)
	}
	write("http://127.0.0.1:1")
	mustFail(t, "", []string{"--data", dir, "--config", cfg, "connectors", "test", "corp-sso"}, "corp-sso", "unavailable")
}

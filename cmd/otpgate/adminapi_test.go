package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminAPIWithTheCLI registers a machine client with the CLI names the
// black-box tests use, gets a token with the client credentials grant
// from the served binary, unlocks an account and resets its device
// through the admin API, and finds the client as the actor in
// otpgate audit.
func TestAdminAPIWithTheCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	const secret = "automation-secret-0123456789"
	mustFail(t, "", []string{"--data", dir, "client", "add", "--id", "bad", "--secret", secret, "--grant", "client_credentials"}, "--scope is required")
	mustFail(t, "", []string{"--data", dir, "client", "add", "--id", "bad", "--secret", secret, "--grant", "client_credentials",
		"--scope", "openid"}, "is not one a client can be granted")
	mustFail(t, "", []string{"--data", dir, "client", "add", "--id", "bad", "--secret", secret, "--grant", "password",
		"--scope", "admin:read"}, "is not supported")
	mustFail(t, "", []string{"--data", dir, "client", "add", "--id", "bad", "--secret", secret, "--grant", "client_credentials",
		"--scope", "admin:read", "--redirect-uri", "https://a.example/cb"}, "signs nobody in")
	out := mustRun(t, "--data", dir, "client", "add", "--id", "automation", "--secret", secret, "--grant", "client_credentials",
		"--scope", "admin:read", "--scope", "admin:write")
	if !strings.Contains(out, "created machine client automation") || !strings.Contains(out, "/admin/api/v1") {
		t.Errorf("client add: %q", out)
	}
	if show := mustRun(t, "--data", dir, "client", "show", "automation"); !strings.Contains(show, "scopes:           admin:read admin:write") {
		t.Errorf("client show: %q", show)
	}
	mustRun(t, "--data", dir, "user", "add", "--username", "ada", "--email", "ada@example.com", "--password", "correct-horse-battery-1")

	s := startServe(t, addr, "--data", dir, "--listen", addr)
	token := func() string {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/oauth/token",
			strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {"admin:read admin:write"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("automation", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
			t.Fatalf("token: %d %v", resp.StatusCode, err)
		}
		return body.AccessToken
	}()
	call := func(method, path string) (int, map[string]any) {
		req, _ := http.NewRequest(method, s.base+"/admin/api/v1"+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("%s %s: %d, not JSON", method, path, resp.StatusCode)
		}
		return resp.StatusCode, body
	}
	if status, body := call(http.MethodGet, "/users?locked=true"); status != http.StatusOK || len(body["users"].([]any)) != 0 {
		t.Fatalf("locked users: %d %v", status, body)
	}
	if status, body := call(http.MethodPost, "/users/ada/unlock"); status != http.StatusOK || body["username"] != "ada" {
		t.Fatalf("unlock: %d %v", status, body)
	}
	status, body := call(http.MethodPost, "/users/ada/reset-device")
	if status != http.StatusOK || body["enrollment_code"] == "" || body["valid_until"] == "" {
		t.Fatalf("reset-device: %d %v", status, body)
	}
	s.stop(t)
	audit := mustRun(t, "--data", dir, "audit", "--user", "ada")
	var lines []string
	for _, l := range strings.Split(audit, "\n") {
		if strings.Contains(l, " automation ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Errorf("audit lines with the client as the actor: %q (audit %q)", lines, audit)
	}
	if code, _ := body["enrollment_code"].(string); strings.Contains(audit, code) {
		t.Errorf("the enrollment code is in the audit log")
	}
}

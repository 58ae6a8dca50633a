package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigProblemsTogether: an unknown key, a wrongly typed value, a
// malformed environment variable and problems only validation finds are
// printed together, one per line, each starting with its key, after a line
// naming the file; nothing is started.
func TestConfigProblemsTogether(t *testing.T) {
	dir := t.TempDir()
	key, _ := newKeyFile(t, dir, "encryption.key")
	cfg := writeFile(t, dir, "otpgate.yaml", `issuer: https://login.example.com
encryption_key_file: `+key+`
mail:
  smtp_hots: smtp.example.com
log:
  level: verbose
lockout:
  passcode_attempts: five
clients:
  - id: shop
    secret: change-me
    redirect_uris: [https://shop.example.com/cb]
    post_logout_redirect_uri: [https://shop.example.com/]
`)
	t.Setenv("OTPGATE_LOGIN_FLOW_LIFETIME", "soon")
	for _, cmd := range [][]string{{"serve"}, {"client", "list"}} {
		mustFailConfig(t, append([]string{"--config", cfg, "--data", filepath.Join(dir, "data")}, cmd...),
			"invalid configuration ("+cfg+"): 6 problems:",
			"mail.smtp_hots: unknown key (line 4); did you mean mail.smtp_host?",
			`lockout.passcode_attempts: must be a whole number, not "five" (line 8)`,
			"clients[0].post_logout_redirect_uri: unknown key (line 13); did you mean clients[0].post_logout_redirect_uris?",
			`OTPGATE_LOGIN_FLOW_LIFETIME: invalid duration "soon" (use a value like 15m or 1h30m)`,
			`log.level: must be one of debug, info, warn, error (got "verbose")`,
			`clients[0].secret: client "shop" has a placeholder secret, not a real one: generate one with openssl rand -base64 32 `+
				"and keep it in a file named by secret_file",
		)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("a refused start made the data directory: %v", err)
	}
}

// TestExampleConfigPlaceholderRefused: the example configuration, copied
// unchanged, does not start: its client secret is a placeholder, and the
// message says how to make a real one. With a real secret it does.
func TestExampleConfigPlaceholderRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	example, err := os.ReadFile(filepath.Join("..", "..", "config", "otpgate.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := newKeyFile(t, dir, "encryption.key")
	cfg := writeFile(t, dir, "otpgate.yaml", string(example))
	args := []string{"--config", cfg, "--data", filepath.Join(dir, "data"), "--encryption-key-file", key}
	mustFail(t, "", append(args, "serve"), "otpgate: invalid configuration ("+cfg+"): "+
		`clients[0].secret: client "webapp" has a placeholder secret, not a real one: generate one with openssl rand -base64 32`)

	real := strings.Replace(string(example), "secret: replace-with-a-long-random-secret", "secret: 8Zb0q2WmYc4rT1vXn7LpK3dHs9FgJ6aE5uQwRoNiBy0=", 1)
	writeFile(t, dir, "otpgate.yaml", real)
	if out := mustRun(t, append(args, "migrate")...); !strings.Contains(out, "up to date") {
		t.Errorf("migrate with the example and a real secret: %q", out)
	}
}

package main

import (
	"os"
	"path/filepath"
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
    secret: 0123456789abcdef
    redirect_uris: [https://shop.example.com/cb]
    post_logout_redirect_uri: [https://shop.example.com/]
`)
	t.Setenv("OTPGATE_LOGIN_FLOW_LIFETIME", "soon")
	for _, cmd := range [][]string{{"serve"}, {"client", "list"}} {
		mustFailConfig(t, append([]string{"--config", cfg, "--data", filepath.Join(dir, "data")}, cmd...),
			"invalid configuration ("+cfg+"): 5 problems:",
			"mail.smtp_hots: unknown key (line 4); did you mean mail.smtp_host?",
			`lockout.passcode_attempts: must be a whole number, not "five" (line 8)`,
			"clients[0].post_logout_redirect_uri: unknown key (line 13); did you mean clients[0].post_logout_redirect_uris?",
			`OTPGATE_LOGIN_FLOW_LIFETIME: invalid duration "soon" (use a value like 15m or 1h30m)`,
			`log.level: must be one of debug, info, warn, error (got "verbose")`,
		)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("a refused start made the data directory: %v", err)
	}
}

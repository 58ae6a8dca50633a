package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyRows returns the data rows of keys list.
func keyRows(t *testing.T, args ...string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(mustRun(t, append(args, "keys", "list")...)), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("keys list: no header in %q", lines)
	}
	return lines[1:]
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// keyStates groups the rows of keys list by state and algorithm:
// state → algorithm → key ids.
func keyStates(rows []string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, r := range rows {
		f := strings.Fields(r)
		state := "active"
		switch {
		case strings.Contains(r, "retired (published)"):
			state = "retired (published)"
		case strings.Contains(r, "retired"):
			state = "retired"
		}
		if out[state] == nil {
			out[state] = map[string][]string{}
		}
		out[state][f[1]] = append(out[state][f[1]], f[0])
	}
	return out
}

func TestKeysRotateAndList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if rows := keyRows(t, "--data", dir); len(rows) != 0 {
		t.Fatalf("keys list on a new database = %q, want no keys", rows)
	}
	out := mustRun(t, "--data", dir, "keys", "rotate")
	rows := keyRows(t, "--data", dir)
	first := keyStates(rows)
	if len(rows) != 3 || len(first["active"]) != 3 || len(first["active"]["RS256"]) != 1 ||
		len(first["active"]["ES256"]) != 1 || len(first["active"]["EdDSA"]) != 1 {
		t.Fatalf("keys list after the first rotate = %q, want one active key per algorithm", rows)
	}
	if !strings.Contains(out, first["active"]["EdDSA"][0]+" (EdDSA)") {
		t.Errorf("the first keys rotate printed %q, not the new keys", out)
	}

	out = mustRun(t, "--data", dir, "keys", "rotate")
	rows = keyRows(t, "--data", dir)
	if len(rows) != 6 {
		t.Fatalf("keys list after rotating again = %q, want 6 keys", rows)
	}
	states := keyStates(rows)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		active, retired := states["active"][alg], states["retired (published)"][alg]
		if len(active) != 1 || len(retired) != 1 || retired[0] != first["active"][alg][0] {
			t.Errorf("%s keys in %q: want one active key and %v retired but published", alg, rows, first["active"][alg])
		}
		if len(active) == 1 && !strings.Contains(out, active[0]+" ("+alg+")") {
			t.Errorf("keys rotate printed %q, not the new %s key %s", out, alg, active[0])
		}
	}
	mustFail(t, "", []string{"--data", dir, "keys"}, "missing subcommand")
}

func TestProductionConfigNeedsIssuerAndKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "otpgate.yaml", "data_dir: "+filepath.Join(dir, "data")+"\n")
	want := []string{
		"invalid configuration (" + cfg + "): 2 problems:",
		"issuer: required outside zero-config development mode",
		"encryption_key_file: required outside zero-config development mode (or set OTPGATE_ENCRYPTION_KEY)",
	}
	mustFailConfig(t, []string{"--config", cfg, "user", "list"}, want...)
	// serve stops the same way before touching anything.
	mustFailConfig(t, []string{"--config", cfg, "serve"}, want...)
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Error("a refused start-up created the data directory")
	}

	mustFail(t, "", []string{"--issuer", "https://login.example.com", "--data", dir, "user", "list"}, "encryption")
	mustFailConfig(t, []string{"--issuer", "http://login.example.com", "--data", dir, "user", "list"},
		"invalid configuration: 2 problems:",
		"issuer: must be an absolute https URL (http allowed only for 127.0.0.1/localhost/::1)",
		"encryption_key_file: required outside zero-config development mode (or set OTPGATE_ENCRYPTION_KEY)")
	mustFail(t, "", []string{"--config", filepath.Join(dir, "missing.yaml"), "user", "list"}, "missing.yaml", "not found")
	bad := writeFile(t, dir, "typo.yaml", "isuer: https://login.example.com\nencryption_key_file: /k\n")
	// The misspelt key and what it leaves missing, together.
	mustFailConfig(t, []string{"--config", bad, "user", "list"}, "invalid configuration ("+bad+"): 2 problems:",
		"isuer: unknown key (line 1); did you mean issuer?", "issuer: required outside zero-config development mode")
	// One problem is one line.
	fixed := writeFile(t, dir, "fixed.yaml", "issuer: https://login.example.com\nencryption_key_file: /k\nlog:\n  levle: debug\n")
	mustFail(t, "", []string{"--config", fixed, "user", "list"},
		"otpgate: invalid configuration ("+fixed+"): log.levle: unknown key (line 4); did you mean log.level?")
	short := writeFile(t, dir, "short.key", "c2hvcnQ=\n")
	mustFail(t, "", []string{"--issuer", "https://login.example.com", "--data", dir, "--encryption-key-file", short, "user", "list"},
		"encryption key", "32 bytes")
}

func TestWrongEncryptionKeyStopsStartUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "keys", "rotate") // signing keys sealed with the development key
	devKey, err := os.ReadFile(filepath.Join(dir, "encryption.key"))
	if err != nil {
		t.Fatal(err)
	}
	right := writeFile(t, t.TempDir(), "right.key", string(devKey))
	wrong := writeFile(t, t.TempDir(), "wrong.key", strings.Repeat("ab", 32)+"\n")
	prod := func(key string, args ...string) []string {
		return append([]string{"--issuer", "https://login.example.com", "--data", dir, "--encryption-key-file", key}, args...)
	}
	// The right key, given explicitly, works outside development mode.
	if rows := keyRows(t, prod(right)...); len(rows) != 3 {
		t.Errorf("keys list with the right key = %q, want the 3 keys", rows)
	}
	for _, args := range [][]string{{"keys", "list"}, {"keys", "rotate"}, {"user", "list"}, {"serve", "--listen", "127.0.0.1:1"}} {
		mustFail(t, "", prod(wrong, args...), "encryption key")
	}
	if rows := keyRows(t, prod(right)...); len(rows) != 3 {
		t.Errorf("after the refused commands keys list = %q, want still the 3 keys", rows)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMain clears OTPGATE_* variables so that the developer's environment
// cannot change what run sees; tests pass everything as flags. The test
// harness's own switches (OTPGATE_TEST_*, OTPGATE_INTEROP_*) stay: they
// configure the tests, never otpgate. After the
// tests it says when TestInterop skipped all or part of the browser suite,
// where a plain `go test ./...` shows it (see announce).
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "OTPGATE_") && !strings.HasPrefix(name, "OTPGATE_TEST_") && !strings.HasPrefix(name, "OTPGATE_INTEROP_") {
			os.Unsetenv(name)
		}
	}
	code := m.Run()
	if interopSkipped != "" {
		announce(code == 0, "note: the browser/interop suite (TestInterop) was skipped"+interopSkipped+
			`; see README "Test it"`)
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a server goroutine to write while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// result is one finished command line.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs one command line with stdin and returns its exit status and output.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// mustRun runs a command that must succeed and returns its standard output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("otpgate %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// mustFail runs a command that must fail with exit status 1 and one line on
// stderr starting "otpgate:" and containing every one of want.
func mustFail(t *testing.T, stdin string, args []string, want ...string) string {
	t.Helper()
	r := runCLI(t, stdin, args...)
	if r.code != 1 {
		t.Fatalf("otpgate %s: exit %d, want 1 (stdout %q, stderr %q)", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "otpgate: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("otpgate %s: stderr %q, want one line starting \"otpgate: \"", strings.Join(args, " "), r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("otpgate %s: stderr %q does not mention %q", strings.Join(args, " "), r.stderr, w)
		}
	}
	return r.stderr
}

// mustFailConfig runs a command that must fail with exit status 1 on an
// unusable configuration: stderr is the lines want, each after "otpgate: ".
func mustFailConfig(t *testing.T, args []string, want ...string) {
	t.Helper()
	r := runCLI(t, "", args...)
	if r.code != 1 {
		t.Fatalf("otpgate %s: exit %d, want 1 (stdout %q, stderr %q)", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	var lines []string
	for _, w := range want {
		lines = append(lines, "otpgate: "+w+"\n")
	}
	if got := strings.Join(lines, ""); r.stderr != got {
		t.Errorf("otpgate %s: stderr\n%s\nwant\n%s", strings.Join(args, " "), r.stderr, got)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", "version")
	if r.code != 0 || r.stdout != "otpgate "+version+"\n" || r.stderr != "" {
		t.Errorf("version = %d, %q, %q; want 0, %q, \"\"", r.code, r.stdout, r.stderr, "otpgate "+version+"\n")
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", "help")
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: otpgate") {
		t.Errorf("help = %d, %q", r.code, r.stdout)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustFail(t, "", []string{"--data", dir, "frobnicate"}, `"frobnicate"`)
	mustFail(t, "", []string{"--data", dir, "user", "frobnicate"}, `"frobnicate"`)
	mustFail(t, "", []string{"--data", dir, "client", "frobnicate"}, `"frobnicate"`)
	mustFail(t, "", []string{"--data", dir, "keys", "frobnicate"}, `"frobnicate"`)
	mustFail(t, "", []string{"--data", dir, "user"}, "missing subcommand")
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 2 {
		if out := mustRun(t, "--data", dir, "migrate"); !strings.Contains(out, "up to date at version ") {
			t.Errorf("migrate #%d: stdout %q", i+1, out)
		}
	}
	if _, err := os.Stat(dir + "/otpgate.db"); err != nil {
		t.Errorf("migrate did not create the database in the data directory: %v", err)
	}
	// Zero-config mode keeps its generated key in the data directory, private.
	fi, err := os.Stat(dir + "/encryption.key")
	if err != nil {
		t.Fatalf("development key: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("encryption.key mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestGlobalFlagsAfterSubcommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "user", "add", "--username", "carol", "--password", "a long enough password", "--data", dir)
	for _, args := range [][]string{
		{"user", "list", "--data", dir},
		{"--data", dir, "user", "list"},
		{"user", "show", "carol", "--data", dir},
		{"user", "show", "--data", dir, "carol"},
	} {
		if out := mustRun(t, args...); !strings.Contains(out, "carol") {
			t.Errorf("otpgate %s: stdout %q does not list carol", strings.Join(args, " "), out)
		}
	}
	// A different data directory is a different database.
	if out := mustRun(t, "user", "list", "--data", t.TempDir()); strings.Contains(out, "carol") {
		t.Errorf("user list in an empty data directory lists carol: %q", out)
	}
}

func TestBadFlagsAreOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustFail(t, "", []string{"--nope"}, "-nope")
	mustFail(t, "", []string{"--data", dir, "user", "add", "--bogus"}, "user add", "-bogus")
	mustFail(t, "", []string{"--data", dir, "client", "list", "--x=1"}, "client list", "-x")
	r := runCLI(t, "", "--data", dir, "user", "add", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "-username") || r.stderr != "" {
		t.Errorf("user add -h = %d, %q, %q", r.code, r.stdout, r.stderr)
	}
}

// TestAdminCommandsNeverMakeAnEmptyDatabase: an administrator's command run
// away from the server's settings fails with how to point at them, and
// leaves nothing behind; serve and migrate, and any command told where the
// database is, go on as before. The packaged config file is read when
// nothing else names one.
func TestAdminCommandsNeverMakeAnEmptyDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	old := defaultConfigFile
	defaultConfigFile = filepath.Join(dir, "etc", "otpgate.yaml")
	t.Cleanup(func() { defaultConfigFile = old })

	for _, args := range [][]string{{"audit"}, {"user", "list"}, {"user", "show", "demo"}, {"client", "list"}, {"keys", "list"}} {
		mustFail(t, "", args, "no otpgate database at data/otpgate.db", "--config FILE", "--data DIR", "OTPGATE_CONFIG")
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Fatalf("a refused command left ./data behind: %v", err)
	}
	// migrate makes the database; then the commands find it where they look.
	mustRun(t, "migrate")
	if out := mustRun(t, "user", "list"); !strings.Contains(out, "USERNAME") {
		t.Fatalf("user list after migrate: %q", out)
	}

	// Elsewhere, the packaged config file names the data directory.
	other := t.TempDir()
	t.Chdir(other)
	mustFail(t, "", []string{"audit"}, "no otpgate database")
	if err := os.MkdirAll(filepath.Dir(defaultConfigFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(defaultConfigFile, []byte("issuer: http://127.0.0.1:18080\ndata_dir: "+filepath.Join(dir, "data")+
		"\nencryption_key_file: "+filepath.Join(dir, "data", "encryption.key")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "audit")
	if _, err := os.Stat(filepath.Join(other, "data")); !os.IsNotExist(err) {
		t.Fatalf("./data made in the other directory: %v", err)
	}
}

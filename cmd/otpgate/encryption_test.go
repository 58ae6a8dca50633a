//go:build linux

package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// newKeyFile writes a fresh random key to dir/name (mode 0600) and returns
// its path and key id.
func newKeyFile(t *testing.T, dir, name string) (path, id string) {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return writeFile(t, dir, name, base64.StdEncoding.EncodeToString(key)+"\n"), credential.KeyID(key)
}

// signInWithPasscode signs u in on base through password, question and
// passcode (offset steps ahead of now) and fails unless the flow ends
// with a code for the application.
func signInWithPasscode(t *testing.T, base, issuer string, c fleet.Client, u *fixtures.Account, offset int64, what string) {
	t.Helper()
	b := fleet.NewBrowser()
	p, err := fleet.FirstFactor(b, func() string { return base }, fleet.NewAuth(issuer, c, "openid"), u)
	if err != nil || p.Step() != "otp" {
		t.Fatalf("%s: want the passcode step, got %v %s", what, err, p.Describe())
	}
	p, err = b.On(base).Submit(p, map[string]string{"code": fleet.Passcode(u.Secret, offset)})
	if err != nil || p.Code() == "" {
		t.Fatalf("%s: the passcode was not accepted: %v %s", what, err, p.Describe())
	}
}

// TestRotateEncryptionKey follows the documented rotation on a data
// directory with an enrolled device: after keys rotate-encryption, the
// passcode of the device is accepted with the new key as primary (the old
// one accepted) and with the new key alone; with only the old key every
// command and serve stop with a clear error.
func TestRotateEncryptionKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oldKey, oldID := newKeyFile(t, dir, "old.key")
	newKey, newID := newKeyFile(t, dir, "new.key")
	addr := freeAddr(t)
	issuer := "http://" + addr
	config := func(name, primary string, accepted ...string) string {
		return writeFile(t, dir, name, fmt.Sprintf("issuer: %s\nlisten: %s\ndata_dir: %s\nencryption_key_file: %s\nencryption_accepted_key_files: [%s]\nmfa: {enrollment_proof: none}\nlockout: {attempts_per_minute_per_ip: 0}\n",
			issuer, addr, dir, primary, strings.Join(accepted, ", ")))
	}
	oldOnly := config("old.yaml", oldKey)
	rollout := config("rollout.yaml", oldKey, newKey) // step 1: the new key accepted
	swapped := config("swapped.yaml", newKey, oldKey) // step 3: the new key primary
	newOnly := config("new.yaml", newKey)             // step 5: the old key dropped

	// A user enrols a device while only the old key exists.
	s := startServe(t, addr, "--config", oldOnly)
	app := fleet.Client{ID: "app", Secret: "secret-" + strings.ToLower(rand.Text())}
	mustRun(t, "--config", oldOnly, "client", "add", "--id", app.ID, "--name", "App", "--secret", app.Secret,
		"--redirect-uri", fixtures.RedirectURI)
	// A factor-only client, whose secret is kept sealed for HS256.
	mustRun(t, "--config", oldOnly, "client", "add", "--id", "idp", "--second-factor-only", "--redirect-uri", fixtures.RedirectURI)
	st := openDataStore(t, dir)
	u := &fixtures.Account{ID: fixtures.NewID(), Name: "erin", Password: "pw-" + strings.ToLower(rand.Text()), Answer: "Rex the dog"}
	fixtures.AddUser(t, st, fixtures.Hasher, *u, true)
	fleet.EnrollUser(t, s.base, issuer, app, u)
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve returned %d: %s", code, s.stderr)
	}
	status := mustRun(t, "--config", oldOnly, "keys", "encryption-status")
	if !strings.Contains(status, "device secret") || !strings.Contains(status, oldID) || strings.Contains(status, newID) {
		t.Fatalf("encryption-status before the rotation = %q, want the device under %s", status, oldID)
	}

	// Step 2: re-encrypt (three signing keys: one per algorithm).
	out := mustRun(t, "--config", rollout, "keys", "rotate-encryption", "--new-key-file", newKey)
	for _, want := range []string{"re-encrypted with key " + newID, "1 device secrets (0 already under it)", "3 signing keys (0 already under it)",
		"1 client secrets (0 already under it)"} {
		if !strings.Contains(out, want) {
			t.Errorf("rotate-encryption printed %q, want %q", out, want)
		}
	}
	status = mustRun(t, "--config", rollout, "keys", "encryption-status")
	if strings.Contains(status, oldID) || !strings.Contains(status, newID) {
		t.Errorf("encryption-status after the rotation = %q, want every value under %s only", status, newID)
	}
	events, err := st.AuditEvents(t.Context(), store.AuditQuery{})
	if err != nil || len(events) == 0 || !strings.Contains(events[len(events)-1].Detail, "re-encrypted with key "+newID) {
		t.Errorf("audit log = %+v, %v; want the rotation recorded last", events, err)
	}
	// Step 4: running again, now with the new key primary, re-seals nothing.
	out = mustRun(t, "--config", swapped, "keys", "rotate-encryption", "--new-key-file", newKey)
	if !strings.Contains(out, "0 device secrets (1 already under it)") || !strings.Contains(out, "0 client secrets (1 already under it)") {
		t.Errorf("second rotate-encryption printed %q, want the device and the client secret left as they are", out)
	}

	// The passcode check works with the new key primary and the old one
	// accepted, and with the new key alone.
	s = startServe(t, addr, "--config", swapped)
	signInWithPasscode(t, s.base, issuer, app, u, 1, "new key primary, old accepted")
	s.stop(t)
	// As if the clock had moved on: the device's last step is forgotten, so
	// that the next sign-in has a fresh code without waiting 30 s.
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), "UPDATE devices SET last_step = 0"); err != nil {
		t.Fatal(err)
	}
	s = startServe(t, addr, "--config", newOnly)
	signInWithPasscode(t, s.base, issuer, app, u, 0, "new key alone")
	s.stop(t)

	// The old key alone opens nothing any more: refused before anything runs.
	mustFail(t, "", []string{"--config", oldOnly, "user", "list"}, "encryption key", "another key")
	mustFail(t, "", []string{"--config", oldOnly, "serve"}, "encryption key", "another key")
}

// TestKeyFilesRefused: a key file open to other users, or a weak key, stops
// every command with a message naming the file, never the key.
func TestKeyFilesRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, _ := newKeyFile(t, dir, "good.key")
	open, _ := newKeyFile(t, dir, "open.key")
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := writeFile(t, dir, "zero.key", strings.Repeat("0", 64)+"\n")
	data := t.TempDir()
	base := []string{"--data", data, "--encryption-key-file"}
	mustFail(t, "", append(base, open, "user", "list"), "encryption key: file "+open, "mode 0644", "chmod 600 "+open)
	mustFail(t, "", append(base, zero, "user", "list"), "encryption key: file "+zero, "is weak")
	mustFail(t, "", append(base, good, "keys", "rotate-encryption", "--new-key-file", open), "--new-key-file: file "+open, "mode 0644")
	mustFail(t, "", append(base, good, "keys", "rotate-encryption", "--new-key-file", zero), "--new-key-file: file "+zero, "is weak")
	mustFail(t, "", append(base, good, "keys", "rotate-encryption"), "--new-key-file is required")
	// The development key in the data directory is checked the same way.
	dev := t.TempDir()
	mustRun(t, "--data", dev, "user", "list")
	if err := os.Chmod(dev+"/encryption.key", 0o644); err != nil {
		t.Fatal(err)
	}
	mustFail(t, "", []string{"--data", dev, "user", "list"}, "encryption key: file "+dev+"/encryption.key", "chmod 600")
}

package dex

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Version is the Dex module version built. The module proxy serves Dex's
// commits as pseudo-versions only: its v2.x tags predate a /v2 module
// path, so `go get …@v2.x` finds nothing.
const Version = "v0.0.0-20260806151424-ab64ed778070"

// modulePath is Dex's module.
const modulePath = "github.com/dexidp/dex"

// enabled is read before any TestMain clears OTPGATE_*.
var enabled = os.Getenv("OTPGATE_TEST_DEX") == "1"

// Need skips the test unless OTPGATE_TEST_DEX=1, and in -short mode.
func Need(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("Dex tests skipped in -short mode")
	}
	if !enabled {
		t.Skip("builds Dex from the Go module proxy (minutes on a cold cache): set OTPGATE_TEST_DEX=1 to run it (CI does)")
	}
}

// apiCuts remove Dex's gRPC admin API from cmd/dex/serve.go: it needs the
// generated code of Dex's api/v2 module at the same commit, which is not
// published (Dex builds it through a replace directive), and nothing here
// uses it. Each cut must match exactly once.
var apiCuts = []string{
	"\t\"github.com/dexidp/dex/api/v2\"\n",
	"\t\"github.com/dexidp/dex/server/apiserver\"\n",
	"\t\tapi.RegisterDexServer(grpcSrv, apiserver.NewAPI(serverConfig.Storage, logger, version, serv.Connectors(), serv.Discovery(), serv.Backchannel()))\n",
}

// withoutAPI is serve.go less the gRPC admin API.
func withoutAPI(serve string) (string, error) {
	for _, cut := range apiCuts {
		if strings.Count(serve, cut) != 1 {
			return "", fmt.Errorf("cmd/dex/serve.go of %s does not hold %q once", Version, strings.TrimSpace(cut))
		}
		serve = strings.Replace(serve, cut, "", 1)
	}
	return serve, nil
}

// Binary builds Dex into a temporary directory of t and returns the
// binary's path. It skips t when Dex cannot be fetched from the module
// proxy (no network, a proxy that lacks the version, a Go too old for
// Dex) and fails it when the fetched sources do not build.
func Binary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	env := append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return strings.TrimSpace(out.String()), err
	}
	if out, err := run("mod", "init", "otpgate.test/dexbuild"); err != nil {
		t.Fatalf("go mod init: %v\n%s", err, out)
	}
	started := time.Now()
	if out, err := run("get", modulePath+"/cmd/dex@"+Version); err != nil {
		// OTPGATE_TEST_DEX=1 asked for this test: a Dex that cannot be
		// fetched fails it rather than passing it unrun.
		t.Fatalf("cannot fetch Dex %s from the Go module proxy: %v\n%s", Version, err, tail(out))
	}
	src, err := run("list", "-m", "-f", "{{.Dir}}", modulePath)
	if err != nil {
		t.Fatalf("locate Dex's sources: %v\n%s", err, src)
	}
	if err := copyMain(filepath.Join(src, "cmd", "dex"), filepath.Join(dir, "dex")); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin", "dex")
	if out, err := run("build", "-ldflags", "-X main.version="+Version, "-o", bin, "./dex"); err != nil {
		t.Fatalf("build Dex %s: %v\n%s", Version, err, tail(out))
	}
	t.Logf("built Dex %s in %s", Version, time.Since(started).Round(time.Second))
	return bin
}

// copyMain copies the Go files of Dex's cmd/dex (not its tests) from src
// to dst, serve.go without the gRPC admin API.
func copyMain(src, dst string) error {
	files, err := filepath.Glob(filepath.Join(src, "*.go"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no Go files in %s (%v)", src, err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		text := string(b)
		if name == "serve.go" {
			if text, err = withoutAPI(text); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dst, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// tail is the end of a command's output, enough for its error.
func tail(s string) string {
	const n = 3000
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

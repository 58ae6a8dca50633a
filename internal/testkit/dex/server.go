package dex

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Server is one running Dex.
type Server struct {
	// Issuer is Dex's issuer URL.
	Issuer string

	logPath string
}

// Start runs `bin serve` on config (Dex's YAML, which must listen on
// 127.0.0.1 and name issuer) with env added to the test's environment,
// and waits (at most 30 seconds) until Dex serves its discovery document.
// Dex is killed when the test ends, and its log shown if the test failed.
func Start(t *testing.T, bin, issuer, config string, env ...string) *Server {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{Issuer: issuer, logPath: filepath.Join(dir, "dex.log")}
	logf, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start Dex: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("Dex log (tail):\n%s", tail(s.Log()))
		}
	})
	c := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case <-exited:
			t.Fatalf("Dex exited before it was ready; log:\n%s", tail(s.Log()))
		default:
		}
		if resp, err := c.Get(issuer + "/.well-known/openid-configuration"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Dex did not serve %s/.well-known/openid-configuration within 30s; log:\n%s", issuer, tail(s.Log()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Log is what Dex wrote so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

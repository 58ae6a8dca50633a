package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/ports"
)

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	return ports.Addr(t)
}

// server is a serve command running in the background.
type server struct {
	base           string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startServe runs serve with args until the test stops it, and waits
// until /healthz answers 200 (at most a minute: a first start generates
// keys and a dummy hash, slow under the race detector on a busy machine;
// a serve that exits ends the wait at once).
func startServe(t *testing.T, addr string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{base: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { s.done <- run(ctx, args, strings.NewReader(""), s.stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("serve exited early with %d: %s", code, s.stderr)
		default:
		}
		if status, _ := get(s.base + "/healthz"); status == http.StatusOK {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer 200 within a minute; stderr: %s", s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop cancels serve's context and returns its exit status.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of cancellation")
		return -1
	}
}

// get fetches url without following redirects.
func get(url string) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestServeConfigDeclaredClients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	const secret = "config-secret-0123456789"
	secretFile := writeFile(t, dir, "webapp.secret", secret+"\n")
	keyFile := writeFile(t, dir, "encryption.key", strings.Repeat("5a", 31)+"5b"+"\n")
	cfg := writeFile(t, dir, "otpgate.yaml", fmt.Sprintf(`issuer: http://%[1]s
listen: %[1]s
data_dir: %[2]s
encryption_key_file: %[3]s
log:
  level: warn
server:
  metrics_listen: %[5]s
clients:
  - id: webapp
    name: Web App
    secret_file: %[4]s
    redirect_uris:
      - https://app.example.com/cb
    id_token_signed_response_alg: EdDSA
`, addr, filepath.Join(dir, "data"), keyFile, secretFile, metricsAddr))

	s := startServe(t, addr, "--config", cfg, "serve")
	// Metrics are served on their own listener, never on the public one.
	if status, _ := get(s.base + "/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %d, want 404", status)
	}
	if status, _ := get("http://" + metricsAddr + "/metrics"); status != http.StatusOK {
		t.Errorf("/metrics on server.metrics_listen: %d", status)
	}
	if status, err := get(s.base + "/.well-known/openid-configuration"); status != http.StatusOK {
		t.Errorf("discovery: %d, %v", status, err)
	}
	if strings.Contains(s.stdout.String(), "password") {
		t.Errorf("production serve printed demo credentials: %q", s.stdout)
	}
	list := mustRun(t, "--config", cfg, "client", "list")
	var row string
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(line, "webapp ") {
			row = line
		}
	}
	if f := strings.Fields(row); len(f) < 5 || f[1] != "confidential" || f[3] != "EdDSA" || f[4] != "config" {
		t.Errorf("client list row for webapp = %q, want a confidential EdDSA client from config (list %q)", row, list)
	}
	if strings.Contains(list, "demo") {
		t.Errorf("production mode seeded the demo client: %q", list)
	}
	mustFail(t, "", []string{"--config", cfg, "client", "update", "webapp", "--require-mfa", "on"}, "configuration file")
	mustFail(t, "", []string{"--config", cfg, "client", "remove", "webapp"}, "configuration file")
	// The CLI cannot take an id the configuration declares.
	mustFail(t, "", []string{"--config", cfg, "client", "add", "--id", "webapp", "--redirect-uri", "https://x.example.com/cb"}, "already exists")

	if code := s.stop(t); code != 0 {
		t.Fatalf("serve returned %d after cancellation, want 0; stderr: %s", code, s.stderr)
	}
	if status, err := get(s.base + "/healthz"); err == nil {
		t.Errorf("/healthz answers %d after shutdown", status)
	}
	// The secret came from the file, trailing newline trimmed.
	checkClientSecret(t, "config client secret", secret, storedSecretHash(t, filepath.Join(dir, "data"), "webapp"), true)
}

func TestServeDevMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	s := startServe(t, addr, "--data", dir, "--listen", addr)
	out := s.stdout.String()
	m := regexp.MustCompile(`(?m)^\s*username: (\S+)\n\s*password: (\S+)$`).FindStringSubmatch(out)
	if m == nil || m[1] != demoUsername || len(m[2]) != 16 {
		t.Fatalf("dev-mode stdout %q does not print the demo username and a 16-character password", out)
	}
	if !strings.Contains(out, "http://"+addr+"/demo") {
		t.Errorf("dev-mode stdout %q does not name the demo application at http://%s/demo", out, addr)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "demo-password.txt"))
	if err != nil || strings.TrimSpace(string(saved)) != m[2] {
		t.Errorf("demo-password.txt = %q, %v; want the printed password", saved, err)
	}
	if !strings.Contains(s.stderr.String(), "DEVELOPMENT MODE") {
		t.Errorf("dev mode is not logged as a warning: %q", s.stderr)
	}
	if status, err := get(s.base + "/demo"); status != http.StatusOK {
		t.Errorf("GET /demo = %d, %v; want 200", status, err)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve returned %d, want 0; stderr: %s", code, s.stderr)
	}
	u, err := openDataStore(t, dir).UserByUsername(context.Background(), demoUsername)
	if err != nil {
		t.Fatalf("demo user: %v", err)
	}
	checkSecret(t, "demo password", m[2], u.PasswordHash, true)
	if out := mustRun(t, "--data", dir, "client", "list"); !strings.Contains(out, "demo ") || !strings.Contains(out, "public") {
		t.Errorf("client list after dev serve = %q, want the public demo client", out)
	}
	// A second start prints the same password and keeps the same key.
	s2 := startServe(t, addr, "--data", dir, "--listen", addr, "serve")
	if !strings.Contains(s2.stdout.String(), "password: "+m[2]+"\n") {
		t.Errorf("second start printed %q, want the same demo password", s2.stdout)
	}
	if code := s2.stop(t); code != 0 {
		t.Fatalf("second serve returned %d; stderr: %s", code, s2.stderr)
	}
}

// TestServeBranding: the configured product name, logo and primary colour
// are on the pages a person sees, served from the provider itself; a bad
// colour or logo stops the start with the key it is about.
func TestServeBranding(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	keyFile := writeFile(t, dir, "encryption.key", strings.Repeat("5a", 31)+"5b"+"\n")
	logo := writeFile(t, dir, "logo.svg", `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#e60012"/></svg>`)
	config := func(color, logo string) string {
		return writeFile(t, dir, "otpgate.yaml", fmt.Sprintf(`issuer: http://%[1]s
listen: %[1]s
data_dir: %[2]s
encryption_key_file: %[3]s
log:
  level: warn
branding:
  product_name: Example Sign-in
  logo_file: %[4]s
  primary_color: "%[5]s"
`, addr, filepath.Join(dir, "data"), keyFile, logo, color))
	}
	mustFail(t, "", []string{"--config", config("red", logo), "serve"}, "branding.primary_color")
	mustFail(t, "", []string{"--config", config("#e60012", writeFile(t, dir, "logo.txt", "not an image")), "serve"}, "branding.logo_file")

	s := startServe(t, addr, "--config", config("#e60012", logo), "serve")
	body := func(path string) (int, string, string) {
		resp, err := http.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	if code, _, page := body("/logout"); code != http.StatusOK || !strings.Contains(page, "Sign out of Example Sign-in?") ||
		!strings.Contains(page, `href="/brand.css"`) || !strings.Contains(page, `src="/brand/logo"`) {
		t.Errorf("logout page: %d\n%s", code, page)
	}
	if code, typ, css := body("/brand.css"); code != http.StatusOK || !strings.HasPrefix(typ, "text/css") || !strings.Contains(css, "--accent: #") {
		t.Errorf("/brand.css: %d %s\n%s", code, typ, css)
	}
	if code, typ, svg := body("/brand/logo"); code != http.StatusOK || typ != "image/svg+xml" || !strings.Contains(svg, "<svg") {
		t.Errorf("/brand/logo: %d %s", code, typ)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve returned %d", code)
	}
}

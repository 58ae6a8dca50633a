package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/ports"
	"github.com/otpgate/otpgate/provider/mail/mailtest"
)

// TestInterop verifies otpgate with software nobody here wrote: it builds
// the real binary, starts it on 127.0.0.1 with a fresh SQLite data
// directory (zero-config mode) and a real SMTP server for its mail, and
// runs the Node suite in testdata/interop (openid-client, Chromium through
// playwright-core, oathtool, axe-core). The suite creates its own clients
// and users with the same binary's admin CLI.
//
// Environment for the suite: OTPGATE_ISSUER, OTPGATE_BIN, OTPGATE_DATA_DIR,
// OTPGATE_MAILBOX (a URL answering the mails received so far as JSON) and
// OTPGATE_ARTIFACTS (where screenshots go). OTPGATE_INTEROP_POSTGRES_DSN
// runs the server on that (empty) PostgreSQL database instead of SQLite;
// OTPGATE_INTEROP_JOURNEYS runs only the tests whose names match it (a
// regular expression); OTPGATE_INTEROP_ONLY names the suite's files to run.
// interopBudget is the time TestInterop needs left before its deadline.
const interopBudget = 20 * time.Minute

func TestInterop(t *testing.T) {
	if testing.Short() {
		skipInterop(t, "-short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skipInterop(t, "node is not installed (CI installs it)")
	}
	suite, err := filepath.Abs(filepath.Join("testdata", "interop"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(suite, "node_modules")); err != nil {
		skipInterop(t, "its dependencies are not installed: run `npm ci` in cmd/otpgate/testdata/interop (CI does)")
	}
	// The suite takes minutes (about 9 on the 2-core machine class, more
	// on a loaded one): under go test's default 10-minute limit it would
	// be cut off mid-journey, which says nothing about otpgate.
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < interopBudget {
		skipInterop(t, fmt.Sprintf("it needs up to %v and this run's -timeout leaves %v: run `go test -timeout 30m ./cmd/otpgate/` (CI does)",
			interopBudget, time.Until(deadline).Round(time.Minute)))
	}
	// browser.mjs skips its journeys, and passes, without these two.
	for _, tool := range []string{"/usr/bin/chromium", "/usr/bin/oathtool"} {
		if _, err := os.Stat(tool); err != nil {
			interopSkipped = " in part: the browser journeys need " + tool + " (Debian package " + filepath.Base(tool) + ")"
			break
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "otpgate")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	smtp := mailtest.Start(t)
	mailbox := serveMailbox(t, smtp)
	smtpHost, smtpPort := smtp.Addr()
	env := append(os.Environ(),
		"OTPGATE_MAIL_SMTP_HOST="+smtpHost, "OTPGATE_MAIL_SMTP_PORT="+strconv.Itoa(smtpPort),
		"OTPGATE_MAIL_SECURITY=none", "OTPGATE_MAIL_FROM=otpgate <login@example.com>",
		// Every request of the suite comes from 127.0.0.1.
		"OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP=0",
		// The key-rotation module watches a rotated key start signing
		// (oidc.test.mjs ACTIVATION_DELAY_MS must match).
		"OTPGATE_TOKENS_KEY_ACTIVATION_DELAY=5s",
		// The refresh module waits out the reuse interval before it
		// expects a rotated-out token to be refused.
		"OTPGATE_TOKENS_REFRESH_REUSE_INTERVAL=1s",
		// The remember journey ticks "Remember this browser" at a client
		// that allows it; every other client keeps it off (the default),
		// so no other journey sees the box or skips a passcode.
		"OTPGATE_MFA_REMEMBER_BROWSER_DAYS=30",
	)
	if dsn := os.Getenv("OTPGATE_INTEROP_POSTGRES_DSN"); dsn != "" {
		// The server and the suite's CLI (which inherits this
		// environment) use PostgreSQL instead of the SQLite file: an
		// empty database of the suite's own.
		env = append(env, "OTPGATE_DATABASE="+dsn)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := startInteropServer(ctx, t, bin, dir, env)
	defer srv.stop(t)
	issuer, data := srv.issuer, srv.data

	artifacts := os.Getenv("OTPGATE_INTEROP_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(suite, "artifacts")
	}
	args := []string{"--test", "--test-concurrency=1", "--test-reporter=spec"}
	if pattern := os.Getenv("OTPGATE_INTEROP_JOURNEYS"); pattern != "" {
		// Only the tests whose names match, e.g. "console|account".
		args = append(args, "--test-name-pattern="+pattern)
	}
	if only := os.Getenv("OTPGATE_INTEROP_ONLY"); only != "" {
		// Run a subset while working on the suite, e.g. "oidc.test.mjs".
		args = append(args, strings.Fields(only)...)
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = suite
	cmd.Env = append(env, "OTPGATE_ISSUER="+issuer, "OTPGATE_BIN="+bin, "OTPGATE_DATA_DIR="+data,
		"OTPGATE_MAILBOX="+mailbox, "OTPGATE_ARTIFACTS="+artifacts)
	out, err := cmd.CombinedOutput()
	t.Logf("interop suite:\n%s", out)
	if err != nil {
		t.Fatalf("interop suite failed: %v", err)
	}
}

// serveMailbox answers GET with the mails the SMTP server received.
func serveMailbox(t *testing.T, smtp *mailtest.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		type mail struct {
			To      []string `json:"to"`
			Subject string   `json:"subject"`
			Text    string   `json:"text"`
		}
		out := []mail{}
		for _, m := range smtp.Messages() {
			out = append(out, mail{To: m.To, Subject: m.Subject, Text: m.Text})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/messages"
}

func freePort(t *testing.T) int {
	t.Helper()
	return ports.Free(t)
}

// interopServer is the otpgate binary the suite talks to.
type interopServer struct {
	cmd          *exec.Cmd
	issuer, data string
	log          string // its log file
	exited       chan struct{}
}

// errPortTaken: the server could not bind its port (another process took
// it between the test's asking and the server's binding).
var errPortTaken = errors.New("the port was taken")

// startInteropServer starts bin on a free port of 127.0.0.1 with a fresh
// data directory under dir, and waits until it answers /healthz as the
// process that bound the port: until its log says it listens on that
// address. A port another process took meanwhile makes it start again on
// another, at most five times.
func startInteropServer(ctx context.Context, t *testing.T, bin, dir string, env []string) *interopServer {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		s := &interopServer{issuer: "http://" + addr, data: filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
			log: filepath.Join(dir, fmt.Sprintf("server-%d.log", attempt)), exited: make(chan struct{})}
		logFile, err := os.Create(s.log)
		if err != nil {
			t.Fatal(err)
		}
		s.cmd = exec.CommandContext(ctx, bin, "--data", s.data, "--listen", addr, "serve")
		s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, logFile, logFile
		if err := s.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			_ = s.cmd.Wait()
			logFile.Close()
			close(s.exited)
		}()
		err = s.waitHealthy(addr)
		if err == nil {
			return s
		}
		if errors.Is(err, errPortTaken) && attempt < 5 {
			t.Logf("otpgate could not bind %s (another process took it); starting again on another port", addr)
			continue
		}
		s.stop(t)
		t.Fatalf("otpgate did not become healthy at %s: %v\nserver log (tail):\n%s", addr, err, tail(s.output(), 4000))
	}
}

// waitHealthy waits (at most 30 s) until the server says it listens on
// addr and answers /healthz there; errPortTaken when it exited unable to
// bind.
func (s *interopServer) waitHealthy(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			if ports.AddressInUse(s.output()) {
				return errPortTaken
			}
			return errors.New("the server exited")
		default:
		}
		if out := s.output(); strings.Contains(out, "otpgate listening") &&
			(strings.Contains(out, "addr="+addr) || strings.Contains(out, `"addr":"`+addr+`"`)) {
			resp, err := http.Get(s.issuer + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("no answer within 30 s")
}

// output is what the server has logged so far.
func (s *interopServer) output() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// stop interrupts the server and waits for it (at most 30 s); the log's
// tail is shown when the test failed.
func (s *interopServer) stop(t *testing.T) {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	if t.Failed() {
		t.Logf("server log (tail):\n%s", tail(s.output(), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

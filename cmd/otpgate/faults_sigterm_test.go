//go:build linux

package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// TestFaultsSIGTERMDrains sends SIGTERM to a replica (shutdown delay 2 s)
// while a token request is in flight (its body only half sent): /readyz
// turns 503 first while the listener still accepts connections, then the
// listener closes, the in-flight request still completes with 200 and
// tokens whose bookkeeping was written, and the process exits 0.
func TestFaultsSIGTERMDrains(t *testing.T) {
	fleet.NeedFaults(t)
	t.Parallel()
	path := filepath.Join(t.TempDir(), "otpgate.db")
	f := fleet.New(t, path, 1, "OTPGATE_SERVER_SHUTDOWN_DELAY=2s")
	f.StartAll()
	r := f.Replicas[0]
	app := f.AddClient("app")
	st := f.OpenStore()
	u := f.AddUser(st, "sam", false)
	auth := fleet.NewAuth(f.Issuer, app, "openid offline_access")
	p, err := fleet.FirstFactor(fleet.NewBrowser(), func() string { return r.Base }, auth, u)
	if err != nil || p.RPQuery().Get("code") == "" {
		t.Fatalf("sign-in: %v %s", err, p.Describe())
	}
	code := p.RPQuery().Get("code")

	// A token request whose body is only half sent.
	body := fleet.CodeForm(code, auth).Encode()
	conn, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(app.ID) + ":" + url.QueryEscape(app.Secret)))
	head := fmt.Sprintf("POST /oauth/token HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic %s\r\nContent-Length: %d\r\n\r\n",
		r.Addr, basic, len(body))
	if _, err := io.WriteString(conn, head+body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)

	r.Signal(syscall.SIGTERM)
	term := time.Now()
	var notReady time.Time
	for time.Since(term) < 1500*time.Millisecond {
		if status, err := get(r.Base + "/readyz"); err == nil && status == http.StatusServiceUnavailable {
			notReady = time.Now()
			if hs, err := get(r.Base + "/healthz"); err != nil || hs != http.StatusOK {
				t.Errorf("/healthz while draining: %d %v, want 200", hs, err)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if notReady.IsZero() {
		t.Fatalf("/readyz did not turn 503 within 1.5 s of SIGTERM")
	}
	// The listener closes after the delay.
	var closed time.Time
	for time.Since(term) < 10*time.Second {
		c, err := net.DialTimeout("tcp", r.Addr, time.Second)
		if err != nil {
			closed = time.Now()
			break
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	if closed.IsZero() {
		t.Fatalf("the listener still accepts connections 10 s after SIGTERM")
	}
	t.Logf("SIGTERM: /readyz 503 after %s, listener closed after %s", notReady.Sub(term).Round(time.Millisecond), closed.Sub(term).Round(time.Millisecond))
	if closed.Sub(term) < 1800*time.Millisecond {
		t.Errorf("the listener closed %s after SIGTERM, before the 2 s shutdown delay", closed.Sub(term))
	}
	if !r.Running() {
		t.Fatalf("the process exited with a request in flight")
	}

	// The in-flight request finishes.
	if _, err := io.WriteString(conn, body[len(body)/2:]); err != nil {
		t.Fatalf("sending the rest of the in-flight request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	var tokens map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tokens)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || fleet.JSONString(tokens, "access_token") == "" {
		t.Fatalf("the in-flight token request: %d %v", resp.StatusCode, tokens)
	}
	exit, ok := r.Wait(25 * time.Second)
	if !ok {
		t.Fatalf("the process did not exit within 25 s of SIGTERM")
	}
	if exit != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", exit)
	}

	// What the in-flight request issued was written: after a restart the
	// access token works and the code is spent.
	r.StartReady()
	if s, _, err := fleet.Userinfo(r.Base, fleet.JSONString(tokens, "access_token")); err != nil || s != http.StatusOK {
		t.Errorf("userinfo with the token issued during shutdown: %d %v", s, err)
	}
	if s, b, err := fleet.Token(r.Base, app, fleet.CodeForm(code, auth)); err != nil || s != http.StatusBadRequest || fleet.JSONString(b, "error") != "invalid_grant" {
		t.Errorf("the code redeemed during shutdown was redeemed again: %d %v %v", s, b, err)
	}
}

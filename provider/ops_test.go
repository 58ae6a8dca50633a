package provider_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/store"
)

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetrics: sign-ins, failures, tokens and request latencies are
// exported, labelled by route and never by anything secret.
func TestMetrics(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	p = b.submit(p, map[string]string{"username": "erin", "password": "wrong-password-1"})
	p = b.submit(p, map[string]string{"username": "erin", "password": erinPW})
	exchange(t, app, b.submit(p, map[string]string{"answer": "rex"}))
	if status, _ := get(t, h.issuer+"/metrics"); status != http.StatusNotFound {
		t.Fatalf("/metrics on the public listener: %d, want 404", status)
	}
	rec := httptest.NewRecorder()
	h.server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	status, body := rec.Code, rec.Body.String()
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	for _, want := range []string{
		`otpgate_security_events_total{event="signin.success"} 1`,
		`otpgate_security_events_total{event="signin.failure"} 1`,
		`otpgate_signin_failures_total{step="password"} 1`,
		`otpgate_tokens_issued_total{grant="authorization_code"} 1`,
		`otpgate_http_request_duration_seconds_count{method="POST",route="/login/password",status="4xx"} 1`,
		`otpgate_http_request_duration_seconds_count{method="POST",route="/oauth/token",status="2xx"} 1`,
		`go_sql_max_open_connections{db_name="otpgate"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "authRequestID") || strings.Contains(body, "code=") {
		t.Error("a request id or code leaked into metric labels")
	}
}

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRequestLogsAndClientIP: each request is logged as JSON with a
// request id and its path only; X-Forwarded-For is ignored unless the peer
// is a trusted proxy.
func TestRequestLogsAndClientIP(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	for _, trusted := range []bool{false, true} {
		h := newHarness(t, func(o *provider.Options) {
			o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
			if trusted {
				o.TrustedProxies = []string{"127.0.0.0/8"}
			}
		})
		h.addClient("app", appSecret)
		h.addUser("erin", erinPW, "rex")
		nonce := "n"
		app := h.relyingParty("app", appSecret, &nonce)
		b := newBrowser(t)
		p := b.get(authURL(app, nonce, ""))
		req, _ := http.NewRequest(http.MethodPost, h.issuer+"/login/password",
			strings.NewReader("username=erin&password=Secret-Typed-Wrong&authRequestID="+p.URL.Query().Get("authRequestID")))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		b.do(req)
		erin, _ := h.store.UserByUsername(context.Background(), "erin")
		events, _ := h.store.AuditEvents(context.Background(), store.AuditQuery{UserID: erin.ID})
		want := "127.0.0.1"
		if trusted {
			want = "203.0.113.7"
		}
		if len(events) == 0 || events[len(events)-1].IP != want {
			t.Fatalf("trusted=%v: audit IP %v, want %s", trusted, events, want)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"request_id":"`) || !strings.Contains(out, `"path":"/login/password"`) {
		t.Fatalf("request log lacks request_id or path:\n%.600s", out)
	}
	for _, secret := range []string{"Secret-Typed-Wrong", erinPW, "authRequestID=", "code="} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q", secret)
		}
	}
}

func TestReadinessDrains(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	if status, _ := get(t, h.issuer+"/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz: %d", status)
	}
	h.server.Drain()
	if status, _ := get(t, h.issuer+"/readyz"); status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d", status)
	}
	if status, _ := get(t, h.issuer+"/healthz"); status != http.StatusOK {
		t.Fatalf("/healthz while draining: %d", status)
	}
}

// TestDatabaseOutageIsNotAClientError: while the database cannot be
// reached, the token, userinfo and introspection endpoints answer 503
// temporarily_unavailable (retry), not invalid_grant or invalid_token,
// which would make a client discard a valid credential.
func TestDatabaseOutageIsNotAClientError(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	status, body := h.tokenRequest(t, codeForm(code, ""), "app", appSecret)
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Fatalf("code exchange during the outage: %d %v", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, h.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer some-token-value")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("userinfo during the outage: %d", resp.StatusCode)
	}
	if status, _ := get(t, h.issuer+"/readyz"); status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: %d", status)
	}
}

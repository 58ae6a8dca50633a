package provider_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	testbrowser "github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/connector"
	upstreamoidc "github.com/otpgate/otpgate/provider/connector/oidc"
	"github.com/otpgate/otpgate/provider/store"
)

// hostileUpstream is an upstream provider the test controls: its
// authorization endpoint answers at once (a code, or an error), and its
// token endpoint issues the ID token the test shapes.
type hostileUpstream struct {
	srv    *httptest.Server
	issuer string
	key    *rsa.PrivateKey
	mu     sync.Mutex
	nonces map[string]string // code → nonce of its authorization request
	// shape changes the claims of the next ID tokens; unsigned sends
	// them with alg none; authError answers the authorization with it;
	// answerIssuer, when set, is the authorization answer's iss.
	shape        func(claims map[string]any)
	unsigned     bool
	authError    string
	answerIssuer string
}

func startHostileUpstream(t *testing.T) *hostileUpstream {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	u := &hostileUpstream{key: key, nonces: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"issuer": u.issuer, "authorization_endpoint": u.issuer + "/authorize",
			"token_endpoint": u.issuer + "/token", "jwks_uri": u.issuer + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256", "none"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back := url.Values{"state": {q.Get("state")}}
		u.mu.Lock()
		if u.authError != "" {
			back.Set("error", u.authError)
		} else {
			code := "code-" + q.Get("nonce")
			u.nonces[code] = q.Get("nonce")
			back.Set("code", code)
		}
		if u.answerIssuer != "" {
			back.Set("iss", u.answerIssuer)
		}
		u.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		u.mu.Lock()
		nonce, ok := u.nonces[r.PostForm.Get("code")]
		shape, unsigned := u.shape, u.unsigned
		u.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]string{"error": "invalid_grant"})
			return
		}
		now := time.Now()
		claims := map[string]any{"iss": u.issuer, "sub": "hank-sub", "aud": upstreamClientID, "exp": now.Add(5 * time.Minute).Unix(),
			"iat": now.Unix(), "nonce": nonce, "preferred_username": "hank", "amr": []string{"pwd", "mfa"}}
		if shape != nil {
			shape(claims)
		}
		writeJSON(w, map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": u.sign(t, claims, unsigned)})
	})
	u.srv = httptest.NewServer(mux)
	u.issuer = u.srv.URL
	t.Cleanup(u.srv.Close)
	return u
}

func (u *hostileUpstream) sign(t *testing.T, claims map[string]any, unsigned bool) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Error(err)
	}
	if unsigned {
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: u.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Error(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Error(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func (u *hostileUpstream) set(f func(u *hostileUpstream)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.shape, u.unsigned, u.authError, u.answerIssuer = nil, false, "", ""
	f(u)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// hostileHarness is a provider with the hostile upstream as connector
// "up", trusting its MFA (so that an accepted token would skip the
// passcode), and a client "app".
func hostileHarness(t *testing.T) (*harness, *hostileUpstream) {
	t.Helper()
	hu := startHostileUpstream(t)
	h := newHarness(t, func(o *provider.Options) {
		redirect := o.Issuer + "/login/connector/up/callback"
		up, err := upstreamoidc.New(upstreamoidc.Config{ID: "up", Name: "Upstream SSO", Issuer: hu.issuer,
			ClientID: upstreamClientID, ClientSecret: upstreamClientSecret, RedirectURL: redirect, Trust: connector.MFATrust{Trust: true}})
		if err != nil {
			t.Fatal(err)
		}
		o.Upstreams = []connector.CallbackConnector{up}
	})
	h.addClient("app", appSecret)
	return h, hu
}

// TestUpstreamHostile: every answer otpgate must not accept leads back to
// the password page with a clear message, links no account, and is
// audited with the connector.
func TestUpstreamHostile(t *testing.T) {
	h, hu := hostileHarness(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	const failed = "The sign-in with the other provider could not be completed."
	for _, tc := range []struct {
		name, alert string
		set         func(u *hostileUpstream)
	}{
		{"wrong issuer", failed, func(u *hostileUpstream) { u.shape = func(c map[string]any) { c["iss"] = "https://evil.example" } }},
		{"wrong audience", failed, func(u *hostileUpstream) { u.shape = func(c map[string]any) { c["aud"] = "someone-else" } }},
		{"several audiences without azp", failed, func(u *hostileUpstream) {
			u.shape = func(c map[string]any) { c["aud"] = []string{upstreamClientID, "someone-else"} }
		}},
		{"unsigned token", failed, func(u *hostileUpstream) { u.unsigned = true }},
		{"wrong nonce", failed, func(u *hostileUpstream) { u.shape = func(c map[string]any) { c["nonce"] = "another" } }},
		{"expired token", failed, func(u *hostileUpstream) {
			u.shape = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
		}},
		{"no username", failed, func(u *hostileUpstream) { u.shape = func(c map[string]any) { delete(c, "preferred_username") } }},
		{"answer from another issuer", failed, func(u *hostileUpstream) { u.answerIssuer = "https://evil.example" }},
		{"an error answer", "The sign-in with the other provider was cancelled or refused there.",
			func(u *hostileUpstream) { u.authError = "access_denied" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hu.set(tc.set)
			b := newBrowser(t)
			p := b.postForm(b.get(authURL(app, nonce, "")), "/login/connector/up", nil)
			if p.Step() != "password" || p.Code() != "" || !startsWith(p.Alert(), tc.alert) {
				t.Fatalf("%s; want the password page saying %q", p.Describe(), tc.alert)
			}
		})
	}
	ctx := context.Background()
	if _, err := h.store.UserByLink(ctx, connector.LinkProvider("up"), "hank-sub"); err == nil {
		t.Fatal("a refused answer linked an account")
	}
	events, err := h.store.AuditEvents(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range events {
		if e.Event == store.EventSignInFailed && strings.Contains(e.Detail, "connector up") {
			refused++
		}
	}
	if refused != 9 {
		t.Fatalf("%d refusals audited with the connector, want 9: %+v", refused, events)
	}

	// The honest answer passes, and the trusted MFA skips the passcode.
	hu.set(func(*hostileUpstream) {})
	b := newBrowser(t)
	p := b.postForm(b.get(authURL(app, nonce, "")), "/login/connector/up", nil)
	p.code(t)
}

// TestUpstreamStateOnce: the upstream's answer is taken once, by the
// browser that started the sign-in: another browser is refused (and
// spends nothing), a replayed answer is refused.
func TestUpstreamStateOnce(t *testing.T) {
	h, hu := hostileHarness(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	hu.set(func(u *hostileUpstream) { u.shape = func(c map[string]any) { c["aud"] = "someone-else" } })

	// Stop at the answer, as an attacker who read the URL would.
	b := newBrowser(t)
	b.StopAt = func(u *url.URL) bool { return strings.HasSuffix(u.Path, "/callback") }
	p := b.postForm(b.get(authURL(app, nonce, "")), "/login/connector/up", nil)
	answer := p.RedirectTarget()
	if answer == nil {
		t.Fatalf("no answer from the upstream: %s", p.Describe())
	}
	b.StopAt = nil

	other := newBrowser(t)
	if q := other.get(answer.String()); q.Step() != "error" || q.Status != http.StatusForbidden {
		t.Fatalf("the answer in another browser: %s", q.Describe())
	}
	// The browser of the sign-in still gets its answer (refused here: the
	// token is for someone else), once.
	q := b.get(answer.String())
	if q.Step() != "password" || !startsWith(q.Alert(), "The sign-in with the other provider could not be completed.") {
		t.Fatalf("the answer in its browser: %s", q.Describe())
	}
	hu.set(func(*hostileUpstream) {})
	q = b.get(answer.String())
	if q.Step() != "password" || q.Code() != "" || !startsWith(q.Alert(), "The sign-in with the other provider could not be completed.") {
		t.Fatalf("a replayed answer: %s", q.Describe())
	}
	// An unknown state is no sign-in at all.
	unknown := *answer
	unknown.RawQuery = url.Values{"state": {"forged"}, "code": {"x"}}.Encode()
	if q := b.get(unknown.String()); q.Step() != "error" || q.Code() != "" {
		t.Fatalf("an unknown state: %s", q.Describe())
	}
	events, _ := h.store.AuditEvents(context.Background(), store.AuditQuery{})
	var details []string
	for _, e := range events {
		if strings.Contains(e.Detail, "connector up") {
			details = append(details, e.Detail)
		}
	}
	joined := strings.Join(details, "\n")
	for _, want := range []string{"another browser", "answer refused", "replayed"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("no audit event saying %q:\n%s", want, joined)
		}
	}
	// The CSRF guard covers the start: a cross-site post is refused.
	b2 := newBrowser(t)
	start := b2.get(authURL(app, nonce, ""))
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/login/connector/up",
		strings.NewReader(url.Values{"authRequestID": {testbrowser.Attr(find(start.Doc, func(n *htmlNode) bool {
			return n.Data == "input" && attr(n, "name") == "authRequestID"
		}), "value")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b2.must(b2.Do(req)); r.Status != http.StatusForbidden {
		t.Fatalf("a start without its CSRF token: status %d", r.Status)
	}
}

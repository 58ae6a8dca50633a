package provider_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/net/html"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
	"github.com/otpgate/otpgate/templates"
)

// rpHost is the relying party's host: the test browser stops at any
// redirect to it and hands the URL to the test.
const rpHost = "rp.example"

const rpRedirect = "https://" + rpHost + "/callback"

// testParams keep argon2id cheap in tests (the benchmark uses OWASP).
var testParams = credential.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// harness is a real provider on a real SQLite file behind real HTTP.
type harness struct {
	t      testing.TB
	srv    *httptest.Server
	issuer string
	store  *store.Store
	hasher *credential.Hasher
	server *provider.Server
}

// newHarness runs on a new SQLite file, or on PostgreSQL (a schema of its
// own) when OTPGATE_TEST_POSTGRES_DSN is set, so the end-to-end tests run
// on both databases.
func newHarness(t testing.TB, edit ...func(*provider.Options)) *harness {
	t.Helper()
	return newHarnessOn(t, openStore(t), edit...)
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	if dsn := os.Getenv("OTPGATE_TEST_POSTGRES_DSN"); dsn != "" {
		return storetest.OpenPostgres(t, dsn)
	}
	return storetest.OpenSQLite(t)
}

func newHarnessOn(t testing.TB, st *store.Store, edit ...func(*provider.Options)) *harness {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := provider.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	h := &harness{t: t, srv: srv, issuer: issuer, store: st, hasher: credential.NewHasher(testParams)}
	opts := provider.Options{
		Issuer: issuer, Store: st, Sealer: sealer, Hasher: h.hasher, Renderer: renderer,
		Lifetimes: provider.Lifetimes{Flow: 15 * time.Minute, Code: 2 * time.Minute, AccessToken: 15 * time.Minute,
			IDToken: time.Hour, RefreshToken: 24 * time.Hour, Session: 12 * time.Hour},
		QuestionEnabled: true, MinPasswordLength: 12,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Every test client is 127.0.0.1: the per-IP limiter is tested on its own.
		AttemptsPerMinute: -1,
	}
	for _, e := range edit {
		e(&opts)
	}
	p, err := provider.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	h.server = p
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return h
}

// addUser creates an account that has finished its first sign-in: its
// password is pw and its security answer is answer.
func (h *harness) addUser(username, pw, answer string) *store.User {
	h.t.Helper()
	u := &store.User{ID: "u_" + strings.ToLower(rand.Text()), Username: username, Email: username + "@example.com",
		Name: "User " + username, PasswordHash: h.hasher.Hash(pw), Question: "first_pet",
		AnswerHash: h.hasher.Hash(credential.NormalizeAnswer(answer))}
	if err := h.store.CreateUser(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	return u
}

// addClient registers a client; secret "" makes it public.
func (h *harness) addClient(id, secret string) {
	h.t.Helper()
	c := &store.Client{ID: id, Name: "App " + id, Public: secret == "",
		RedirectURIs: store.StringList{rpRedirect}, PostLogoutRedirectURIs: store.StringList{"https://" + rpHost + "/bye"}}
	if secret != "" {
		c.SecretHash = h.hasher.Hash(secret)
	}
	if err := h.store.CreateClient(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
}

// relyingParty is zitadel's RP library pointed at the harness.
func (h *harness) relyingParty(clientID, secret string, nonce *string, scopes ...string) rp.RelyingParty {
	h.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}
	}
	p, err := rp.NewRelyingPartyOIDC(context.Background(), h.issuer, clientID, secret, rpRedirect, scopes,
		rp.WithVerifierOpts(rp.WithNonce(func(context.Context) string { return *nonce })))
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// browser is a cookie-keeping HTTP client that stops at the RP.
type browser struct {
	t    testing.TB
	c    *http.Client
	lang string
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == rpHost {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &browser{t: t, c: c}
}

// page is one response, parsed.
type page struct {
	status   int
	url      *url.URL
	body     string
	header   http.Header
	location string // set when the browser stopped at the RP
	doc      *html.Node
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := &page{status: resp.StatusCode, url: resp.Request.URL, body: string(body), header: resp.Header}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		p.location = resp.Header.Get("Location")
	}
	p.doc, _ = html.Parse(strings.NewReader(p.body))
	return p
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// submit fills the page's POST form (hidden fields kept, values set) and
// sends it to the form's action.
func (b *browser) submit(p *page, values map[string]string) *page {
	b.t.Helper()
	form := find(p.doc, func(n *html.Node) bool { return n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") })
	if form == nil {
		b.t.Fatalf("no POST form on %s (step %q):\n%s", p.url, p.step(), p.body)
	}
	data := url.Values{}
	walk(form, func(n *html.Node) {
		if (n.Data == "input" || n.Data == "select") && attr(n, "name") != "" {
			data.Set(attr(n, "name"), attr(n, "value"))
		}
	})
	for k, v := range values {
		if _, ok := data[k]; !ok {
			b.t.Fatalf("form on %s has no field %q", p.url, k)
		}
		data.Set(k, v)
	}
	action, _ := p.url.Parse(attr(form, "action"))
	req, _ := http.NewRequest(http.MethodPost, action.String(), strings.NewReader(data.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// step is the page's <body data-step>.
func (p *page) step() string {
	if n := find(p.doc, func(n *html.Node) bool { return n.Data == "body" }); n != nil {
		return attr(n, "data-step")
	}
	return ""
}

// alert is the text of the page's role="alert" element.
func (p *page) alert() string {
	n := find(p.doc, func(n *html.Node) bool { return attr(n, "role") == "alert" })
	if n == nil {
		return ""
	}
	var sb strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(sb.String())
}

// code extracts the authorization code from a redirect to the RP.
func (p *page) code(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(p.location)
	if err != nil || u.Host != rpHost || u.Query().Get("code") == "" {
		t.Fatalf("expected a redirect to the RP with a code, got status %d location %q step %q alert %q",
			p.status, p.location, p.step(), p.alert())
	}
	return u.Query().Get("code")
}

func (p *page) rpQuery(t testing.TB) url.Values {
	t.Helper()
	u, err := url.Parse(p.location)
	if err != nil || u.Host != rpHost {
		t.Fatalf("expected a redirect to the RP, got status %d location %q step %q", p.status, p.location, p.step())
	}
	return u.Query()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func find(n *html.Node, pred func(*html.Node) bool) *html.Node {
	var found *html.Node
	walk(n, func(c *html.Node) {
		if found == nil && c.Type == html.ElementNode && pred(c) {
			found = c
		}
	})
	return found
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = credential.NewToken()
	return verifier, oidc.NewSHACodeChallenge(verifier)
}

// authURL builds an authorization URL with the RP library.
func authURL(p rp.RelyingParty, nonce, challenge string, extra ...rp.URLParamOpt) string {
	opts := []rp.AuthURLOpt{rp.AuthURLOpt(rp.WithURLParam("nonce", nonce))}
	if challenge != "" {
		opts = append(opts, rp.WithCodeChallenge(challenge))
	}
	for _, e := range extra {
		opts = append(opts, rp.AuthURLOpt(e))
	}
	return rp.AuthURL("state-"+nonce, p, opts...)
}

// signIn walks password and question for a known user from authURL and
// returns the final page (a redirect to the RP when all went well).
func (b *browser) signIn(authURL, username, password, answer string) *page {
	b.t.Helper()
	p := b.get(authURL)
	if p.step() != "password" {
		b.t.Fatalf("expected the password step, got %q (status %d, location %q)", p.step(), p.status, p.location)
	}
	p = b.submit(p, map[string]string{"username": username, "password": password})
	if p.step() != "question" {
		b.t.Fatalf("expected the question step, got %q (status %d, alert %q)", p.step(), p.status, p.alert())
	}
	return b.submit(p, map[string]string{"answer": answer})
}

type htmlNode = html.Node

// newTLSHarness serves the provider over https (for cookie attributes).
func newTLSHarness(t testing.TB, st *store.Store) *harness {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, _ := provider.NewSealer(key)
	renderer, _ := templates.New()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "https://" + srv.Listener.Addr().String()
	h := &harness{t: t, srv: srv, issuer: issuer, store: st, hasher: credential.NewHasher(testParams)}
	p, err := provider.New(context.Background(), provider.Options{
		Issuer: issuer, Store: st, Sealer: sealer, Hasher: h.hasher, Renderer: renderer,
		Lifetimes:       provider.Lifetimes{Flow: time.Minute, Code: time.Minute, AccessToken: time.Minute, IDToken: time.Minute, RefreshToken: time.Hour, Session: time.Hour},
		QuestionEnabled: true, MinPasswordLength: 12, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return h
}

// postForm posts the page's hidden fields (csrf, authRequestID) plus values
// to path, as a second form on the page would.
func (b *browser) postForm(p *page, path string, values map[string]string) *page {
	b.t.Helper()
	data := url.Values{}
	walk(p.doc, func(n *html.Node) {
		if n.Data == "input" && attr(n, "type") == "hidden" {
			data.Set(attr(n, "name"), attr(n, "value"))
		}
	})
	for k, v := range values {
		data.Set(k, v)
	}
	target, _ := p.url.Parse(path)
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(data.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

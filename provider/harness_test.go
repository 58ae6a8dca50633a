package provider_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/net/html"

	"github.com/otpgate/otpgate/config"
	testbrowser "github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/clock"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
	"github.com/otpgate/otpgate/templates"
)

// rpHost is the relying party's host: the test browser stops at any
// redirect to it and hands the URL to the test.
const rpHost = testbrowser.DefaultRPHost

const rpRedirect = fixtures.RedirectURI

// testParams keep argon2id cheap in tests (the benchmark uses OWASP).
var testParams = fixtures.Params

// harness is a real provider on a real SQLite file behind real HTTP, on a
// frozen clock: time moves only when the test moves it.
type harness struct {
	t      testing.TB
	srv    *httptest.Server
	issuer string
	store  *store.Store
	hasher *credential.Hasher
	server *provider.Server
	clock  *clock.Clock
	// sealer is the provider's encryption of data at rest.
	sealer *credential.Sealer
}

// newHarness runs on a new SQLite file, or on PostgreSQL (a schema of its
// own) when OTPGATE_TEST_POSTGRES_DSN is set, so the end-to-end tests run
// on both databases.
func newHarness(t testing.TB, edit ...func(*provider.Options)) *harness {
	t.Helper()
	return newHarnessOn(t, openStore(t), nil, edit...)
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	if dsn := os.Getenv("OTPGATE_TEST_POSTGRES_DSN"); dsn != "" {
		return storetest.OpenPostgres(t, dsn)
	}
	return storetest.OpenSQLite(t)
}

// newHarnessOn serves st with c as its clock (a new frozen clock when c is
// nil); replicas on one database share one clock.
func newHarnessOn(t testing.TB, st *store.Store, c *clock.Clock, edit ...func(*provider.Options)) *harness {
	t.Helper()
	opts := provider.Options{
		Lifetimes: protocol.Lifetimes{Flow: 15 * time.Minute, Code: 2 * time.Minute, AccessToken: 15 * time.Minute,
			IDToken: time.Hour, RefreshToken: 24 * time.Hour, Session: 12 * time.Hour},
		QuestionEnabled: true, MinPasswordLength: 12,
		// Every test client is 127.0.0.1: the per-IP limiter is tested on its own.
		AttemptsPerMinute: -1,
	}
	return startHarness(t, st, c, false, opts, edit...)
}

// startHarness fills the parts every harness shares (issuer, store,
// sealer, hasher, renderer, logger) into opts, applies edit, and serves
// the provider over http, or https when tls is set.
func startHarness(t testing.TB, st *store.Store, c *clock.Clock, tls bool, opts provider.Options, edit ...func(*provider.Options)) *harness {
	t.Helper()
	opts = withDefaultPolicy(opts)
	if c == nil {
		c = clock.New()
	}
	st.Clock = c.Now
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := credential.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	issuer := scheme + srv.Listener.Addr().String()
	h := &harness{t: t, srv: srv, issuer: issuer, store: st, hasher: credential.NewHasher(testParams), clock: c}
	opts.Issuer, opts.Store, opts.Sealer, opts.Hasher, opts.Renderer = issuer, st, sealer, h.hasher, renderer
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, e := range edit {
		e(&opts)
	}
	h.sealer = opts.Sealer
	p, err := provider.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	h.server = p
	srv.Config.Handler = p.Handler()
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return h
}

// newTLSHarness serves the provider over https (for cookie attributes).
func newTLSHarness(t testing.TB, st *store.Store) *harness {
	t.Helper()
	return startHarness(t, st, nil, true, provider.Options{
		Lifetimes:       protocol.Lifetimes{Flow: time.Minute, Code: time.Minute, AccessToken: time.Minute, IDToken: time.Minute, RefreshToken: time.Hour, Session: time.Hour},
		QuestionEnabled: true, MinPasswordLength: 12,
	})
}

// withDefaultPolicy fills the policy settings a test left unset from the
// configuration's defaults, as cmd/otpgate maps them.
func withDefaultPolicy(o provider.Options) provider.Options {
	d := config.Default()
	if o.MFAPolicy == "" {
		o.MFAPolicy = d.MFA.Required
	}
	if o.TOTPIssuer == "" {
		o.TOTPIssuer = d.MFA.IssuerLabel
	}
	if o.OTPAttempts == 0 {
		o.OTPAttempts = d.Lockout.PasscodeAttempts
	}
	if o.LoginAttempts == 0 {
		o.LoginAttempts = d.Lockout.LoginAttempts
	}
	if o.ResetLinkLifetime == 0 {
		o.ResetLinkLifetime = d.MFA.ResetLinkLifetime.Duration
	}
	if o.ResetMailsPerHour == 0 {
		o.ResetMailsPerHour = d.MFA.ResetMailsPerHour
	}
	if o.AttemptsPerMinute == 0 {
		o.AttemptsPerMinute = d.Lockout.AttemptsPerMinutePerIP
	}
	if o.EnrollmentProof == "" {
		// Trust on first use, as an operator may write it: most tests
		// enrol a first device; the proof tests set a policy.
		o.EnrollmentProof = "none"
	}
	if o.LoginLockDecay == 0 {
		o.LoginLockDecay = d.Lockout.LoginLockDecay.Duration
	}
	if o.UnknownBrowserLimit == 0 {
		o.UnknownBrowserLimit = d.Lockout.UnknownBrowserLimit
	}
	if o.KnownBrowserLifetime == 0 {
		o.KnownBrowserLifetime = d.Lockout.KnownBrowserLifetime.Duration
	}
	return o
}

// addUser creates an account that has finished its first sign-in: its
// password is pw and its security answer is answer.
func (h *harness) addUser(username, pw, answer string) *store.User {
	h.t.Helper()
	return fixtures.AddUser(h.t, h.store, h.hasher, fixtures.Account{Name: username, Password: pw, Answer: answer}, false)
}

// addClient registers a client; secret "" makes it public.
func (h *harness) addClient(id, secret string) {
	h.t.Helper()
	fixtures.AddClient(h.t, h.store, h.hasher, id, secret)
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

// browser is the test kit's browser, failing the test on a transport
// error.
type browser struct {
	*testbrowser.Browser
	t testing.TB
}

func newBrowser(t testing.TB) *browser {
	return &browser{Browser: testbrowser.New(), t: t}
}

// page is one answer of the test kit's browser, with assertions.
type page struct{ *testbrowser.Page }

func (b *browser) must(p *testbrowser.Page, err error) *page {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{p}
}

// do sends req and follows its redirects.
func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	p, err := b.Do(req)
	if err == nil {
		p, err = b.Follow(p)
	}
	return b.must(p, err)
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	return b.must(b.Get(u))
}

// submit fills the page's POST form (hidden fields kept, values set),
// sends it to the form's action and follows the answer.
func (b *browser) submit(p *page, values map[string]string) *page {
	b.t.Helper()
	return b.must(b.Submit(p.Page, values))
}

// post is submit without following the answer's redirect.
func (b *browser) post(p *page, values map[string]string) *page {
	b.t.Helper()
	return b.must(b.Post(p.Page, values))
}

// postForm posts the page's hidden fields (csrf, authRequestID) plus values
// to path, as a second form on the page would.
func (b *browser) postForm(p *page, path string, values map[string]string) *page {
	b.t.Helper()
	return b.must(b.PostTo(p.Page, path, values))
}

// code extracts the authorization code from a redirect to the RP.
func (p *page) code(t testing.TB) string {
	t.Helper()
	if p.Code() == "" {
		t.Fatalf("expected a redirect to the RP with a code, got status %d location %q step %q alert %q",
			p.Status, p.Location, p.Step(), p.Alert())
	}
	return p.Code()
}

func (p *page) rpQuery(t testing.TB) url.Values {
	t.Helper()
	if !p.ToRP() {
		t.Fatalf("expected a redirect to the RP, got status %d location %q step %q", p.Status, p.Location, p.Step())
	}
	return p.RPQuery()
}

// setupSecret reads the setup key shown on the enroll page, as a person
// typing it into an app would.
func (p *page) setupSecret(t testing.TB) []byte {
	t.Helper()
	secret, err := p.SetupKey()
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

var (
	attr = testbrowser.Attr
	find = testbrowser.Find
)

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
	if p.Step() != "password" {
		b.t.Fatalf("expected the password step, got %q (status %d, location %q)", p.Step(), p.Status, p.Location)
	}
	p = b.submit(p, map[string]string{"username": username, "password": password})
	if p.Step() != "question" {
		b.t.Fatalf("expected the question step, got %q (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	return b.submit(p, map[string]string{"answer": answer})
}

type htmlNode = html.Node

package provider_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/connector"
	upstreamoidc "github.com/otpgate/otpgate/provider/connector/oidc"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// The honest upstream: zitadel's example OpenID provider, with its own
// login page, and two people: pat signs in there with a password only
// (amr ["pwd"]), mia with a second factor (amr ["pwd", "mfa"], acr
// upstreamMFAACR).
const (
	upstreamClientID     = "otpgate"
	upstreamClientSecret = "upstream-secret"
	upstreamMFAACR       = "urn:upstream:acr:mfa"
	patPassword          = "pat-upstream-password"
	miaPassword          = "mia-upstream-password"
)

// upstreamPeople is the upstream's user store.
type upstreamPeople map[string]*storage.User

func (p upstreamPeople) GetUserByID(id string) *storage.User { return p[id] }
func (p upstreamPeople) GetUserByUsername(name string) *storage.User {
	for _, u := range p {
		if u.Username == name {
			return u
		}
	}
	return nil
}
func (upstreamPeople) ExampleClientID() string { return "service" }

// methodsStorage is the example storage whose ID tokens say how each
// person signed in (the example's own say "pwd" for everyone).
type methodsStorage struct {
	*storage.Storage
	amr map[string][]string
	acr map[string]string
}

// methodsRequest is an auth request with the person's methods.
type methodsRequest struct {
	op.AuthRequest
	amr []string
	acr string
}

func (r methodsRequest) GetAMR() []string { return r.amr }
func (r methodsRequest) GetACR() string   { return r.acr }

func (s *methodsStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	return methodsRequest{AuthRequest: r, amr: s.amr[r.GetSubject()], acr: s.acr[r.GetSubject()]}, nil
}

// startUpstream runs the honest upstream with otpgate (at otpgateIssuer)
// registered as a client; it returns the upstream's issuer.
func startUpstream(t *testing.T, redirectURI string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	people := upstreamPeople{
		"pat-sub": {ID: "pat-sub", Username: "pat", Password: patPassword, FirstName: "Pat", LastName: "Upstream",
			Email: "pat@example.org", EmailVerified: true},
		"mia-sub": {ID: "mia-sub", Username: "mia", Password: miaPassword, FirstName: "Mia", LastName: "Upstream",
			Email: "mia@example.org", EmailVerified: false},
	}
	clients := map[string]*storage.Client{upstreamClientID: storage.WebClient(upstreamClientID, upstreamClientSecret, redirectURI)}
	st := &methodsStorage{Storage: storage.NewStorageWithClients(people, clients),
		amr: map[string][]string{"pat-sub": {"pwd"}, "mia-sub": {"pwd", "mfa"}},
		acr: map[string]string{"mia-sub": upstreamMFAACR}}
	srv.Config.Handler = exampleop.SetupServer(issuer, st, nil, false)
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

// upstreamHarness is a provider whose password page offers the honest
// upstream as connector "up" (trust its MFA as trust says), every
// sign-in requiring two factors, and a client "app".
func upstreamHarness(t *testing.T, trust connector.MFATrust, edit ...func(*provider.Options)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*provider.Options){func(o *provider.Options) {
		o.MFAPolicy = signin.MFAAlways
		redirect := o.Issuer + "/login/connector/up/callback"
		up, err := upstreamoidc.New(upstreamoidc.Config{ID: "up", Name: "Upstream SSO", Issuer: startUpstream(t, redirect),
			ClientID: upstreamClientID, ClientSecret: upstreamClientSecret, RedirectURL: redirect, Trust: trust})
		if err != nil {
			t.Fatal(err)
		}
		o.Upstreams = []connector.CallbackConnector{up}
	}}, edit...)...)
}

// viaUpstream signs in at the upstream from the password page p as
// username, and returns the page otpgate answers with.
func (b *browser) viaUpstream(p *page, username, password string) *page {
	b.t.Helper()
	if p.Step() != "password" {
		b.t.Fatalf("step %q, want password", p.Step())
	}
	form := find(p.Doc, func(n *htmlNode) bool { return n.Data == "form" && attr(n, "action") == "/login/connector/up" })
	if form == nil || !strings.Contains(p.Describe()+renderText(form), "Upstream SSO") {
		b.t.Fatalf("the password page offers no button for the upstream")
	}
	login := b.postForm(p, "/login/connector/up", nil)
	return b.submit(login, map[string]string{"username": username, "password": password})
}

// TestUpstreamSignIn: the first sign-in through the upstream creates and
// links the account (by the upstream's sub), with no otpgate password;
// a password-only upstream sign-in is followed by otpgate's passcode
// (enrolment first), and the tokens say so: ext and the upstream's
// methods, otp and mfa, idp up; refreshes keep idp. A later sign-in asks
// the passcode. The account never signs in with a password.
func TestUpstreamSignIn(t *testing.T) {
	h := upstreamHarness(t, connector.MFATrust{Trust: true})
	h.addClient("app", appSecret)
	ctx := context.Background()
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess)

	b := newBrowser(t)
	p := b.viaUpstream(b.get(authURL(app, nonce, "")), "pat", patPassword)
	if p.Step() != "enroll" {
		t.Fatalf("after the upstream: %s, want the enroll step", p.Describe())
	}
	pat, err := h.store.UserByLink(ctx, connector.LinkProvider("up"), "pat-sub")
	if err != nil {
		t.Fatalf("no account linked to pat's upstream sub: %v", err)
	}
	if pat.Username != "pat" || pat.Email != "pat@example.org" || pat.PasswordHash != "" {
		t.Fatalf("pat's account: %+v", pat)
	}
	p, secret := h.enroll(b, p)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	c := tokens.IDTokenClaims
	if c.Subject != pat.ID || !slices.Equal(c.AuthenticationMethodsReferences, []string{"ext", "pwd", "otp", "mfa"}) ||
		c.AuthenticationContextClassReference != signin.ACRMFA || c.Claims["idp"] != "up" {
		t.Fatalf("token: sub %q amr %v acr %q idp %v", c.Subject, c.AuthenticationMethodsReferences,
			c.AuthenticationContextClassReference, c.Claims["idp"])
	}
	nonce = ""
	refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, app, tokens.RefreshToken, "", "")
	nonce = "n"
	if err != nil {
		t.Fatal(err)
	}
	if rc := refreshed.IDTokenClaims; rc == nil || rc.Claims["idp"] != "up" ||
		!slices.Equal(rc.AuthenticationMethodsReferences, []string{"ext", "pwd", "otp", "mfa"}) {
		t.Fatalf("refreshed ID token: %+v", refreshed.IDTokenClaims)
	}

	// The next sign-in: the same account, and the passcode.
	h.clock.NextTOTPStep()
	b = newBrowser(t)
	p = b.viaUpstream(b.get(authURL(app, nonce, "")), "pat", patPassword)
	if p.Step() != "otp" {
		t.Fatalf("second sign-in: %s, want the passcode step", p.Describe())
	}
	p = b.submit(p, map[string]string{"code": h.passcode(t, secret)})
	tokens, err = rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if c := tokens.IDTokenClaims; c.Subject != pat.ID || !slices.Equal(c.AuthenticationMethodsReferences, []string{"ext", "pwd", "otp", "mfa"}) {
		t.Fatalf("second sign-in: sub %q amr %v", c.Subject, c.AuthenticationMethodsReferences)
	}

	// Audited with the connector: the link and the sign-ins.
	events, err := h.store.AuditEvents(ctx, store.AuditQuery{UserID: pat.ID})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events {
		if strings.Contains(e.Detail, "connector up") {
			seen[e.Event]++
		}
	}
	if seen[store.EventLinked] != 1 || seen[store.EventSignIn] != 2 {
		t.Fatalf("audit events naming the connector: %v (all: %+v)", seen, events)
	}

	// pat has no otpgate password: the password form never signs pat in.
	b = newBrowser(t)
	for _, pw := range []string{"x", patPassword} {
		p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "pat", "password": pw})
		if p.Step() != "password" || p.Code() != "" {
			t.Fatalf("pat signed in with a password: %s", p.Describe())
		}
	}
}

// TestUpstreamTrustedMFA: mia's upstream token proves a second factor
// (amr mfa): with trust_upstream_mfa the passcode step is skipped and the
// token says mfa without otp; without trust, or when the configured acr
// values do not include the upstream's acr, the passcode step runs.
func TestUpstreamTrustedMFA(t *testing.T) {
	for _, tc := range []struct {
		name  string
		trust connector.MFATrust
		skip  bool
	}{
		{"trusted", connector.MFATrust{Trust: true}, true},
		{"trusted with its acr", connector.MFATrust{Trust: true, ACRValues: []string{"urn:other", upstreamMFAACR}}, true},
		{"trusted with another acr", connector.MFATrust{Trust: true, ACRValues: []string{"urn:other"}}, false},
		{"not trusted", connector.MFATrust{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := upstreamHarness(t, tc.trust)
			h.addClient("app", appSecret)
			ctx := context.Background()
			nonce := "n"
			app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess)
			b := newBrowser(t)
			p := b.viaUpstream(b.get(authURL(app, nonce, "", rp.WithURLParam("acr_values", signin.ACRMFA))), "mia", miaPassword)
			mia, err := h.store.UserByLink(ctx, connector.LinkProvider("up"), "mia-sub")
			if err != nil {
				t.Fatal(err)
			}
			if mia.Email != "" {
				t.Fatalf("an email the upstream did not verify was kept: %q", mia.Email)
			}
			want := []string{"ext", "pwd", "mfa"}
			if !tc.skip {
				if p.Step() != "enroll" {
					t.Fatalf("%s, want the enroll step", p.Describe())
				}
				p, _ = h.enroll(b, p)
				want = []string{"ext", "pwd", "otp", "mfa"}
			}
			tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
			if err != nil {
				t.Fatal(err)
			}
			c := tokens.IDTokenClaims
			if c.Subject != mia.ID || !slices.Equal(c.AuthenticationMethodsReferences, want) ||
				c.AuthenticationContextClassReference != signin.ACRMFA || c.Claims["idp"] != "up" {
				t.Fatalf("token: amr %v acr %q idp %v, want amr %v", c.AuthenticationMethodsReferences,
					c.AuthenticationContextClassReference, c.Claims["idp"], want)
			}
			nonce = ""
			refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, app, tokens.RefreshToken, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if rc := refreshed.IDTokenClaims; rc == nil || rc.Claims["idp"] != "up" || !slices.Equal(rc.AuthenticationMethodsReferences, want) {
				t.Fatalf("refreshed: %+v", refreshed.IDTokenClaims)
			}
			if tc.skip {
				events, _ := h.store.AuditEvents(ctx, store.AuditQuery{UserID: mia.ID})
				if !slices.ContainsFunc(events, func(e store.AuditEvent) bool {
					return e.Event == store.EventUpstreamMFA && strings.Contains(e.Detail, "connector up")
				}) {
					t.Fatalf("the accepted upstream MFA is not audited: %+v", events)
				}
			}
		})
	}
}

// renderText is the text of n.
func renderText(n *htmlNode) string {
	var sb strings.Builder
	var walk func(*htmlNode)
	walk = func(n *htmlNode) {
		if n.Type == 1 { // text
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

package provider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// authorizeQuery is a code-flow authorization request of client to
// redirect, with a valid S256 challenge.
func authorizeQuery(client, redirect string) url.Values {
	_, challenge := pkce()
	return url.Values{"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st-1"}, "nonce": {"n"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
}

// authorizeRedirect sends an authorization request and returns the
// redirect's target (nil when the provider did not redirect).
func authorizeRedirect(t *testing.T, h *harness, q url.Values) (*page, *url.URL) {
	t.Helper()
	b := newBrowser(t)
	p := b.must(b.Load(h.issuer + "/authorize?" + q.Encode()))
	return p, p.RedirectTarget()
}

// TestLoopbackRedirectAnyPort (RFC 8252 §7.3): a public client registered
// with an IP-literal loopback redirect URI is redirected to whatever port
// the native app listens on; scheme, host, path and query must still
// match, and "localhost", confidential clients and other hosts stay exact.
func TestLoopbackRedirectAnyPort(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	ctx := context.Background()
	for _, c := range []*store.Client{
		{ID: "cli", Name: "CLI", Public: true, RedirectURIs: store.StringList{
			"http://127.0.0.1/cb", "http://[::1]/cb?app=1", "http://localhost/cb"}},
		{ID: "daemon", Name: "Daemon", SecretHash: h.hasher.Hash(appSecret), RedirectURIs: store.StringList{"http://127.0.0.1/cb"}},
	} {
		if err := h.store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		client, redirect string
		ok               bool
	}{
		{"cli", "http://127.0.0.1/cb", true},
		{"cli", "http://127.0.0.1:53127/cb", true},
		{"cli", "http://[::1]:8400/cb?app=1", true},
		{"cli", "http://127.0.0.1:53127/other", false},
		{"cli", "http://127.0.0.1:53127/cb?x=1", false},
		{"cli", "https://127.0.0.1:53127/cb", false},
		{"cli", "http://[::1]:53127/cb", false},        // registered with a query
		{"cli", "http://127.0.0.2:53127/cb", false},    // another host
		{"cli", "http://localhost:53127/cb", false},    // localhost stays exact
		{"cli", "http://[::1]:8400/cb?app=1#f", false}, // fragment
		{"daemon", "http://127.0.0.1:53127/cb", false}, // confidential stays exact
	}
	for _, tc := range cases {
		p, target := authorizeRedirect(t, h, authorizeQuery(tc.client, tc.redirect))
		toLogin := target != nil && strings.HasPrefix(target.String(), h.issuer+"/login/next")
		if tc.ok != toLogin {
			t.Errorf("%s %s: to login %v, want %v (status %d, location %q, step %q)",
				tc.client, tc.redirect, toLogin, tc.ok, p.Status, p.Location, p.Step())
		}
		if !tc.ok && (p.Status != http.StatusBadRequest || p.Step() != "error") {
			t.Errorf("%s %s: status %d step %q, want the error page", tc.client, tc.redirect, p.Status, p.Step())
		}
	}

	// A request object does not bypass the match: the library's own
	// loopback rule (any loopback host, localhost included) is looser.
	q0 := authorizeQuery("cli", "http://localhost:53127/cb")
	q0.Set("request", "e30.e30.")
	if p, target := authorizeRedirect(t, h, q0); target != nil || p.Status != http.StatusBadRequest {
		t.Errorf("request object with an unregistered loopback URI: status %d location %q", p.Status, p.Location)
	}

	// The whole flow ends at the port the app asked for, and the code is
	// exchanged with that redirect URI.
	verifier, challenge := pkce()
	q := authorizeQuery("cli", "http://127.0.0.1:53127/cb")
	q.Set("code_challenge", challenge)
	b := newBrowser(t)
	b.RPHost = "127.0.0.1:53127"
	p := b.signIn(h.issuer+"/authorize?"+q.Encode(), "erin", "erins-password-1", "rex")
	target := p.RedirectTarget()
	if target == nil || target.Host != "127.0.0.1:53127" || target.Query().Get("code") == "" {
		t.Fatalf("sign-in ended at %q, want the app's loopback port with a code", p.Location)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {target.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1:53127/cb"}, "client_id": {"cli"}, "code_verifier": {verifier}}
	if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, body)
	}
}

// TestUnsupportedResponseType: a registered redirect URI receives
// unsupported_response_type (with state and iss), whatever the response
// type asked for and whatever the redirect URI's scheme.
func TestUnsupportedResponseType(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	if err := h.store.CreateClient(context.Background(), &store.Client{ID: "dev", Name: "Dev",
		SecretHash: h.hasher.Hash(appSecret), RedirectURIs: store.StringList{"http://127.0.0.1:9000/cb"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ client, redirect, responseType string }{
		{"app", rpRedirect, "token"},
		{"app", rpRedirect, "id_token"},
		{"app", rpRedirect, "id_token token"},
		{"app", rpRedirect, "code id_token"},
		{"app", rpRedirect, "none"},
		{"spa", rpRedirect, "token"},
		{"dev", "http://127.0.0.1:9000/cb", "token"},
	} {
		q := authorizeQuery(tc.client, tc.redirect)
		q.Set("response_type", tc.responseType)
		p, target := authorizeRedirect(t, h, q)
		if target == nil || !strings.HasPrefix(target.String(), tc.redirect+"?") {
			t.Errorf("%s %q: status %d location %q step %q, want a redirect to %s", tc.client, tc.responseType, p.Status, p.Location, p.Step(), tc.redirect)
			continue
		}
		got := target.Query()
		if got.Get("error") != "unsupported_response_type" || got.Get("state") != "st-1" || got.Get("iss") != h.issuer || got.Get("code") != "" {
			t.Errorf("%s %q: redirect query %v", tc.client, tc.responseType, got)
		}
	}
}

// TestIssuerInAuthorizationResponses (RFC 9207): every authorization
// response, success or error, names the issuer, and discovery says so.
func TestIssuerInAuthorizationResponses(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)

	p := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
	if q := p.rpQuery(t); q.Get("code") == "" || q.Get("iss") != h.issuer || q.Get("state") != "state-"+nonce {
		t.Errorf("success response: %v", q)
	}
	// Errors the library redirects at /authorize.
	q := authorizeQuery("app", rpRedirect)
	q.Del("scope")
	if _, target := authorizeRedirect(t, h, q); target == nil || target.Query().Get("error") == "" || target.Query().Get("iss") != h.issuer {
		t.Errorf("error at /authorize: %v", target)
	}
	// Errors the sign-in pages send (prompt=none without a session).
	p = newBrowser(t).get(authURL(app, nonce, "", rp.WithURLParam("prompt", "none")))
	if q := p.rpQuery(t); q.Get("error") != "login_required" || q.Get("iss") != h.issuer {
		t.Errorf("prompt=none: %v", q)
	}

	status, body := get(t, h.issuer+"/.well-known/openid-configuration")
	var d map[string]any
	if err := json.Unmarshal([]byte(body), &d); err != nil || status != http.StatusOK {
		t.Fatalf("discovery: %d %v", status, err)
	}
	if d["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("discovery authorization_response_iss_parameter_supported = %v", d["authorization_response_iss_parameter_supported"])
	}
}

// claimsACR is a claims request parameter asking for acr in the ID token.
func claimsACR(essential bool, values ...string) string {
	acr := map[string]any{"essential": essential}
	if len(values) > 0 {
		acr["values"] = values
	}
	b, _ := json.Marshal(map[string]any{"id_token": map[string]any{"acr": acr}})
	return string(b)
}

// TestEssentialACR (OIDC Core §5.5.1.1): an essential acr otpgate cannot
// give fails the request with an error redirect; an essential multi-factor
// acr demands the passcode as acr_values does; a voluntary one does not.
func TestEssentialACR(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)

	for name, claims := range map[string]string{
		"unknown value":    claimsACR(true, "urn:example:loa:4"),
		"malformed claims": `{"id_token":{"acr":`,
	} {
		p := newBrowser(t).get(authURL(app, nonce, "", rp.WithURLParam("claims", claims)))
		q := p.rpQuery(t)
		want := "unmet_authentication_requirements"
		if name == "malformed claims" {
			want = "invalid_request"
		}
		if q.Get("error") != want || q.Get("state") != "state-"+nonce || q.Get("iss") != h.issuer {
			t.Errorf("%s: redirect query %v, want error %s", name, q, want)
		}
	}

	// Voluntary, or essential without values (every ID token has an acr):
	// no second factor for a user who needs none.
	p := newBrowser(t).signIn(authURL(app, nonce, "", rp.WithURLParam("claims", claimsACR(true))), "erin", "erins-password-1", "rex")
	if c := exchange(t, app, p); c.AuthenticationContextClassReference != signin.ACRPassword {
		t.Errorf("essential acr without values: acr %q", c.AuthenticationContextClassReference)
	}
	p = newBrowser(t).signIn(authURL(app, nonce, "", rp.WithURLParam("claims", claimsACR(false, signin.ACRMFA))), "erin", "erins-password-1", "rex")
	if c := exchange(t, app, p); c.AuthenticationContextClassReference != signin.ACRPassword {
		t.Errorf("voluntary acr: acr %q", c.AuthenticationContextClassReference)
	}
	// Essential multi-factor (among other values): the passcode is demanded.
	essential := claimsACR(true, "urn:example:loa:4", signin.ACRMFA)
	b := newBrowser(t)
	p = b.toSecondFactor(authURL(app, nonce, "", rp.WithURLParam("claims", essential)), "erin", "erins-password-1", "rex")
	if p.Step() != "enroll" {
		t.Fatalf("essential multi-factor acr: step %q (location %q), want enroll", p.Step(), p.Location)
	}
	p, secret := h.enroll(b, p)
	if c := exchange(t, app, p); c.AuthenticationContextClassReference != signin.ACRMFA {
		t.Errorf("essential multi-factor acr: acr %q", c.AuthenticationContextClassReference)
	}

	// Essential password-only: erin now has a device, so her sign-in ends
	// with the multi-factor acr, which is not among the essential values:
	// the relying party gets unmet_authentication_requirements, not a code
	// whose token would break the request (OIDC Core 5.5.1.1), and her
	// single sign-on session is not used for it either.
	h.clock.NextTOTPStep()
	passwordOnly := claimsACR(true, signin.ACRPassword)
	for _, b := range []*browser{b, newBrowser(t)} {
		p = b.get(authURL(app, nonce, "", rp.WithURLParam("claims", passwordOnly)))
		if p.Step() == "password" {
			p = b.submit(p, map[string]string{"username": "erin", "password": "erins-password-1"})
			p = b.submit(p, map[string]string{"answer": "rex"})
		}
		if p.Step() == "otp" {
			p = b.submit(p, map[string]string{"code": h.passcode(t, secret)})
			h.clock.NextTOTPStep()
		}
		q := p.rpQuery(t)
		if q.Get("error") != "unmet_authentication_requirements" || q.Get("code") != "" || q.Get("iss") != h.issuer {
			t.Fatalf("essential password-only acr for a user with a device: %v", q)
		}
	}
}

// TestPKCEChallengeSyntax (RFC 7636 §4.2): a code_challenge that is not
// 43 to 128 unreserved characters is refused with invalid_request,
// redirected to the client.
func TestPKCEChallengeSyntax(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	for name, challenge := range map[string]string{
		"too short":    strings.Repeat("a", 42),
		"too long":     strings.Repeat("a", 129),
		"bad chars":    strings.Repeat("a", 42) + "+",
		"space":        strings.Repeat("a", 42) + " ",
		"percent":      strings.Repeat("a", 42) + "%",
		"non-ascii":    strings.Repeat("a", 42) + "é",
		"slash inside": strings.Repeat("a", 21) + "/" + strings.Repeat("a", 21),
	} {
		for _, client := range []string{"app", "spa"} {
			q := authorizeQuery(client, rpRedirect)
			q.Set("code_challenge", challenge)
			_, target := authorizeRedirect(t, h, q)
			if target == nil || target.Host != rpHost || target.Query().Get("error") != "invalid_request" || target.Query().Get("iss") != h.issuer {
				t.Errorf("%s (%s): redirect %v, want invalid_request", name, client, target)
			}
		}
	}
	for _, ok := range []string{strings.Repeat("a", 43), strings.Repeat("-._~", 32)} {
		_, target := authorizeRedirect(t, h, func() url.Values {
			q := authorizeQuery("spa", rpRedirect)
			q.Set("code_challenge", ok)
			return q
		}())
		if target == nil || !strings.HasPrefix(target.String(), h.issuer+"/login/next") {
			t.Errorf("valid challenge of %d characters refused: %v", len(ok), target)
		}
	}
}

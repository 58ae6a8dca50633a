//go:build linux

package main

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"go.yaml.in/yaml/v3"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/dex"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// The hosts of the README's Dex section, replaced by the test's.
const (
	readmeIssuer = "https://login.example.com"
	readmeDex    = "https://dex.example.com"
)

// TestDexConnector: Dex, whose oidc connector is configured exactly as the
// README's Dex section shows it (issuer, clientID, clientSecret,
// redirectURI; Dex's defaults otherwise: userNameKey "name", the scopes
// profile and email, PKCE), signs people in through otpgate to an
// application of Dex's, and the ID token Dex issues names each by otpgate's
// display name, or by the username for an account without one (before
// otpgate sent name for every account, Dex refused it with `missing "name"
// claim`). An account without an address is refused, as the README says;
// and with offline_access added to the connector's scopes, as the README
// advises, Dex's own refresh tokens work.
func TestDexConnector(t *testing.T) {
	dex.Need(t)
	bin := dex.Binary(t)

	f := fleet.New(t, filepath.Join(t.TempDir(), "otpgate.db"), 1)
	f.Replicas[0].StartReady()
	dexBase := "http://127.0.0.1:" + strconv.Itoa(fleet.FreePort(t))
	offlineBase := "http://127.0.0.1:" + strconv.Itoa(fleet.FreePort(t))
	secrets := map[string]string{}
	for id, base := range map[string]string{"dex": dexBase, "dex-offline": offlineBase} {
		out := f.MustCLI("client", "add", "--id", id, "--name", "Dex", "--redirect-uri", base+"/dex/callback")
		m := regexp.MustCompile(`client secret \(shown once, store it now\): (\S+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("client add printed no secret: %q", out)
		}
		secrets[id] = m[1]
	}
	const pw, newPW = "tulip-aron-granite-4", "a-brand-new-password"
	f.MustCLI("user", "add", "--username", "ada", "--email", "ada@example.com", "--name", "Ada Lovelace",
		"--given-name", "Ada", "--family-name", "Lovelace", "--password", pw)
	f.MustCLI("user", "add", "--username", "bo", "--email", "bo@example.com", "--password", pw)
	f.MustCLI("user", "add", "--username", "cy", "--name", "Cy Twombly", "--password", pw)

	readme := readmeDexConnectors(t)
	d := dex.Start(t, bin, dexBase+"/dex", dexConfig(dexBase, strings.NewReplacer(readmeIssuer, f.Issuer, readmeDex, dexBase).Replace(readme)),
		"OTPGATE_CLIENT_SECRET="+secrets["dex"])
	offline := strings.NewReplacer(readmeIssuer, f.Issuer, readmeDex, offlineBase, "clientID: dex", "clientID: dex-offline").Replace(readme) +
		"    scopes: [profile, email, offline_access]\n"
	dOffline := dex.Start(t, bin, offlineBase+"/dex", dexConfig(offlineBase, offline), "OTPGATE_CLIENT_SECRET="+secrets["dex-offline"])

	for _, tc := range []struct{ user, name string }{{"ada", "Ada Lovelace"}, {"bo", "bo"}} {
		t.Run(tc.user, func(t *testing.T) {
			tokens, _ := signInThroughDex(t, d.Issuer, tc.user, pw, newPW, false)
			c := tokens.IDTokenClaims
			if c.Name != tc.name || c.PreferredUsername != tc.user || c.Email != tc.user+"@example.com" || !bool(c.EmailVerified) {
				t.Errorf("Dex's ID token: name %q preferred_username %q email %q verified %v; want %q %q %s@example.com true",
					c.Name, c.PreferredUsername, c.Email, c.EmailVerified, tc.name, tc.user, tc.user)
			}
		})
	}
	t.Run("no address", func(t *testing.T) {
		if p := signInToDex(t, d.Issuer, "cy", pw, newPW, false); p.ToRP() || !strings.Contains(d.Log(), `missing email claim`) {
			t.Errorf("an account without an address: want Dex to refuse it (missing email claim), got %s", p.Describe())
		}
	})
	t.Run("refresh", func(t *testing.T) {
		// ada chose newPW at her first sign-in, above.
		tokens, app := signInThroughDex(t, dOffline.Issuer, "ada", newPW, "", true)
		if tokens.RefreshToken == "" {
			t.Fatal("Dex issued no refresh token")
		}
		refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](t.Context(), app, tokens.RefreshToken, "", "")
		if err != nil || refreshed.IDTokenClaims.Name != "Ada Lovelace" {
			t.Fatalf("refresh at Dex: %v (%+v)", err, refreshed)
		}
	})
}

// dexConfig is a Dex configuration on base (127.0.0.1) with in-memory
// storage, one application (app, redirected to the test browser's
// relying party) and connectors.
func dexConfig(base, connectors string) string {
	return `issuer: ` + base + `/dex
storage:
  type: memory
web:
  http: ` + strings.TrimPrefix(base, "http://") + `
oauth2:
  skipApprovalScreen: true
staticClients:
- id: app
  name: App
  secret: ` + dexAppSecret + `
  redirectURIs:
  - ` + fixtures.RedirectURI + `
` + connectors
}

// dexAppSecret is the secret of Dex's application.
const dexAppSecret = "app-secret-0123456789abcdef"

// signInThroughDex signs user in to Dex's application through otpgate
// (see signInToDex) and exchanges the code Dex returns; offline asks Dex
// for a refresh token.
func signInThroughDex(t *testing.T, issuer, user, pw, newPW string, offline bool) (*oidc.Tokens[*oidc.IDTokenClaims], rp.RelyingParty) {
	t.Helper()
	app := dexApp(t, issuer, user, offline)
	p := signInToDex(t, issuer, user, pw, newPW, offline)
	if !p.ToRP() || p.Code() == "" {
		t.Fatalf("Dex did not send the browser back to its application with a code: %s", p.Describe())
	}
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](t.Context(), p.Code(), app)
	if err != nil {
		t.Fatalf("exchange Dex's code: %v", err)
	}
	return tokens, app
}

// dexApp is Dex's application as zitadel's relying-party library sees it;
// the nonce of user's sign-in is "n-"+user.
func dexApp(t *testing.T, issuer, user string, offline bool) rp.RelyingParty {
	t.Helper()
	scopes := []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}
	if offline {
		scopes = append(scopes, oidc.ScopeOfflineAccess)
	}
	app, err := rp.NewRelyingPartyOIDC(t.Context(), issuer, "app", dexAppSecret, fixtures.RedirectURI, scopes,
		rp.WithVerifierOpts(rp.WithNonce(func(context.Context) string { return "n-" + user })))
	if err != nil {
		t.Fatalf("Dex as a relying party sees it: %v", err)
	}
	return app
}

// signInToDex starts a sign-in at Dex's authorize endpoint and walks
// otpgate's pages for user within 60 seconds: the password pw, at the first
// sign-in (newPW not empty) the new password newPW and the security
// question, then the answer. It returns the page the browser stopped at: a
// redirect to Dex's application when Dex accepted the person.
func signInToDex(t *testing.T, issuer, user, pw, newPW string, offline bool) *browser.Page {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	b := fleet.NewBrowser()
	b.Context = ctx
	p := pageOf(t, "Dex's authorize")(b.Get(rp.AuthURL("s-"+user, dexApp(t, issuer, user, offline),
		rp.AuthURLOpt(rp.WithURLParam("nonce", "n-"+user)))))
	if p.Step() != "password" {
		t.Fatalf("Dex did not send the browser to otpgate's sign-in: %s", p.Describe())
	}
	p = pageOf(t, "password")(b.Submit(p, map[string]string{"username": user, "password": pw}))
	if newPW != "" {
		if p.Step() != "setup" {
			t.Fatalf("password step: %s", p.Describe())
		}
		p = pageOf(t, "setup")(b.Submit(p, map[string]string{"new_password": newPW, "new_password_confirm": newPW,
			"question": fixtures.Question, "answer": "Rex", "answer_confirm": "Rex"}))
	}
	if p.Step() != "question" {
		t.Fatalf("before the question: %s", p.Describe())
	}
	return pageOf(t, "question")(b.Submit(p, map[string]string{"answer": "rex"}))
}

// pageOf returns the page of a browser step, failing the test (naming
// the step what) when the step failed.
func pageOf(t *testing.T, what string) func(*browser.Page, error) *browser.Page {
	return func(p *browser.Page, err error) *browser.Page {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return p
	}
}

// readmeDexConnectors is the yaml block of the README's Dex section,
// checked to configure one oidc connector with the four settings the
// section promises and nothing else.
func readmeDexConnectors(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Dex\n")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no yaml block in a section ## Dex")
	}
	var parsed struct {
		Connectors []struct {
			Type   string         `yaml:"type"`
			Config map[string]any `yaml:"config"`
		} `yaml:"connectors"`
	}
	if err := yaml.Unmarshal([]byte(block), &parsed); err != nil {
		t.Fatalf("the README's Dex block: %v", err)
	}
	want := []string{"clientID", "clientSecret", "issuer", "redirectURI"}
	if len(parsed.Connectors) != 1 || parsed.Connectors[0].Type != "oidc" ||
		!slices.Equal(slices.Sorted(maps.Keys(parsed.Connectors[0].Config)), want) {
		t.Fatalf("the README's Dex block is not one oidc connector with only %v:\n%s", want, block)
	}
	return block
}

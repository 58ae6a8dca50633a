// Package demo is a tiny relying party built into otpgate's development
// mode: a newcomer clicks "Sign in" at /demo, walks the whole journey, and
// sees the verified ID token claims. It uses zitadel's relying-party
// library against the provider's own issuer URL, exactly as an
// application would.
package demo

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/templates"
)

// Options configure the demo relying party.
type Options struct {
	Issuer    string
	ClientID  string // a public client with redirect URI <issuer>/demo/callback
	Renderer  *templates.Renderer
	CookieKey [32]byte
	Log       *slog.Logger
}

// Demo serves /demo.
type Demo struct {
	o       Options
	cookies *httphelper.CookieHandler

	mu sync.Mutex
	rp rp.RelyingParty
}

// resultCookie holds the signed-in result (claims and raw ID token).
const resultCookie = "otpgate-demo-result"

type result struct {
	Claims  string `json:"claims"`
	IDToken string `json:"id_token"`
}

// New returns the demo relying party.
func New(o Options) *Demo {
	var opts []httphelper.CookieHandlerOpt
	if strings.HasPrefix(o.Issuer, "http://") {
		opts = append(opts, httphelper.WithUnsecure())
	}
	return &Demo{o: o, cookies: httphelper.NewCookieHandler(o.CookieKey[:], o.CookieKey[:], opts...)}
}

// RedirectURI is the demo client's redirect URI for an issuer.
func RedirectURI(issuer string) string { return issuer + "/demo/callback" }

// PostLogoutURI is the demo client's post-logout redirect URI.
func PostLogoutURI(issuer string) string { return issuer + "/demo" }

// Mount registers the demo routes.
func (d *Demo) Mount(g *echo.Group) {
	g.GET("/demo", d.home)
	g.GET("/demo/login", d.withRP(func(p rp.RelyingParty) http.Handler {
		return rp.AuthURLHandler(credential.NewToken, p)
	}))
	g.GET("/demo/callback", d.withRP(func(p rp.RelyingParty) http.Handler {
		return rp.CodeExchangeHandler(d.callback, p)
	}))
	g.GET("/demo/logout", d.logout)
}

// relyingParty discovers the issuer on first use (the server is not yet
// listening when the demo is built).
func (d *Demo) relyingParty(ctx context.Context) (rp.RelyingParty, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rp != nil {
		return d.rp, nil
	}
	p, err := rp.NewRelyingPartyOIDC(ctx, d.o.Issuer, d.o.ClientID, "", RedirectURI(d.o.Issuer),
		[]string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		rp.WithPKCE(d.cookies), rp.WithCookieHandler(d.cookies),
		// A failed sign-in comes back to the demo's page in words, never
		// as the library's plain-text "named cookie not present".
		rp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, errorType, _, _ string) {
			problem := "demo.problem.other"
			if errorType == "access_denied" || errorType == "login_required" || errorType == "unmet_authentication_requirements" {
				problem = "demo.problem.denied"
			}
			http.Redirect(w, r, "/demo?problem="+problem, http.StatusFound)
		}),
		rp.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, desc, _ string) {
			d.o.Log.Info("demo relying party: sign-in not completed", "reason", desc)
			problem := "demo.problem.exchange"
			if strings.HasPrefix(desc, "failed to get state") || strings.HasPrefix(desc, "failed to get code verifier") {
				problem = "demo.problem.session"
			}
			http.Redirect(w, r, "/demo?problem="+problem, http.StatusFound)
		}))
	if err != nil {
		return nil, err
	}
	d.rp = p
	return p, nil
}

func (d *Demo) withRP(h func(rp.RelyingParty) http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := d.relyingParty(c.Request().Context())
		if err != nil {
			d.o.Log.Error("demo relying party: discovery failed", "err", err)
			return d.render(c, http.StatusBadGateway, templates.DemoPage{Error: "The demo application could not reach the provider's discovery document."})
		}
		h(p).ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

func (d *Demo) callback(w http.ResponseWriter, r *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], state string, p rp.RelyingParty) {
	claims, err := json.MarshalIndent(tokens.IDTokenClaims, "", "  ")
	if err == nil {
		var v []byte
		v, err = json.Marshal(result{Claims: string(claims), IDToken: tokens.IDToken})
		if err == nil {
			err = d.cookies.SetCookie(w, resultCookie, string(v))
		}
	}
	if err != nil {
		d.o.Log.Error("demo relying party: keep result", "err", err)
	}
	http.Redirect(w, r, "/demo", http.StatusFound)
}

func (d *Demo) load(r *http.Request) (result, bool) {
	var res result
	v, err := d.cookies.CheckCookie(r, resultCookie)
	if err != nil || json.Unmarshal([]byte(v), &res) != nil {
		return res, false
	}
	return res, true
}

func (d *Demo) home(c echo.Context) error {
	page := templates.DemoPage{Issuer: d.o.Issuer}
	if p := c.QueryParam("problem"); slices.Contains(demoProblems, p) {
		page.Problem = p
	}
	if res, ok := d.load(c.Request()); ok {
		page.SignedIn, page.Claims = true, res.Claims
	}
	return d.render(c, http.StatusOK, page)
}

func (d *Demo) logout(c echo.Context) error {
	res, _ := d.load(c.Request())
	d.cookies.DeleteCookie(c.Response(), resultCookie)
	p, err := d.relyingParty(c.Request().Context())
	if err != nil {
		return c.Redirect(http.StatusFound, "/demo")
	}
	u, err := rp.EndSession(c.Request().Context(), p, res.IDToken, PostLogoutURI(d.o.Issuer), "", "", nil)
	if err != nil {
		return c.Redirect(http.StatusFound, "/demo")
	}
	return c.Redirect(http.StatusFound, u.String())
}

func (d *Demo) render(c echo.Context, status int, page templates.DemoPage) error {
	page.Base.Lang = templates.Negotiate(c.QueryParam("lang"), "", c.Request().Header.Get("Accept-Language"))
	page.Issuer = d.o.Issuer
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return d.o.Renderer.Render(c.Response(), page)
}

// demoProblems are the catalogue keys of the ways a demo sign-in fails.
var demoProblems = []string{"demo.problem.session", "demo.problem.exchange", "demo.problem.denied", "demo.problem.other"}

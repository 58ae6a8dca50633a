// Package portal signs people in to otpgate's own sites: the
// administrator's console (/admin) and the person's account page
// (/account). Each is a relying party of otpgate itself, with a built-in
// public client: its sign-in is the ordinary one (password, question,
// passcode, with every lockout and throttle), asked for with PKCE, a
// state and a nonce, and its code is exchanged at the token endpoint and
// the ID token verified, in process (no request leaves the server, so
// the issuer need not be reachable from inside).
//
// What a site's page trusts afterwards is the browser's single sign-on
// session, read again on every request: ending it (signing out, an
// administrator revoking it, its expiry) ends the site's access at once,
// and so do disabling the account and revoking the administrator role.
package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/oauth2"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Site is one of otpgate's own sites.
type Site struct {
	// Path is where it is served ("/admin"); its sign-in is at Path+"/login"
	// and its redirect URI Path+"/callback".
	Path string
	// ClientID is its built-in client.
	ClientID string
	// Name is the client's name, shown on the sign-in pages.
	Name string
	// Admin: only administrators may use it, and only after a passcode in
	// a sign-in at most MaxAge old.
	Admin  bool
	MaxAge time.Duration
}

// The sites.
var (
	// Console is the administrator's console. Its sign-in always asks for
	// the passcode (the multi-factor acr is essential: no remembered
	// browser, no session without one) and is at most 12 hours old.
	Console = Site{Path: "/admin", ClientID: "otpgate-console", Name: "otpgate console", Admin: true, MaxAge: 12 * time.Hour}
	// Account is the person's own account page.
	Account = Site{Path: "/account", ClientID: "otpgate-account", Name: "otpgate account"}
)

// Clients are the built-in clients of the sites, for store.SetBuiltInClients.
func Clients(issuer string) []store.Client {
	var out []store.Client
	for _, s := range []Site{Console, Account} {
		out = append(out, store.Client{ID: s.ClientID, Name: s.Name, Public: true, RequireMFA: s.Admin,
			RedirectURIs: store.StringList{issuer + s.Path + "/callback"}, PostLogoutRedirectURIs: store.StringList{},
			EntraTenants: store.StringList{}, GrantTypes: store.StringList{}, AllowedScopes: store.StringList{}})
	}
	return out
}

// Options build a Portal.
type Options struct {
	Issuer string
	Store  *store.Store
	// Provider is otpgate itself: discovery, keys and the token endpoint
	// are asked through it in process.
	Provider http.Handler
	Cookies  web.Cookies
	// Key derives the sign-in's state, nonce and PKCE verifier from the
	// random value the browser keeps in a cookie.
	Key    [32]byte
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Portal signs people in to the sites and tells their pages who is signed
// in.
type Portal struct {
	o      Options
	client *http.Client

	mu       sync.Mutex
	provider *gooidc.Provider
}

// New returns the portal.
func New(o Options) *Portal {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Portal{o: o, client: &http.Client{Transport: inProcess{o.Provider}, Timeout: 30 * time.Second}}
}

// Viewer is the person signed in to a site's page.
type Viewer struct {
	User    *store.User
	Session *store.Session
	// CSRF is the token every POST form of the page sends back as the
	// hidden field "csrf".
	CSRF string
	Lang string
	// SwitchLang is this page's address in the other language.
	SwitchLang string
}

// Base is the templates.Base of the viewer's pages.
func (v *Viewer) Base() templates.Base {
	return templates.Base{Lang: v.Lang, CSRF: v.CSRF, SwitchLang: v.SwitchLang}
}

// viewerKey is the echo context key of the Viewer.
const viewerKey = "otpgate.portal.viewer"

// ViewerOf is the person signed in to this request's page (set by the
// middleware Mount installs).
func ViewerOf(c echo.Context) *Viewer {
	v, _ := c.Get(viewerKey).(*Viewer)
	return v
}

// Mount serves site on g: its sign-in (GET Path/login), its redirect URI
// (GET Path/callback) and, under Path, the routes pages adds, each of
// which finds the signed-in person with ViewerOf. Every POST needs the
// form's CSRF token.
func (p *Portal) Mount(g *echo.Group, site Site, pages func(g *echo.Group)) {
	csrf := middleware.CSRFWithConfig(p.o.Cookies.CSRF(middleware.CSRFConfig{
		TokenLookup: "form:csrf",
		ErrorHandler: func(err error, c echo.Context) error {
			return web.NewPageError(http.StatusForbidden, templates.MsgCSRF, nil)
		},
	}, "csrf", 2*time.Hour))
	limit := middleware.BodyLimit("64K")
	g.GET(site.Path+"/login", func(c echo.Context) error { return p.login(c, site) })
	g.GET(site.Path+"/callback", func(c echo.Context) error { return p.callback(c, site) })
	sg := g.Group(site.Path, limit, csrf, p.require(site))
	pages(sg)
}

// stateCookie is the cookie of a site's sign-in in progress.
func stateCookie(site Site) string { return "portal-" + site.ClientID }

// login starts the site's sign-in: a random value in a cookie, from which
// the state, the nonce and the PKCE verifier are derived.
func (p *Portal) login(c echo.Context, site Site) error {
	ctx := c.Request().Context()
	prov, err := p.discover(ctx)
	if err != nil {
		return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
	}
	seed := credential.NewToken()
	value := seed
	if ret := c.QueryParam("return"); returnPath(site, ret) {
		value += "~" + ret
	}
	p.o.Cookies.Set(c, stateCookie(site), value, 15*time.Minute)
	st := p.derive(seed)
	opts := []oauth2.AuthCodeOption{gooidc.Nonce(st.nonce), oauth2.S256ChallengeOption(st.verifier)}
	if site.Admin {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", signin.ACRMFA),
			oauth2.SetAuthURLParam("max_age", fmt.Sprint(int(site.MaxAge.Seconds()))))
	}
	if lang := c.QueryParam("lang"); slices.Contains(templates.Languages, lang) {
		opts = append(opts, oauth2.SetAuthURLParam("ui_locales", lang))
	}
	return c.Redirect(http.StatusFound, p.oauth2(prov, site).AuthCodeURL(st.state, opts...))
}

// callback finishes the site's sign-in: the state must be this browser's,
// the code is exchanged with the verifier, the ID token verified (with
// the nonce), and it must name the person whose session this browser
// holds. Any failure is an error page; the person starts again.
func (p *Portal) callback(c echo.Context, site Site) error {
	ctx := c.Request().Context()
	seed, ret, _ := strings.Cut(p.o.Cookies.Get(c, stateCookie(site)), "~")
	p.o.Cookies.Set(c, stateCookie(site), "", -1)
	if !returnPath(site, ret) {
		ret = site.Path
	}
	if seed == "" {
		return web.NewPageError(http.StatusBadRequest, templates.MsgFlowExpired, errors.New("portal: no sign-in in progress"))
	}
	st := p.derive(seed)
	if subtle.ConstantTimeCompare([]byte(c.QueryParam("state")), []byte(st.state)) != 1 {
		return web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, errors.New("portal: state mismatch"))
	}
	if e := c.QueryParam("error"); e != "" {
		return web.NewPageError(http.StatusForbidden, templates.MsgSignInFailed, fmt.Errorf("portal: sign-in answered %q", e))
	}
	prov, err := p.discover(ctx)
	if err != nil {
		return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
	}
	cctx := gooidc.ClientContext(ctx, p.client)
	tok, err := p.oauth2(prov, site).Exchange(cctx, c.QueryParam("code"), oauth2.VerifierOption(st.verifier))
	if err != nil {
		return web.NewPageError(http.StatusBadRequest, templates.MsgFlowExpired, fmt.Errorf("portal: code exchange: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.VerifierContext(cctx, &gooidc.Config{ClientID: site.ClientID, Now: p.o.Now}).Verify(cctx, raw)
	if err != nil {
		return web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, fmt.Errorf("portal: id token: %w", err))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.nonce)) != 1 {
		return web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, errors.New("portal: nonce mismatch"))
	}
	_, sess, err := p.current(c)
	if err != nil {
		return err
	}
	if sess == nil || sess.UserID != idt.Subject {
		return web.NewPageError(http.StatusBadRequest, templates.MsgWrongBrowser, errors.New("portal: the token names another session's person"))
	}
	p.o.Cookies.Set(c, markCookie(site), p.mark(site, sess), 0)
	return c.Redirect(http.StatusSeeOther, ret)
}

// require is the middleware of a site's pages: the browser's session must
// exist and suffice for the site, otherwise a GET goes to the sign-in
// (any other method is refused: its form is from a page that no longer
// counts). A signed-in person who is not an administrator gets 403 at the
// console.
func (p *Portal) require(site Site) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, sess, err := p.current(c)
			if err != nil {
				return err
			}
			c.Response().Header().Set("Cache-Control", "no-store")
			if u != nil && site.Admin && slices.Contains(sess.AMR, "ext") {
				// An upstream provider's methods are copied into the
				// session ("otp" among them, perhaps), and its sign-in
				// would be reused: the console wants otpgate's own
				// password and passcode, so the person signs out first.
				if !u.Admin {
					return web.NewPageError(http.StatusForbidden, templates.MsgNotAdmin, nil)
				}
				return web.NewPageError(http.StatusForbidden, templates.MsgConsoleNeedsLocal, errors.New("portal: an upstream provider's session at the console"))
			}
			if u == nil || !p.suffices(c, site, sess) {
				if c.Request().Method != http.MethodGet {
					return web.NewPageError(http.StatusUnauthorized, templates.MsgFlowExpired, errors.New("portal: not signed in"))
				}
				q := url.Values{}
				if lang := c.QueryParam("lang"); slices.Contains(templates.Languages, lang) {
					q.Set("lang", lang)
				}
				if p := c.Request().URL.Path; p != site.Path && returnPath(site, p) {
					q.Set("return", p)
				}
				login := site.Path + "/login"
				if len(q) > 0 {
					login += "?" + q.Encode()
				}
				return c.Redirect(http.StatusFound, login)
			}
			if site.Admin && !u.Admin {
				return web.NewPageError(http.StatusForbidden, templates.MsgNotAdmin, nil)
			}

			token, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
			lang := p.o.Cookies.Lang(c, "")
			q := c.Request().URL.Query()
			q.Set("lang", templates.OtherLang(lang))
			c.Set(viewerKey, &Viewer{User: u, Session: sess, CSRF: token, Lang: lang,
				SwitchLang: c.Request().URL.Path + "?" + q.Encode()})
			return next(c)
		}
	}
}

// suffices reports whether the session of u counts at site: this site's
// own sign-in finished with it in this browser (its mark), and, at the
// console, it proved the passcode at most MaxAge ago (whose sign-in an
// upstream provider did is refused by require).
func (p *Portal) suffices(c echo.Context, site Site, sess *store.Session) bool {
	mark := p.o.Cookies.Get(c, markCookie(site))
	if subtle.ConstantTimeCompare([]byte(mark), []byte(p.mark(site, sess))) != 1 {
		return false
	}
	if site.Admin {
		return slices.Contains(sess.AMR, "otp") && p.o.Now().Sub(sess.AuthTime) <= site.MaxAge
	}
	return true
}

// markCookie is the cookie that marks the session a site's sign-in
// finished with.
func markCookie(site Site) string { return "site-" + site.ClientID }

// mark is the value of site's mark for sess: bound to the session, so
// that another person's session in the same browser (or a new one) needs
// the site's sign-in again.
func (p *Portal) mark(site Site, sess *store.Session) string {
	m := hmac.New(sha256.New, p.o.Key[:])
	m.Write([]byte("mark\x00" + site.ClientID + "\x00" + sess.ID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// current is the browser's session and its account; nil, nil when there
// is none or its account is disabled or gone.
func (p *Portal) current(c echo.Context) (*store.User, *store.Session, error) {
	ctx := c.Request().Context()
	v := p.o.Cookies.Get(c, "session")
	if v == "" {
		return nil, nil, nil
	}
	sess, err := p.o.Store.SessionByID(ctx, credential.HashToken(v))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, unavailable(err)
	}
	u, err := p.o.Store.UserByID(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, unavailable(err)
	}
	if u.Disabled {
		return nil, nil, nil
	}
	return u, sess, nil
}

func unavailable(err error) error {
	return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
}

// discover reads otpgate's own discovery document (once it succeeds).
func (p *Portal) discover(ctx context.Context) (*gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	prov, err := gooidc.NewProvider(gooidc.ClientContext(ctx, p.client), p.o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("portal: discovery: %w", err)
	}
	p.provider = prov
	return prov, nil
}

func (p *Portal) oauth2(prov *gooidc.Provider, site Site) *oauth2.Config {
	return &oauth2.Config{ClientID: site.ClientID, Endpoint: prov.Endpoint(),
		RedirectURL: p.o.Issuer + site.Path + "/callback", Scopes: []string{gooidc.ScopeOpenID}}
}

// maxReturnPath bounds the page a sign-in returns to, so that it fits the
// sign-in's cookie beside the seed.
const maxReturnPath = 80

// returnPath reports whether p may be where site's sign-in returns: one of
// the site's own pages (a plain path under it, no query, no dots, no
// doubled slashes), never another site or origin.
func returnPath(site Site, p string) bool {
	if len(p) > maxReturnPath || !strings.HasPrefix(p, site.Path+"/") || strings.Contains(p, "//") || strings.Contains(p, "..") {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-_.", r)) {
			return false
		}
	}
	return true
}

// signInState is what a sign-in's cookie value stands for.
type signInState struct{ state, nonce, verifier string }

// derive is the state, nonce and verifier of the seed a cookie holds:
// unguessable without the seed, and the seed never leaves the browser's
// cookie (the state in the URL reveals nothing of the verifier).
func (p *Portal) derive(seed string) signInState {
	f := func(purpose string) string {
		m := hmac.New(sha256.New, p.o.Key[:])
		m.Write([]byte(purpose + "\x00" + seed))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	return signInState{state: f("state"), nonce: f("nonce"), verifier: f("verifier")}
}

// inProcess serves the relying party's requests with the provider's own
// handler.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.RequestURI = r.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:0"
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	return w.Result(), nil
}

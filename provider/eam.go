package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/entra"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// EntraOptions configure the Entra ID external authentication method.
type EntraOptions struct {
	// Hints verifies the id_token_hint Entra signed (entra.Authority).
	Hints HintVerifier
	// LinkByUsername lets the first use of an Entra user link it to the
	// account whose username (or email) is the hint's preferred_username
	// (or upn); off, only an administrator links (otpgate user link).
	LinkByUsername bool
}

// HintVerifier checks an Entra ID hint against its tenant's keys.
type HintVerifier interface {
	VerifyHint(ctx context.Context, raw string, p entra.Policy) (*entra.Hint, error)
}

// eamTokenLifetime is how long the ID token handed to Entra is valid:
// Entra redeems it at once.
const eamTokenLifetime = 5 * time.Minute

// eam answers an Entra client's request, when Entra is configured.
func (w *wiring) eam(c echo.Context, cl *store.Client) error {
	if w.o.Entra == nil || w.o.Entra.Hints == nil {
		w.o.Logger.WarnContext(c.Request().Context(), "entra request refused: entra is not configured", "client_id", cl.ID)
		return web.NewPageError(http.StatusBadRequest, templates.MsgInvalidRedirect, nil)
	}
	return w.eamRequest(c, cl)
}

// eamRequest answers an authorization request of an Entra client (an
// external authentication method): Entra checked the first factor and
// names its user in a signed hint; otpgate runs the passcode only, in a
// flow of its own, and answers with an ID token posted back to Entra.
// Every refusal once the redirect URI is known goes back to Entra as an
// error with the state, so the person is never stranded here.
func (w *wiring) eamRequest(c echo.Context, cl *store.Client) error {
	req := c.Request()
	ctx := req.Context()
	form := req.Form
	redirect := form.Get("redirect_uri")
	if err := entra.CheckRedirectURI(redirect); err != nil {
		w.o.Logger.InfoContext(ctx, "entra request refused: redirect URI", "client_id", cl.ID)
		return web.NewPageError(http.StatusBadRequest, templates.MsgInvalidRedirect, nil)
	}
	state := form.Get("state")
	log := w.o.Logger.With("client_id", cl.ID, "client_request_id", clientRequestID(form.Get("client-request-id")))
	refuse := func(e *oidc.Error, why string, u *store.User) error {
		log.InfoContext(ctx, "entra request refused", "error", e.ErrorType, "reason", why)
		ev := &store.AuditEvent{Event: store.EventEntraRefused, ClientID: cl.ID, IP: c.RealIP(), Actor: "user",
			Detail: string(e.ErrorType) + ": " + why}
		if u != nil {
			ev.UserID, ev.Username = u.ID, u.Username
		}
		if err := w.o.Store.Audit(ctx, ev); err != nil {
			log.WarnContext(ctx, "audit", "err", err)
		}
		return w.formPost(c, redirect, errorFields(e, state))
	}
	switch {
	case state == "":
		return refuse(oidc.ErrInvalidRequest().WithDescription("state is required"), "no state", nil)
	case form.Get("response_type") != string(oidc.ResponseTypeIDTokenOnly):
		e := oidc.ErrInvalidRequest().WithDescription("only response_type=id_token is supported for this client")
		e.ErrorType = "unsupported_response_type"
		return refuse(e, "response type", nil)
	case form.Get("response_mode") != string(oidc.ResponseModeFormPost):
		return refuse(oidc.ErrInvalidRequest().WithDescription("response_mode must be form_post"), "response mode", nil)
	case !strings.Contains(" "+form.Get("scope")+" ", " openid "):
		return refuse(oidc.ErrInvalidScope().WithDescription("scope must include openid"), "scope", nil)
	case form.Get("nonce") == "" || len(form.Get("nonce")) > 512 || len(state) > 2048:
		return refuse(oidc.ErrInvalidRequest().WithDescription("nonce is required"), "nonce", nil)
	}
	acr, err := entra.ChooseACR(form.Get("claims"))
	if errors.Is(err, entra.ErrUnsatisfiable) {
		return refuse(oidc.ErrAccessDenied().WithDescription("no requested acr is satisfied by possession"), "acr", nil)
	}
	if err != nil {
		return refuse(oidc.ErrInvalidRequest().WithDescription("the claims parameter is malformed"), "claims", nil)
	}
	hint, err := w.o.Entra.Hints.VerifyHint(ctx, form.Get("id_token_hint"), entra.Policy{AppID: cl.EntraAppID, Tenants: cl.EntraTenants})
	if errors.Is(err, entra.ErrUnavailable) {
		log.WarnContext(ctx, "entra authority unavailable", "err", err)
		return refuse(errTemporarilyUnavailable().WithDescription("the tenant's keys cannot be fetched"), "authority unavailable", nil)
	}
	if err != nil {
		return refuse(oidc.ErrAccessDenied().WithDescription("the id_token_hint is not valid"), "hint: "+err.Error(), nil)
	}
	u, err := w.entraAccount(ctx, log, hint)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return refuse(oidc.ErrAccessDenied().WithDescription("no account is linked to this user"), "no linked account", nil)
	case err != nil:
		log.ErrorContext(ctx, "entra account", "err", err)
		return refuse(errTemporarilyUnavailable(), "storage", nil)
	case u.Disabled:
		return refuse(oidc.ErrAccessDenied().WithDescription("the account is disabled"), "account disabled", u)
	case len(hint.Subject) > 64:
		return refuse(oidc.ErrAccessDenied().WithDescription("the hint's subject is too long"), "subject length", u)
	}
	now := w.o.Store.Now()
	f := &store.Flow{
		ID: rand.Text(),
		FlowRequest: store.FlowRequest{
			ClientID: cl.ID, RedirectURI: redirect, Scopes: store.StringList{oidc.ScopeOpenID},
			State: state, Nonce: form.Get("nonce"),
			ResponseType: string(oidc.ResponseTypeIDTokenOnly), ResponseMode: string(oidc.ResponseModeFormPost),
			Prompt: store.StringList{}, ACRValues: acr, IDTokenHintSubject: hint.Subject,
			UILocales: shortOrEmpty(form.Get("ui_locales"), 16),
		},
		// The flow is bound to the browser on its first page (the
		// dispatcher): this cross-site POST carries no SameSite=Lax cookie,
		// and a new binding here would cut the browser's other sign-ins.
		FlowProgress: store.FlowProgress{UserID: u.ID, FirstFactor: store.FirstFactorEntra, AMR: store.StringList{}},
		CreatedAt:    now,
		ExpiresAt:    now.Add(w.o.Lifetimes.Flow),
	}
	if err := w.o.Store.CreateFlow(ctx, f); err != nil {
		log.ErrorContext(ctx, "entra flow", "err", err)
		return refuse(errTemporarilyUnavailable(), "storage", u)
	}
	log.InfoContext(ctx, "entra request accepted", "user_id", u.ID, "acr", acr)
	return c.Redirect(http.StatusSeeOther, w.o.Issuer+"/login/next?authRequestID="+url.QueryEscape(f.ID))
}

// entraAccount is the account an Entra user is linked to: by tenant and
// object id, or, at its first use and when allowed, by its username,
// which links it for good (an account links one identity per tenant).
func (w *wiring) entraAccount(ctx context.Context, log *slog.Logger, h *entra.Hint) (*store.User, error) {
	st := w.o.Store
	provider, oid := store.LinkProviderEntra(strings.ToLower(h.TenantID)), strings.ToLower(h.OID)
	u, err := st.UserByLink(ctx, provider, oid)
	if !errors.Is(err, store.ErrNotFound) || !w.o.Entra.LinkByUsername {
		return u, err
	}
	name := h.PreferredUsername
	if name == "" {
		name = h.UPN
	}
	if name == "" {
		return nil, store.ErrNotFound
	}
	if u, err = st.UserByUsername(ctx, name); errors.Is(err, store.ErrNotFound) && strings.Contains(name, "@") {
		u, err = st.UserByEmail(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	switch err := st.LinkUser(ctx, &store.UserLink{Provider: provider, Subject: oid, UserID: u.ID}, true); {
	case errors.Is(err, store.ErrConflict):
		// Linked meanwhile by another request: the link decides.
		return st.UserByLink(ctx, provider, oid)
	case errors.Is(err, store.ErrStale):
		// The account is linked to another user of the tenant already:
		// a name never moves an account to a second identity.
		log.InfoContext(ctx, "entra first use refused: account linked to another user", "user_id", u.ID)
		return nil, store.ErrNotFound
	case err != nil:
		return nil, err
	}
	if err := st.Audit(ctx, &store.AuditEvent{Event: store.EventLinked, UserID: u.ID, Username: u.Username,
		Actor: "user", Detail: "entra tenant " + h.TenantID + " object " + h.OID + " linked at first use"}); err != nil {
		log.WarnContext(ctx, "audit", "err", err)
	}
	return u, nil
}

// eamResponse answers a finished Entra flow: an RS256 ID token whose
// subject is the hint's, with the nonce, the acr chosen from the request
// and amr ["otp"], posted to Entra with the state.
func (w *wiring) eamResponse(c echo.Context, f *store.Flow) error {
	ctx := c.Request().Context()
	now := w.o.Store.Now()
	authTime := now
	if f.AuthTime != nil {
		authTime = *f.AuthTime
	}
	claims := map[string]any{
		"iss": w.o.Issuer, "aud": f.ClientID, "sub": f.IDTokenHintSubject,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(eamTokenLifetime).Unix(), "auth_time": authTime.Unix(),
		"nonce": f.Nonce, "acr": f.ACR, "amr": []string(f.AMR),
	}
	token, err := w.keys.SignJWT(ctx, jose.RS256, claims)
	if err != nil {
		w.o.Logger.ErrorContext(ctx, "entra response: sign", "err", err)
		return w.formPost(c, f.RedirectURI, errorFields(errTemporarilyUnavailable(), f.State))
	}
	return w.formPost(c, f.RedirectURI, []templates.FormField{{Name: "id_token", Value: token}, {Name: "state", Value: f.State}})
}

// formPost renders an auto-submitting form of fields to target (a
// verified redirect URI), allowed by the page's form-action.
func (w *wiring) formPost(c echo.Context, target string, fields []templates.FormField) error {
	web.AllowFormAction(c, target)
	c.Response().Header().Set("Cache-Control", "no-store")
	page := templates.FormPostPage{Base: templates.Base{Lang: w.cookies.PageLang(c)}, Action: target, Fields: fields}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return w.o.Renderer.Render(c.Response(), page)
}

// errorFields are an OAuth error response's parameters.
func errorFields(e *oidc.Error, state string) []templates.FormField {
	out := []templates.FormField{{Name: "error", Value: string(e.ErrorType)}}
	if e.Description != "" {
		out = append(out, templates.FormField{Name: "error_description", Value: e.Description})
	}
	if state != "" {
		out = append(out, templates.FormField{Name: "state", Value: state})
	}
	return out
}

// clientRequestID is Entra's correlation id as logged: a GUID, or
// nothing.
func clientRequestID(v string) string {
	if len(v) > 64 || strings.Trim(v, "0123456789abcdefABCDEF-") != "" {
		return ""
	}
	return v
}

// errTemporarilyUnavailable is RFC 6749 §4.1.2.1's answer when otpgate
// cannot serve the request now (a tenant's keys out of reach, storage).
func errTemporarilyUnavailable() *oidc.Error {
	return &oidc.Error{ErrorType: "temporarily_unavailable", Description: "try again later"}
}

// shortOrEmpty is v when it has at most n bytes, else "".
func shortOrEmpty(v string, n int) string {
	if len(v) > n {
		return ""
	}
	return v
}

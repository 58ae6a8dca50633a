package login

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// pageErrorFor turns a sign-in service error into the page the person
// sees: the status and message for each of the service's errors, details
// only in the log.
func pageErrorFor(err error) error {
	var status int
	m := templates.MsgUnknownRequest
	switch {
	case errors.Is(err, signin.ErrBadRequest), errors.Is(err, signin.ErrRequestEnded):
		status = http.StatusBadRequest
	case errors.Is(err, signin.ErrNoRequest):
		status = http.StatusNotFound
	case errors.Is(err, signin.ErrExpired):
		status, m = http.StatusGone, templates.MsgFlowExpired
	case errors.Is(err, signin.ErrWrongBrowser):
		status, m = http.StatusForbidden, templates.MsgWrongBrowser
	case errors.Is(err, signin.ErrAccountGone):
		status = http.StatusForbidden
	case errors.Is(err, signin.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, signin.ErrLinkInvalid):
		status, m = http.StatusBadRequest, templates.MsgLinkInvalid
	case errors.Is(err, signin.ErrUnavailable), errors.Is(err, signin.ErrBusy):
		status, m = http.StatusServiceUnavailable, templates.MsgUnavailable
	default:
		status, m = http.StatusInternalServerError, templates.MsgInternal
	}
	pe := web.NewPageError(status, m, err)
	var fe *signin.FlowError
	if errors.As(err, &fe) {
		pe.ClientID, pe.AppURL = fe.ClientID, web.AppURL(fe.RedirectURI)
		if fe.Restart != nil {
			pe.RestartURL = restartURL(fe.ClientID, fe.RedirectURI, fe.Restart)
		}
	}
	return pe
}

// restartURL is the authorization request r again, as /authorize
// accepted it, to start a sign-in that ended or expired afresh.
func restartURL(clientID, redirectURI string, r *store.FlowRequest) string {
	q := url.Values{}
	q.Set("client_id", clientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("response_type", r.ResponseType)
	q.Set("scope", strings.Join(r.Scopes, " "))
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("state", r.State)
	set("nonce", r.Nonce)
	set("response_mode", r.ResponseMode)
	set("code_challenge", r.CodeChallenge)
	set("code_challenge_method", r.CodeChallengeMethod)
	set("ui_locales", r.UILocales)
	set("login_hint", r.LoginHint)
	set("acr_values", r.ACRValues)
	// prompt=none would only come back as an error; login and
	// select_account ask again, as the request did.
	var prompt []string
	for _, p := range r.Prompt {
		if p != "none" {
			prompt = append(prompt, p)
		}
	}
	set("prompt", strings.Join(prompt, " "))
	if r.MaxAge != nil {
		q.Set("max_age", strconv.FormatInt(*r.MaxAge, 10))
	}
	return "/authorize?" + q.Encode()
}

// statusOf is the HTTP status of a step result that stays on its page.
func statusOf(r signin.Result) int {
	switch r.Outcome {
	case signin.Invalid:
		return http.StatusBadRequest
	case signin.Rejected:
		return http.StatusUnauthorized
	case signin.Restarted:
		return http.StatusConflict
	case signin.Forbidden:
		return http.StatusForbidden
	case signin.Limited:
		return http.StatusTooManyRequests
	default:
		return http.StatusOK
	}
}

package login

import (
	"errors"
	"net/http"

	"github.com/otpgate/otpgate/provider/signin"
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
	return web.NewPageError(status, m, err)
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

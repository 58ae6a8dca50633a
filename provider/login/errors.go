package login

import (
	"errors"
	"net/http"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

// PageError is an error shown to the person as a page: a status and a
// translated message, never technical detail.
type PageError struct {
	Status  int
	Message templates.Message
	// Err is logged, never shown.
	Err error
}

func (e *PageError) Error() string {
	if e.Err != nil {
		return string(e.Message) + ": " + e.Err.Error()
	}
	return string(e.Message)
}

func (e *PageError) Unwrap() error { return e.Err }

func pageError(status int, m templates.Message, err error) error {
	return &PageError{Status: status, Message: m, Err: err}
}

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
	case errors.Is(err, signin.ErrUnavailable):
		status, m = http.StatusServiceUnavailable, templates.MsgUnavailable
	default:
		status, m = http.StatusInternalServerError, templates.MsgInternal
	}
	return pageError(status, m, err)
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
	default:
		return http.StatusOK
	}
}

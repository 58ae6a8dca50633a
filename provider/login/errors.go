package login

import (
	"net/http"

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

// storeFault turns a database error into a page error: 503 so the person
// knows to retry, with the cause logged.
func storeFault(err error) error {
	return pageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
}

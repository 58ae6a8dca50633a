package web

import (
	"net/url"

	"github.com/otpgate/otpgate/templates"
)

// PageError is an error shown to the person as a page: a status and a
// translated message, never technical detail.
type PageError struct {
	Status  int
	Message templates.Message
	// Err is logged, never shown.
	Err error
	// The ways forward the page offers, each optional: ClientID names the
	// application (the page names it), AppURL is its own address ("Back to
	// the application"), RestartURL starts the same sign-in again, RetryURL
	// reloads the step that refused ("Try again").
	ClientID, AppURL, RestartURL, RetryURL string
}

// AppURL is the address of the application that registered redirectURI:
// its origin, for an http(s) redirect URI; "" for a native app's.
func AppURL(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

// NewPageError returns the page for status with message m; err, which may
// be nil, goes to the log only.
func NewPageError(status int, m templates.Message, err error) *PageError {
	return &PageError{Status: status, Message: m, Err: err}
}

// Error is the message, then the wrapped error: for logs, not for pages.
func (e *PageError) Error() string {
	if e.Err != nil {
		return string(e.Message) + ": " + e.Err.Error()
	}
	return string(e.Message)
}

// Unwrap gives errors.Is and errors.As the wrapped error.
func (e *PageError) Unwrap() error { return e.Err }

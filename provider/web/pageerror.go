package web

import "github.com/otpgate/otpgate/templates"

// PageError is an error shown to the person as a page: a status and a
// translated message, never technical detail.
type PageError struct {
	Status  int
	Message templates.Message
	// Err is logged, never shown.
	Err error
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

package signin

import (
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/provider/store"
)

// Errors a step returns; the web adapter turns each into a page. Details
// (wrapped causes) are for the log, never for the person.
var (
	// ErrBadRequest: no or a malformed request id.
	ErrBadRequest = errors.New("signin: malformed request")
	// ErrNoRequest: the request id names no flow.
	ErrNoRequest = errors.New("signin: unknown request")
	// ErrRequestEnded: the flow finished (or its code was issued).
	ErrRequestEnded = errors.New("signin: request already finished")
	// ErrExpired: the flow outlived its lifetime.
	ErrExpired = errors.New("signin: request expired")
	// ErrWrongBrowser: the flow is bound to another browser.
	ErrWrongBrowser = errors.New("signin: request belongs to another browser")
	// ErrAccountGone: the account was disabled or deleted during the sign-in.
	ErrAccountGone = errors.New("signin: account no longer available")
	// ErrConflict: another request changed the flow first.
	ErrConflict = errors.New("signin: request changed meanwhile")
	// ErrLinkInvalid: an emailed link is unknown, used, expired or not for
	// this sign-in.
	ErrLinkInvalid = errors.New("signin: link invalid")
	// ErrUnavailable: the database (or the mail server) failed; nothing
	// was accepted and the person may retry.
	ErrUnavailable = errors.New("signin: temporarily unavailable")
	// ErrUnmetACR: the sign-in would end with an acr that is none of the
	// essential values its request asked for (OIDC Core 5.5.1.1); the
	// flow is answered unmet_authentication_requirements, not a code.
	ErrUnmetACR = errors.New("signin: the essential acr cannot be met")
	// ErrBusy: too many password hashes are being computed at once and
	// this check waited its turn in vain; nothing was counted and the
	// person may retry in a moment (HTTP 503 with Retry-After).
	ErrBusy = errors.New("signin: busy, retry shortly")
	// ErrInternal: something that must not happen (a sealed secret that
	// does not open); nothing was accepted.
	ErrInternal = errors.New("signin: internal error")
)

// fault wraps a storage error as ErrUnavailable.
func fault(err error) error { return fmt.Errorf("%w: %w", ErrUnavailable, err) }

// internal wraps an unexpected error as ErrInternal.
func internal(err error) error { return fmt.Errorf("%w: %w", ErrInternal, err) }

// FlowError is a refusal of a known flow (ended, expired, another
// browser's): besides the cause, what the error page needs to offer a way
// forward. errors.Is sees the cause.
type FlowError struct {
	Err         error
	ClientID    string // the application that asked
	RedirectURI string // its redirect URI, registered when the flow began
	// Restart is the authorization request to start again from, for this
	// browser's own flow only (another browser's request is not shown to
	// this one); nil when starting again would not ask for the same thing.
	Restart *store.FlowRequest
	// Answer is the flow to answer the relying party about, by form post,
	// instead of showing a page: an Entra flow of this browser that
	// expired (Entra waits for an answer; a page here strands the person).
	Answer *store.Flow
}

func (e *FlowError) Error() string { return e.Err.Error() }
func (e *FlowError) Unwrap() error { return e.Err }

// flowError wraps err with f's ways forward; restart when browser is the
// one f is bound to, and the request can be repeated as it was.
func flowError(err error, f *store.Flow, browser string) *FlowError {
	fe := &FlowError{Err: err, ClientID: f.ClientID, RedirectURI: f.RedirectURI}
	own := f.BrowserHash != "" && f.BrowserHash == browser
	if own && errors.Is(err, ErrExpired) && f.ResponseMode == "form_post" {
		fe.Answer = f
	}
	if f.BrowserHash != "" && f.BrowserHash == browser && f.EssentialACR == "" && f.IDTokenHintSubject == "" {
		r := f.FlowRequest
		fe.Restart = &r
	}
	return fe
}

package entra

import "errors"

var (
	// ErrUnavailable means the authority's keys could not be fetched (down,
	// slow, an error status, an oversized or unusable answer): the caller
	// answers temporarily_unavailable, and the person may try again.
	ErrUnavailable = errors.New("entra: authority unavailable")
	// ErrInvalidHint means the id_token_hint was refused; the wrapped
	// message says why, for the log only. The caller answers access_denied.
	ErrInvalidHint = errors.New("entra: invalid id_token_hint")
	// ErrUnsatisfiable means the claims parameter asks for an acr or amr a
	// passcode cannot truthfully answer: the caller answers access_denied.
	ErrUnsatisfiable = errors.New("entra: requested acr or amr not satisfiable by a passcode")
	// ErrMalformedClaims means the claims parameter is not the JSON object
	// OpenID Connect defines (or is too long): a bad request, not a policy
	// refusal.
	ErrMalformedClaims = errors.New("entra: malformed claims parameter")
	// ErrRedirectURI means the redirect_uri is not one of Microsoft's
	// external authentication reply URLs.
	ErrRedirectURI = errors.New("entra: redirect_uri is not Microsoft's external authentication endpoint")
)

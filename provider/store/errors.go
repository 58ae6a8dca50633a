package store

import "errors"

var (
	// ErrNotFound is returned when the requested row does not exist (or has expired).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a unique value (a username, a client id) is already taken.
	ErrConflict = errors.New("store: already exists")
	// ErrAlreadyUsed is returned when a single-use value (an authorization code,
	// a refresh token) is presented a second time. The caller has already had
	// everything derived from its first use revoked.
	ErrAlreadyUsed = errors.New("store: already used")
	// ErrStale is returned when a conditional update found the row in another
	// state than the caller expected (for example a flow step already taken).
	ErrStale = errors.New("store: state changed")
	// ErrTooMany is returned when a rate limit kept in the database (reset
	// mails per account) is reached; nothing was written.
	ErrTooMany = errors.New("store: limit reached")
)

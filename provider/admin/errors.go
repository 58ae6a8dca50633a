package admin

import "errors"

// Sentinel errors. Front ends compare with errors.Is and map them onto
// their own form (an exit status and a line, an HTTP status).
var (
	// ErrUserNotFound: no user has the given username.
	ErrUserNotFound = errors.New("admin: no such user")
	// ErrHasDevice: the user already has a device, so a first-enrollment
	// code has nothing to enrol (reset the device instead).
	ErrHasDevice = errors.New("admin: user already has a device")
	// ErrUsernameTaken: another user already has the username.
	ErrUsernameTaken = errors.New("admin: username taken")
	// ErrClientNotFound: no client has the given id.
	ErrClientNotFound = errors.New("admin: no such client")
	// ErrClientExists: a client with the id is already registered.
	ErrClientExists = errors.New("admin: client exists")
	// ErrClientFromConfig: the client is declared in the configuration
	// file, which is re-applied at every start; change it there.
	ErrClientFromConfig = errors.New("admin: client declared in the configuration file")
	// ErrPublicClient: a secret was asked of a public client.
	ErrPublicClient = errors.New("admin: public client has no secret")
	// ErrSessionNotFound: the user has no live session of the given handle.
	ErrSessionNotFound = errors.New("admin: no such session")
	// ErrBrowserNotFound: the user has no remembered browser of the given
	// id.
	ErrBrowserNotFound = errors.New("admin: no such remembered browser")
	// ErrInvalidInput: an input is missing or malformed; the error is an
	// *InputError naming the field.
	ErrInvalidInput = errors.New("admin: invalid input")
	// ErrNotAudited: the change was made but its audit event could not be
	// written. The caller must not report the action as done.
	ErrNotAudited = errors.New("the change was applied but could not be written to the audit log")
	// ErrNotNotified: the change was made and audited but the mail to the
	// user failed; the action's result is still valid.
	ErrNotNotified = errors.New("admin: mail to the user failed")
)

// InputError is a refused input: Field names the input (as the CLI flag
// that carries it, e.g. "username", "redirect-uri") and Message says what
// is wrong in a sentence that starts with the field's name where it can.
// It matches ErrInvalidInput with errors.Is.
type InputError struct {
	Field   string
	Message string
}

// Error returns the message.
func (e *InputError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// invalid returns an *InputError.
func invalid(field, message string) error { return &InputError{Field: field, Message: message} }

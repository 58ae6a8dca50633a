package signin

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/credential"
)

// Config is the sign-in policy.
type Config struct {
	QuestionEnabled   bool
	MinPasswordLength int
	SessionLifetime   time.Duration
	// SessionIdle ends a browser session that was not used for that long
	// (0: only SessionLifetime ends it).
	SessionIdle time.Duration
	// MFAPolicy is MFAAlways, MFAPerUser or MFAPerClient.
	MFAPolicy string
	// TOTP are the passcode parameters; TOTPIssuer labels the account in
	// authenticator apps.
	TOTP       mfa.TOTP
	TOTPIssuer string
	// EnrollmentProof is EnrollProofEmail, EnrollProofAdmin or
	// EnrollProofNone: what a first enrollment needs besides the password
	// and answer.
	EnrollmentProof string
	// OTPAttempts consecutive wrong passcodes (or recovery codes or
	// proofs) lock until an administrator resets the device;
	// LoginLockout.Threshold consecutive wrong passwords or answers lock
	// temporarily, with doubling waits.
	OTPAttempts  int
	LoginLockout mfa.Lockout
	// LoginLockDecay: each full period without an attempt lowers a
	// budget's lock level by one. UnknownBrowserLimit consecutive failures
	// from unknown browsers need an emailed sign-in link (or an
	// administrator) before unknown browsers may go on. A browser that
	// finished a sign-in is known to the account for KnownBrowserLifetime
	// after its last one.
	LoginLockDecay       time.Duration
	UnknownBrowserLimit  int
	KnownBrowserLifetime time.Duration
	// SelfServiceReset lets a person reset a lost device with a recovery
	// code or an emailed link; off, only an administrator can.
	SelfServiceReset bool
	// ResetLinkLifetime bounds emailed links; ResetMailsPerHour bounds the
	// reset links mailed for one account in any hour.
	ResetLinkLifetime time.Duration
	ResetMailsPerHour int
	// AddressFailuresPerMinute failed sign-in posts from one client
	// address in a minute make its next posts wait (0: no limit).
	AddressFailuresPerMinute int
	// Issuer is the configured issuer URL: emailed links are built from
	// it, never from a request's Host header.
	Issuer string
	// DirectoryQuestion asks directory users (Deps.Directory) the security
	// question too (when QuestionEnabled); LocalPasswords lets accounts
	// that belong to no connector sign in with their otpgate password
	// beside the directory (the password page offers the choice).
	DirectoryQuestion bool
	LocalPasswords    bool
	// RememberBrowserDays, when above 0, lets a person who passed a
	// passcode have the browser skip the passcode for that many days, on
	// clients that allow it (remember.go); 0 turns it off.
	RememberBrowserDays int
	// CodeLifetime, when set, makes Finish issue the authorization code
	// with the finish, in the same write (the library's callback then has
	// nothing left to do); 0 leaves the code to the callback.
	CodeLifetime time.Duration
}

// Deps are the service's collaborators.
type Deps struct {
	Store  Store
	Hasher *credential.Hasher
	// Sealer encrypts TOTP secrets and pending recovery codes at rest.
	Sealer Sealer
	// Rand is the source of secrets, recovery codes and ids.
	Rand io.Reader
	// Now is the clock.
	Now    func() time.Time
	Events Events
	// Mailer sends reset links; nil when mail is off.
	Mailer Notifier
	// Directory, when set, checks the password page's passwords (a
	// directory connector: LDAP, Active Directory).
	Directory connector.PasswordConnector
	// Upstreams are the upstream providers the password page offers (in
	// this order).
	Upstreams []connector.CallbackConnector
	Log       *slog.Logger
	// NameKey keys the HMAC of names that are no account (the same on
	// every replica).
	NameKey [32]byte
}

// Sealer encrypts small secrets bound to associated data.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
	Open(sealed, ad []byte) ([]byte, error)
}

// Service runs the sign-in steps. It is safe for concurrent use.
type Service struct {
	cfg    Config
	store  Store
	hasher *credential.Hasher
	sealer Sealer
	rand   io.Reader
	now    func() time.Time
	events Events
	mailer Notifier
	// directory checks passwords in place of otpgate's hashes (nil: none).
	directory connector.PasswordConnector
	// upstreams perform the first factor in place of the password page.
	upstreams []connector.CallbackConnector
	log       *slog.Logger
	nameKey   [32]byte
	// background tracks mails sent after the answer (EmailSignInLink).
	background sync.WaitGroup
}

// New returns a sign-in service.
func New(cfg Config, d Deps) *Service {
	return &Service{cfg: cfg, store: d.Store, hasher: d.Hasher, sealer: d.Sealer, rand: d.Rand, now: d.Now,
		events: d.Events, mailer: d.Mailer, directory: d.Directory, upstreams: d.Upstreams, log: d.Log, nameKey: d.NameKey}
}

// Config is the policy the service runs with.
func (s *Service) Config() Config { return s.cfg }

// MailEnabled reports whether reset links can be mailed.
func (s *Service) MailEnabled() bool { return s.mailer != nil }

// record sends a security event of journey j to the sink.
func (s *Service) record(ctx context.Context, j *Journey, e Event) {
	e.IP, e.ClientID, e.User = j.IP, j.Flow.ClientID, j.speaking(e.User)
	if c := cmp.Or(j.via, j.Flow.Connector); c != "" {
		// Every event of a connector's sign-in names it.
		e.Detail += "; connector " + c
	}
	s.events.Record(ctx, e)
}

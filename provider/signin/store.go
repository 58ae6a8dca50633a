package signin

import (
	"context"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

// The sign-in's view of the database, as small interfaces; *store.Store
// implements them all (see Store).

// Flows are the authorization requests the sign-in answers.
type Flows interface {
	FlowByID(ctx context.Context, id string) (*store.Flow, error)
	// JourneyRows reads a flow with its user and device at once.
	JourneyRows(ctx context.Context, flowID string) (*store.Flow, *store.User, *store.Device, error)
	// JourneyRowsNaming also reads the account a username names.
	JourneyRowsNaming(ctx context.Context, flowID, username string) (*store.Flow, *store.User, *store.Device, *store.User, error)
	BindFlow(ctx context.Context, id, browserHash string) (bool, error)
	AddressFailures(ctx context.Context, key string, window time.Duration) (int64, error)
	RecordAddressFailure(ctx context.Context, key string, window time.Duration) error
	MoveEnrollmentHold(ctx context.Context, userID, oldHash, newHash string) error
	FlowAwaitingProof(ctx context.Context, browserHash, userID string) (*store.Flow, error)
}

// Progress records a flow's steps, each in one conditional write.
type Progress interface {
	IdentifyAndRebind(ctx context.Context, id, userID string, at time.Time, rb store.Rebinding) error
	NameFlow(ctx context.Context, id, userID, name string, at time.Time) error
	IdentifyVia(ctx context.Context, id, userID, connectorID string, at time.Time, rb store.Rebinding) error
	IdentifyUpstream(ctx context.Context, id, userID, connectorID string, amr []string, mfaAccepted bool, at time.Time, rb store.Rebinding) error
	StartUpstream(ctx context.Context, id, browserHash string, u store.UpstreamStart) error
	FlowByUpstreamState(ctx context.Context, stateHash string) (*store.Flow, error)
	ConsumeUpstream(ctx context.Context, f *store.Flow, connector, browserHash string) (store.UpstreamPending, error)
	UserByLink(ctx context.Context, provider, subject string) (*store.User, error)
	CreateLinkedUser(ctx context.Context, u *store.User, l *store.UserLink) error
	SyncUserProfile(ctx context.Context, u *store.User, email, name string) error
	MarkFlow(ctx context.Context, id, userID string, step store.FlowStep, at time.Time) error
	FinishFlow(ctx context.Context, id string, r store.FlowResult, needOTP bool, at time.Time) error
	FinishFlowFromSession(ctx context.Context, id string, r store.FlowResult, at time.Time) error
}

// Accounts are the users and the clients they sign in to.
type Accounts interface {
	UserByID(ctx context.Context, id string) (*store.User, error)
	UserWithDevice(ctx context.Context, userID string) (*store.User, *store.Device, error)
	UserByUsername(ctx context.Context, username string) (*store.User, error)
	UpdatePasswordHash(ctx context.Context, id, oldHash, newHash string) error
	FinishSetup(ctx context.Context, id string, setup store.UserSetup) error
	ClientByID(ctx context.Context, id string) (*store.Client, error)
}

// Devices are the enrolled authenticators and their enrollment.
type Devices interface {
	DeviceByUser(ctx context.Context, userID string) (*store.Device, error)
	CheckPasscode(ctx context.Context, c store.PasscodeCheck) (store.PasscodeOutcome, error)
	OfferSecret(ctx context.Context, flowID string, sealed []byte, expires time.Time) error
	CountWrongEnrollCode(ctx context.Context, flowID string) (int, error)
	EnrollDevice(ctx context.Context, e store.Enrollment) error
}

// Counters are the lockout counters: every guess is reserved before it is
// checked, then confirmed as wrong or cleared by a success.
type Counters interface {
	Reserve(ctx context.Context, b store.Budget, p store.LoginPolicy) (store.LoginCounters, bool, error)
	Confirm(ctx context.Context, b store.Budget, l mfa.Lockout, reserved store.LoginCounters) (store.LoginCounters, error)
	Release(ctx context.Context, b store.Budget) error
	Succeed(ctx context.Context, b store.Budget) error
	ClearUnknownFailures(ctx context.Context, userID string) error
	Counters(ctx context.Context, b store.Budget) (store.LoginCounters, error)
	ReserveOTPAttempt(ctx context.Context, userID string, threshold int) (int, bool, error)
	ConfirmOTPFailure(ctx context.Context, userID string, threshold, n int) (store.OTPCounters, error)
	RecordOTPSuccess(ctx context.Context, userID string) error
}

// Recovery holds what brings a person back after a lost device: recovery
// codes, an administrator's enrollment proof, emailed links.
type Recovery interface {
	UnusedRecoveryCodes(ctx context.Context, userID string) ([]store.RecoveryCode, error)
	UseRecoveryCode(ctx context.Context, id string) (bool, error)
	SelfResetDevice(ctx context.Context, flowID, userID string) error
	ConsumeProof(ctx context.Context, flowID, userID, proofHash string) error
	ConsumeEnrollLink(ctx context.Context, hash, flowID, userID string) error
	ReserveProofAttempt(ctx context.Context, userID string, max int, window time.Duration) (bool, error)
	IssueMailedLink(ctx context.Context, t *store.LinkToken, perHour int) error
	PeekLinkToken(ctx context.Context, hash, purpose string) (*store.LinkToken, error)
	ConsumeLinkToken(ctx context.Context, hash, purpose string) (*store.LinkToken, error)
}

// Browsers are the known browsers of accounts (device cookies) and the
// emailed sign-in links opened in a sign-in.
type Browsers interface {
	IsKnownBrowser(ctx context.Context, userID, tokenHash string, lifetime time.Duration) (bool, error)
	RememberBrowser(ctx context.Context, userID, tokenHash string) error
	SetUserLang(ctx context.Context, userID, lang string) error
	IssueLinkCode(ctx context.Context, linkHash string, t *store.LinkToken) error
	UseLinkCode(ctx context.Context, flowID, hash string, maxTries int) (bool, error)
	AcceptSignInLink(ctx context.Context, flowID, userID string) error
	// Remembered browsers skip the passcode (remember.go).
	AddRememberedBrowser(ctx context.Context, b *store.RememberedBrowser) error
	RememberedBrowserUsable(ctx context.Context, userID, tokenHash string) (bool, error)
}

// Sessions are browsers' single sign-on sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s *store.Session) error
	SessionByID(ctx context.Context, id string) (*store.Session, error)
	ExtendSession(ctx context.Context, id string, until time.Time) error
	DeleteSession(ctx context.Context, id string) error
}

// AuditLog is where security events are written.
type AuditLog interface {
	Audit(ctx context.Context, e *store.AuditEvent) error
}

// Store is everything the sign-in reads and writes.
type Store interface {
	Flows
	Progress
	Accounts
	Devices
	Counters
	Recovery
	Browsers
	Sessions
}

var _ Store = (*store.Store)(nil)

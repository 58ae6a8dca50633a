package admin

import (
	"context"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// UserStore is what the service needs to read and change users.
type UserStore interface {
	CreateUser(ctx context.Context, u *store.User) error
	UserByID(ctx context.Context, id string) (*store.User, error)
	UserByUsername(ctx context.Context, username string) (*store.User, error)
	ListUsers(ctx context.Context) ([]store.User, error)
	UsersWithDevice(ctx context.Context) (map[string]bool, error)
	SetUserPassword(ctx context.Context, id, hash string, mustChange bool) error
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	SetUserRequireMFA(ctx context.Context, id string, on bool) error
	SetUserAdmin(ctx context.Context, id string, on bool) error
	SetUserNames(ctx context.Context, id string, n store.UserNames) error
	Unlock(ctx context.Context, userID string) error
	UnlockOTP(ctx context.Context, userID string) error
	// SessionsOfUser lists the user's live sessions; DeleteUserSession
	// ends one (store.ErrNotFound when the user has no such session).
	SessionsOfUser(ctx context.Context, userID string) ([]store.Session, error)
	DeleteUserSession(ctx context.Context, userID, id string) error
	// RevokeUser ends the user's sessions and revokes their tokens.
	RevokeUser(ctx context.Context, userID string) error
	LinkUser(ctx context.Context, l *store.UserLink, firstOfProvider bool) error
	UnlinkUser(ctx context.Context, provider, subject string) error
	LinksOf(ctx context.Context, userID string) ([]store.UserLink, error)
	// RememberedBrowsers lists the user's live remembered browsers;
	// RevokeRememberedBrowser forgets one (store.ErrNotFound when the
	// user has none of that id), RevokeRememberedBrowsers all.
	RememberedBrowsers(ctx context.Context, userID string) ([]store.RememberedBrowser, error)
	RevokeRememberedBrowser(ctx context.Context, userID, id string) error
	RevokeRememberedBrowsers(ctx context.Context, userID string) (int64, error)
}

// DeviceStore is what the service needs to inspect and reset devices.
type DeviceStore interface {
	DeviceByUser(ctx context.Context, userID string) (*store.Device, error)
	CountRecoveryCodes(ctx context.Context, userID string) (int64, error)
	// AdminResetDevice removes the device and revokes everything it could
	// reach (see store.AdminResetDevice) and stores the proof's hash.
	AdminResetDevice(ctx context.Context, userID, proofHash string, proofExpires time.Time) error
	// IssueEnrollmentCode stores the hash of a first-enrollment proof
	// (store.ErrStale when the user has a device).
	IssueEnrollmentCode(ctx context.Context, userID, proofHash string, expires time.Time) error
	CreateLinkToken(ctx context.Context, t *store.LinkToken) error
}

// ClientStore is what the service needs to manage clients.
type ClientStore interface {
	CreateClient(ctx context.Context, c *store.Client) error
	ClientByID(ctx context.Context, id string) (*store.Client, error)
	ListClients(ctx context.Context) ([]store.Client, error)
	// EditClient applies what edit makes of the stored client, read and
	// written in one transaction; edit's error is returned as is.
	EditClient(ctx context.Context, id string, edit func(*store.Client) (store.ClientUpdate, error)) error
	// DeleteClient removes the client and revokes its tokens.
	DeleteClient(ctx context.Context, id string) error
}

// AuditStore writes and reads audit events.
type AuditStore interface {
	Audit(ctx context.Context, e *store.AuditEvent) error
	AuditEvents(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error)
}

// Store is every store method the service uses; *store.Store is one.
type Store interface {
	UserStore
	DeviceStore
	ClientStore
	AuditStore
	// Now is the service's clock.
	Now() time.Time
}

var _ Store = (*store.Store)(nil)

package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditEvent is one security event. Detail is a short, human-readable
// note; no secret (password, answer, passcode, code, token, key) is ever
// written into any field.
type AuditEvent struct {
	ID       string    `gorm:"primaryKey;size:64"`
	At       time.Time `gorm:"index;not null"`
	Event    string    `gorm:"size:64;not null;index"`
	UserID   string    `gorm:"size:64;index"`
	Username string    `gorm:"size:128"`
	ClientID string    `gorm:"size:64"`
	IP       string    `gorm:"size:64"`
	// Actor is who did it: "user" for the person signing in, or the
	// administrator's identity for admin actions.
	Actor  string `gorm:"size:128"`
	Detail string `gorm:"size:512"`
}

// Audit event names.
const (
	EventSignIn          = "signin.success"
	EventSignInFailed    = "signin.failure"
	EventLoginLocked     = "lockout.login"
	EventOTPLocked       = "lockout.otp"
	EventUnlock          = "admin.unlock"
	EventUnlockOTP       = "admin.unlock_otp"
	EventEnrolled        = "device.enrolled"
	EventResetRequested  = "reset.requested"
	EventResetDone       = "reset.done"
	EventResetLinkCode   = "reset.link_code"
	EventAdminResetOTP   = "admin.reset_otp"
	EventAdminUser       = "admin.user"
	EventAdminClient     = "admin.client"
	EventRateLimited     = "signin.rate_limited"
	EventProofAccepted   = "reset.proof_accepted"
	EventProofRequested  = "enroll.proof_requested"
	EventRefreshReplayed = "token.refresh_replayed"
	EventCodeReplayed    = "token.code_replayed"
	EventAdminKeys       = "admin.keys"
	// EventBrowserRemembered: a person let a browser skip the passcode;
	// EventBrowserForgotten: an administrator revoked remembered browsers.
	EventBrowserRemembered = "browser.remembered"
	EventBrowserForgotten  = "admin.browser_revoked"
	// A sign-in link past the bound of unknown-browser failures was
	// mailed, or opened in its sign-in.
	EventSignInLinkSent   = "signin.link_sent"
	EventSignInLinkOpened = "signin.link_opened"
	// EventLinked: an identity elsewhere (an Entra user) was linked to an
	// account at its first use; EventEntraRefused: an Entra request was
	// answered with an error.
	EventLinked       = "user.linked"
	EventEntraRefused = "entra.refused"
	// EventUpstreamMFA: an upstream provider's own MFA, which its
	// connector trusts, was accepted in place of the passcode.
	EventUpstreamMFA = "signin.upstream_mfa"
	// The person's own changes on the account page (actor "self"): a
	// device replaced, recovery codes made anew, the password or the
	// security question changed, sessions ended, remembered browsers
	// forgotten.
	EventSelfDevice   = "account.device_replaced"
	EventSelfCodes    = "account.codes_regenerated"
	EventSelfPassword = "account.password_changed"
	EventSelfQuestion = "account.question_changed"
	EventSelfSessions = "account.sessions_ended"
	EventSelfBrowsers = "account.browsers_forgotten"
)

// Audit appends an event; its id and time are filled in when empty.
func (s *Store) Audit(ctx context.Context, e *AuditEvent) error {
	if e.ID == "" {
		e.ID = newRowID()
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	// SQLite keeps times as text in their own zone: only UTC sorts and
	// compares right against the UTC times of AuditQuery.Since.
	e.At = e.At.UTC()
	e.Detail = clipUTF8(e.Detail, 512)
	if err := s.db.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// clipUTF8 cuts s to at most n bytes without splitting a character, and
// replaces invalid UTF-8: PostgreSQL rejects a row holding a broken
// character, which would lose the whole event.
func clipUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// AuditQuery selects events; zero fields do not filter.
type AuditQuery struct {
	UserID string
	// Event keeps the events of this name only; Events, when set, those
	// of any of these names.
	Event  string
	Events []string
	// Since keeps events at or after it; Until those before it.
	Since, Until time.Time
	// Before keeps the events that come before this one in the order
	// (time, then id): the next page of a listing, newest first, whose
	// last event was Before. Events are never changed, so pages never
	// repeat an event, and an event written while they are read either
	// lands on a later page or, being newer than the first, on none.
	Before *AuditCursor
	Limit  int
	// Newest keeps the Limit most recent matching events instead of the
	// Limit oldest; they are still returned oldest first.
	Newest bool
}

// AuditCursor is a position in the audit log: an event's time and id.
type AuditCursor struct {
	At time.Time
	ID string
}

// AuditEvents returns matching events, oldest first.
func (s *Store) AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error) {
	newest := q.Newest && q.Limit > 0
	db := s.db.WithContext(ctx).Order("at, id")
	if newest {
		db = s.db.WithContext(ctx).Order("at DESC, id DESC")
	}
	if q.UserID != "" {
		db = db.Where("user_id = ?", q.UserID)
	}
	if q.Event != "" {
		db = db.Where("event = ?", q.Event)
	}
	if len(q.Events) > 0 {
		db = db.Where("event IN ?", q.Events)
	}
	if !q.Since.IsZero() {
		db = db.Where("at >= ?", q.Since.UTC())
	}
	if !q.Until.IsZero() {
		db = db.Where("at < ?", q.Until.UTC())
	}
	if q.Before != nil {
		at := q.Before.At.UTC()
		db = db.Where("(at < ? OR (at = ? AND id < ?))", at, at, q.Before.ID)
	}
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var out []AuditEvent
	if err := db.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("audit events: %w", err)
	}
	if newest {
		slices.Reverse(out)
	}
	return out, nil
}

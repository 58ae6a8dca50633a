package signin

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// Event is a security event of a sign-in: it becomes an audit row, a
// metric and, for the events a person must hear about, a mail. Detail
// never holds a secret.
type Event struct {
	// Name is one of the store.Event* names.
	Name     string
	ClientID string
	// User is nil when no account was identified.
	User   *store.User
	IP     string
	Detail string
	// Step is the step a failure happened at (EventSignInFailed).
	Step Step
	// App is the authenticator app of an enrollment (EventEnrolled).
	App string
	// Actor is who acted: "" for the person signing in ("user"),
	// ActorSelf for the person on their account page.
	Actor string
}

// Events receives the sign-in's security events. Recording must not fail
// the sign-in: a sink logs what it could not write.
type Events interface {
	Record(ctx context.Context, e Event)
}

// Observer counts security events and failed attempts (for metrics).
type Observer interface {
	SecurityEvent(event string)
	SignInFailure(step string)
}

// Notifier tells a person about security events on their account.
type Notifier interface {
	ResetLink(ctx context.Context, u *store.User, link string, valid time.Duration) error
	EnrollLink(ctx context.Context, u *store.User, link string, valid time.Duration) error
	SignInLink(ctx context.Context, u *store.User, link string, valid time.Duration) error
	DeviceReset(ctx context.Context, u *store.User) error
	DeviceEnrolled(ctx context.Context, u *store.User, app string) error
	AccountLocked(ctx context.Context, u *store.User) error
	// AccountChanged tells the person they changed their account on the
	// account page; change is the event's name (store.EventSelf*).
	AccountChanged(ctx context.Context, u *store.User, change string) error
}

// Recorder is the Events sink of a running provider: it writes the audit
// row, counts the metric and mails the person when an event calls for it.
// Observer and Notifier may be nil.
type Recorder struct {
	Audit    AuditLog
	Observer Observer
	Notifier Notifier
	Log      *slog.Logger
}

var _ Events = (*Recorder)(nil)

// Record implements Events. The request's cancellation does not stop the
// audit write or the mail: what happened is recorded.
func (r *Recorder) Record(ctx context.Context, e Event) {
	ctx = context.WithoutCancel(ctx)
	if r.Observer != nil {
		r.Observer.SecurityEvent(e.Name)
		if e.Name == store.EventSignInFailed {
			r.Observer.SignInFailure(string(e.Step))
		}
	}
	row := &store.AuditEvent{Event: e.Name, IP: e.IP, Actor: cmp.Or(e.Actor, "user"), ClientID: e.ClientID, Detail: e.Detail}
	if e.User != nil {
		row.UserID, row.Username = e.User.ID, e.User.Username
	}
	if err := r.Audit.Audit(ctx, row); err != nil {
		r.Log.ErrorContext(ctx, "audit write failed", "event", e.Name, "err", err)
	}
	r.notify(ctx, e)
}

// notify mails the person for the events they must hear about; a failure
// is logged and does not undo what happened.
func (r *Recorder) notify(ctx context.Context, e Event) {
	if r.Notifier == nil || e.User == nil {
		return
	}
	var err error
	switch e.Name {
	case store.EventOTPLocked:
		err = r.Notifier.AccountLocked(ctx, e.User)
	case store.EventEnrolled:
		err = r.Notifier.DeviceEnrolled(ctx, e.User, e.App)
	case store.EventResetDone:
		err = r.Notifier.DeviceReset(ctx, e.User)
	case store.EventSelfDevice, store.EventSelfCodes, store.EventSelfPassword, store.EventSelfQuestion, store.EventSelfSessions,
		store.EventSelfBrowsers, store.EventBrowserRemembered:
		err = r.Notifier.AccountChanged(ctx, e.User, e.Name)
	default:
		return
	}
	if err != nil {
		r.Log.ErrorContext(ctx, "notification mail failed", "event", e.Name, "err", err)
	}
}

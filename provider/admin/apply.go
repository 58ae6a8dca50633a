package admin

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otpgate/otpgate/provider/store"
)

// change is one action's effect, in the order every action follows:
// the change itself, the revocation it entails, its audit event, and the
// notification of the user.
type change struct {
	// apply makes the change; its error ends the action, nothing written.
	apply func(ctx context.Context) error
	// revoke is the user whose sessions and tokens the change ends ("" for
	// none, or when apply revokes in its own transaction).
	revoke string
	// event is the audit event; its Actor is filled in by run.
	event store.AuditEvent
	// describe, when not nil, gives the event's detail once apply has
	// run (for a detail that names what apply made).
	describe func() string
	// notify, when not nil, tells the user (runs only when mail is on).
	notify func(ctx context.Context) error
}

// maxActor is the longest actor accepted (the audit column holds 128).
const maxActor = 128

// maxDetail is the longest audit detail written, in bytes.
const maxDetail = 500

// checkActor refuses an empty, over-long or unprintable actor name.
func checkActor(actor string) error {
	if actor == "" || len(actor) > maxActor || !utf8.ValidString(actor) ||
		strings.IndexFunc(actor, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return invalid("actor", fmt.Sprintf("actor must be a printable name of 1-%d bytes", maxActor))
	}
	return nil
}

// run performs c on behalf of actor: change, revoke, audit, notify. The
// audit write outlives a cancelled ctx, so that a change made is not left
// unrecorded; its failure is ErrNotAudited. A failed notification is a
// *MailError: the change stands and was audited.
func (s *Service) run(ctx context.Context, actor string, c change) error {
	if err := c.apply(ctx); err != nil {
		return err
	}
	if c.revoke != "" {
		if err := s.store.RevokeUser(ctx, c.revoke); err != nil {
			return fmt.Errorf("revoke sessions and tokens: %w", err)
		}
	}
	e := c.event
	e.Actor = actor
	if c.describe != nil {
		e.Detail = c.describe()
	}
	e.Detail = Clip(e.Detail, maxDetail)
	if err := s.store.Audit(context.WithoutCancel(ctx), &e); err != nil {
		return fmt.Errorf("%w: %w", ErrNotAudited, err)
	}
	if c.notify != nil && s.mail != nil {
		return c.notify(ctx)
	}
	return nil
}

// MailError is a notification that failed after its action was made and
// audited. It matches ErrNotNotified with errors.Is.
type MailError struct{ Err error }

// Error describes the failure (never the mail's body).
func (e *MailError) Error() string { return "mail to the user failed: " + e.Err.Error() }

// Unwrap returns the sender's error.
func (e *MailError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotNotified) true.
func (e *MailError) Is(target error) bool { return target == ErrNotNotified }

// userEvent is an audit event about user u.
func userEvent(event string, u *store.User, detail string) store.AuditEvent {
	return store.AuditEvent{Event: event, UserID: u.ID, Username: u.Username, Detail: detail}
}

// clientEvent is an audit event about client id.
func clientEvent(id, detail string) store.AuditEvent {
	return store.AuditEvent{Event: store.EventAdminClient, ClientID: id, Detail: detail}
}

// Clip shortens s to at most n bytes on a character boundary, ending it
// with "..." when it was cut (audit details, actor names).
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "..."
	cut := n - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// Record writes the audit event of an administrator's action that another
// package carried out (a signing key rotation), with the same rules as the
// service's own actions: the actor is named, the detail clipped, the write
// outlives a cancelled ctx, and its failure is ErrNotAudited.
func (s *Service) Record(ctx context.Context, actor string, e store.AuditEvent) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	return s.run(ctx, actor, change{apply: func(context.Context) error { return nil }, event: e})
}

package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// AuditQuery selects audit events: the Limit most recent ones, of one user
// when Username is set, of the last Since when it is positive.
type AuditQuery struct {
	Username string
	Since    time.Duration
	Limit    int
	// Event keeps one event name; From (inclusive) and Until (exclusive)
	// bound the events' times; Before keeps the events older than an
	// event a previous page ended with (store.AuditQuery.Before).
	Event       string
	From, Until time.Time
	Before      *store.AuditCursor
}

// maxAuditEvent is the longest event name (the column's size).
const maxAuditEvent = 64

// AuditEntry is one audit event and the name of its user: the username
// recorded with it, else the current username of its user id, else the id.
type AuditEntry struct {
	store.AuditEvent
	User string
}

// AuditLog returns the selected events, oldest first.
func (s *Service) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	switch {
	case q.Limit < 1:
		return nil, invalid("limit", "limit must be at least 1")
	case q.Since < 0:
		return nil, invalid("since", "since must be positive")
	case len(q.Event) > maxAuditEvent:
		return nil, invalid("event", fmt.Sprintf("event must be at most %d characters", maxAuditEvent))
	case q.Since > 0 && !q.From.IsZero():
		return nil, invalid("since", "since is a duration or a time, not both")
	case !q.From.IsZero() && !q.Until.IsZero() && !q.Until.After(q.From):
		return nil, invalid("until", "until must be after since")
	}
	sq := store.AuditQuery{Limit: q.Limit, Newest: true, Event: q.Event, Since: q.From, Until: q.Until, Before: q.Before}
	if q.Since > 0 {
		sq.Since = s.store.Now().Add(-q.Since)
	}
	if q.Username != "" {
		u, err := s.User(ctx, q.Username)
		if err != nil {
			return nil, err
		}
		sq.UserID = u.ID
	}
	events, err := s.store.AuditEvents(ctx, sq)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	names := map[string]string{}
	out := make([]AuditEntry, 0, len(events))
	for _, e := range events {
		who, err := s.eventUser(ctx, names, &e)
		if err != nil {
			return nil, err
		}
		out = append(out, AuditEntry{AuditEvent: e, User: who})
	}
	return out, nil
}

// eventUser is the username of an event (see AuditEntry), cached in names.
func (s *Service) eventUser(ctx context.Context, names map[string]string, e *store.AuditEvent) (string, error) {
	if e.Username != "" || e.UserID == "" {
		return e.Username, nil
	}
	if name, ok := names[e.UserID]; ok {
		return name, nil
	}
	name := e.UserID
	u, err := s.store.UserByID(ctx, e.UserID)
	switch {
	case err == nil:
		name = u.Username
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("load user: %w", err)
	}
	names[e.UserID] = name
	return name, nil
}

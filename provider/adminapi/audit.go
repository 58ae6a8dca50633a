package adminapi

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

// Audit paging bounds.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// AuditEvent is one audit log entry as the API shows it.
type AuditEvent struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Event    string    `json:"event"`
	User     string    `json:"user,omitempty"`
	ClientID string    `json:"client_id,omitempty"`
	IP       string    `json:"ip,omitempty"`
	Actor    string    `json:"actor,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// auditLog is GET /audit?user=&event=&since=&until=&limit=&cursor=:
// events newest first, a page of limit at a time; next_cursor (and next,
// the URL of the following page) are set while older events may remain.
func (h *Handler) auditLog(c echo.Context) error {
	q, limit, err := auditQuery(c)
	if err != nil {
		return h.fail(c, err)
	}
	q.Limit = limit + 1 // one more tells whether another page follows
	rows, err := h.admin.AuditLog(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	slices.Reverse(rows) // newest first
	out := map[string]any{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		cursor := admin.EncodeAuditCursor(store.AuditCursor{At: last.At, ID: last.ID})
		next := c.QueryParams()
		next.Set("cursor", cursor)
		out["next_cursor"], out["next"] = cursor, Prefix+"/audit?"+next.Encode()
	}
	events := make([]AuditEvent, 0, len(rows))
	for _, r := range rows {
		events = append(events, AuditEvent{ID: r.ID, At: r.At.UTC(), Event: r.Event, User: r.User, ClientID: r.ClientID,
			IP: r.IP, Actor: r.Actor, Detail: r.Detail})
	}
	out["events"] = events
	return c.JSON(http.StatusOK, out)
}

// auditQuery reads the query parameters.
func auditQuery(c echo.Context) (admin.AuditQuery, int, error) {
	for name := range c.QueryParams() {
		if !slices.Contains([]string{"user", "event", "since", "until", "limit", "cursor"}, name) {
			return admin.AuditQuery{}, 0, badRequest("unknown query parameter " + strconv.Quote(name))
		}
	}
	q := admin.AuditQuery{Username: c.QueryParam("user"), Event: c.QueryParam("event")}
	limit := defaultAuditLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditLimit {
			return q, 0, badRequest("limit must be a whole number from 1 to " + strconv.Itoa(maxAuditLimit))
		}
		limit = n
	}
	if v := c.QueryParam("since"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			q.Since = d
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			q.From = t
		} else {
			return q, 0, badRequest("since must be an RFC 3339 time (2025-01-02T15:04:05Z) or a positive duration (24h)")
		}
	}
	if v := c.QueryParam("until"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return q, 0, badRequest("until must be an RFC 3339 time (2025-01-02T15:04:05Z)")
		}
		q.Until = t
	}
	if v := c.QueryParam("cursor"); v != "" {
		cur, ok := admin.DecodeAuditCursor(v)
		if !ok {
			return q, 0, badRequest("cursor is not one this API gave (use next_cursor as it is)")
		}
		q.Before = &cur
	}
	if len(q.Username) > 256 || !utf8.ValidString(q.Username) || !utf8.ValidString(q.Event) {
		return q, 0, badRequest("user and event must be short text")
	}
	return q, limit, nil
}

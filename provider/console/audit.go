package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// auditPage is how many events one page of the audit log shows.
const auditPage = 50

// dateLayout is the filters' date (an <input type="date">'s value).
const dateLayout = "2006-01-02"

// audit is the audit log (GET /admin/audit?user=&event=&since=&until=&cursor=),
// newest first, a page at a time: since and until are days (UTC), until
// included; cursor continues after the last event of the previous page.
func (k *Console) audit(c echo.Context) error {
	v := portal.ViewerOf(c)
	page := templates.ConsoleAuditPage{Base: v.Base(), Nav: nav(v, "audit"), User: strings.TrimSpace(c.QueryParam("user")),
		Event: strings.TrimSpace(c.QueryParam("event")), Since: c.QueryParam("since"), Until: c.QueryParam("until")}
	q, field, m := auditQuery(page, c.QueryParam("cursor"))
	if m == "" {
		rows, err := k.svc.AuditLog(c.Request().Context(), q)
		if err == nil {
			if len(rows) > auditPage { // the oldest is the next page's first
				rows = rows[1:]
				older := url.Values{}
				for name, val := range map[string]string{"user": page.User, "event": page.Event, "since": page.Since, "until": page.Until} {
					if val != "" {
						older.Set(name, val)
					}
				}
				older.Set("cursor", admin.EncodeAuditCursor(store.AuditCursor{At: rows[0].At, ID: rows[0].ID}))
				page.Older = "/admin/audit?" + older.Encode()
			}
			page.Events = eventsOf(rows)
			return k.draw(c, http.StatusOK, page)
		}
		status, msg, ok := alert(err)
		if !ok {
			return fail(err)
		}
		m, field = msg, "user"
		if status == http.StatusBadRequest {
			field = ""
		}
		page.Base.Error, page.Field = m, field
		return k.draw(c, status, page)
	}
	page.Base.Error, page.Field = m, field
	return k.draw(c, http.StatusBadRequest, page)
}

// auditQuery reads the filters; a refused one is named with its alert.
func auditQuery(p templates.ConsoleAuditPage, cursor string) (admin.AuditQuery, string, templates.Message) {
	q := admin.AuditQuery{Username: p.User, Event: p.Event, Limit: auditPage + 1}
	switch {
	case len(q.Username) > 128 || !utf8.ValidString(q.Username):
		return q, "user", templates.MsgConsoleInvalid
	case len(q.Event) > 64 || !utf8.ValidString(q.Event):
		return q, "event", templates.MsgConsoleInvalid
	}
	if p.Since != "" {
		t, err := time.Parse(dateLayout, p.Since)
		if err != nil {
			return q, "since", templates.MsgConsoleDate
		}
		q.From = t
	}
	if p.Until != "" {
		t, err := time.Parse(dateLayout, p.Until)
		if err != nil {
			return q, "until", templates.MsgConsoleDate
		}
		q.Until = t.AddDate(0, 0, 1) // the day included
		if !q.From.IsZero() && !q.Until.After(q.From) {
			return q, "until", templates.MsgConsoleDate
		}
	}
	if cursor != "" {
		cur, ok := admin.DecodeAuditCursor(cursor)
		if !ok {
			return q, "", templates.MsgConsoleCursor
		}
		q.Before = &cur
	}
	return q, "", ""
}

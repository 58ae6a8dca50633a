package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/templates"
)

// recentEvents is how many of an account's audit events its page shows.
const recentEvents = 20

// user is an account's page: profile, locks, device, sessions, recent
// audit events and the actions on it.
func (k *Console) user(c echo.Context) error {
	v, ctx := portal.ViewerOf(c), c.Request().Context()
	row, err := k.svc.UserRowOf(ctx, param(c, "name"))
	if err != nil {
		return fail(err)
	}
	u := row.User
	page := templates.ConsoleUserPage{Base: v.Base(), Nav: nav(v, "users"), Flash: flash(c),
		User: templates.ConsoleUserDetail{Username: u.Username, Name: u.Name, Email: u.Email, Admin: u.Admin,
			Disabled: u.Disabled, RequireMFA: u.RequireMFA, PasscodeLocked: u.OTPLocked, PasscodeFailures: u.OTPFailures,
			LockedUntil: templates.StampOf(row.LockedUntil), MustChangePassword: u.MustChangePassword,
			PathName: pathName(u.Username), Self: u.ID == v.User.ID}}
	if u.ProofHash != "" && u.ProofExpiresAt != nil {
		page.User.ProofPending, page.User.ProofUntil = true, templates.StampOf(*u.ProofExpiresAt)
	}
	dev, err := k.svc.Device(ctx, &u)
	if err != nil {
		return fail(err)
	}
	if d := dev.Device; d != nil {
		page.Device = &templates.ConsoleDevice{App: d.App, Enrolled: templates.StampOf(d.EnrolledAt),
			RecoveryCodesLeft: dev.RecoveryCodesLeft}
		if d.LastUsedAt != nil {
			page.Device.LastUsed = templates.StampOf(*d.LastUsedAt)
		}
	}
	sessions, err := k.svc.Sessions(ctx, u.Username)
	if err != nil {
		return fail(err)
	}
	for _, s := range sessions {
		page.Sessions = append(page.Sessions, templates.ConsoleSession{Handle: s.Handle, Methods: strings.Join(s.AMR, " "),
			AuthTime: templates.StampOf(s.AuthTime), Created: templates.StampOf(s.CreatedAt), Until: templates.StampOf(s.ExpiresAt)})
	}
	browsers, err := k.svc.RememberedBrowsers(ctx, u.Username)
	if err != nil {
		return fail(err)
	}
	for _, b := range browsers {
		page.Browsers = append(page.Browsers, templates.ConsoleBrowser{ID: b.ID, Label: b.Label,
			Created: templates.StampOf(b.CreatedAt), LastUsed: templates.StampOf(b.LastUsedAt), Until: templates.StampOf(b.ExpiresAt)})
	}
	events, err := k.svc.AuditLog(ctx, admin.AuditQuery{Username: u.Username, Limit: recentEvents})
	if err != nil {
		return fail(err)
	}
	page.Events = eventsOf(events)
	return k.draw(c, http.StatusOK, page)
}

// eventsOf is the service's events (oldest first) as a page shows them,
// newest first.
func eventsOf(rows []admin.AuditEntry) []templates.ConsoleEvent {
	out := make([]templates.ConsoleEvent, 0, len(rows))
	for _, r := range slices.Backward(rows) {
		out = append(out, templates.ConsoleEvent{At: templates.StampOf(r.At), Event: r.Event, User: r.User,
			Client: r.ClientID, Actor: r.Actor, Detail: r.Detail, IP: r.IP})
	}
	return out
}

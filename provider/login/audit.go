package login

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
)

// audit records a security event of a sign-in. The audit log is the
// record administrators rely on, so a failure to write it is logged
// loudly; the details never hold a secret.
func (h *Handler) audit(c echo.Context, event string, f *store.Flow, u *store.User, detail string) {
	if h.cfg.Observer != nil {
		h.cfg.Observer.SecurityEvent(event)
	}
	e := &store.AuditEvent{Event: event, IP: c.RealIP(), Actor: "user", Detail: detail}
	if f != nil {
		e.ClientID = f.ClientID
	}
	if u != nil {
		e.UserID, e.Username = u.ID, u.Username
	}
	if err := h.store.Audit(context.WithoutCancel(c.Request().Context()), e); err != nil {
		h.log.ErrorContext(c.Request().Context(), "audit write failed", "event", event, "err", err)
	}
}

// notify sends a mail through the notifier, if mail is on; a failure is
// logged and does not undo what happened.
func (h *Handler) notify(c echo.Context, what string, send func(ctx context.Context, n Notifier) error) {
	if h.cfg.Notifier == nil {
		return
	}
	ctx := context.WithoutCancel(c.Request().Context())
	if err := send(ctx, h.cfg.Notifier); err != nil {
		h.log.ErrorContext(ctx, "notification mail failed", "mail", what, "err", err)
	}
}

// failed counts a failed attempt at a step for metrics.
func (h *Handler) failed(step Step) {
	if h.cfg.Observer != nil {
		h.cfg.Observer.SignInFailure(string(step))
	}
}

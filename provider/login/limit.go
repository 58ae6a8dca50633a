package login

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// limiter guards the sign-in form posts of one client address: once the
// address failed the configured number of posts in a minute, its posts are
// answered 429 until the minute is over. Only failures count (an answer of
// 400 or more: a wrong password, answer or code, a refused form), so many
// people behind one address sign in freely while one address spraying
// passwords over many accounts is stopped before it can lock them; the
// count is kept in the database, shared by every replica.
func (h *Handler) limiter() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, ip := c.Request().Context(), c.RealIP()
			blocked, err := h.svc.AddressBlocked(ctx, ip)
			if err != nil {
				return pageErrorFor(err)
			}
			if blocked {
				h.log.WarnContext(ctx, "sign-in attempts rate-limited", "ip", ip, "path", c.Path())
				c.Response().Header().Set("Retry-After", "60")
				return web.NewPageError(http.StatusTooManyRequests, templates.MsgTooManyRequests, nil)
			}
			err = next(c)
			if failedStatus(c, err) {
				h.svc.AddressFailed(ctx, ip)
			}
			return err
		}
	}
}

// failedStatus reports whether a sign-in post failed: its answer (written,
// or the error still to be rendered) has a status of 400 or more, other
// than the server's own failures (500, 503), which are not the address's.
func failedStatus(c echo.Context, err error) bool {
	status := c.Response().Status
	if err != nil {
		status = http.StatusInternalServerError
		var pe *web.PageError
		var he *echo.HTTPError
		switch {
		case errors.As(err, &pe):
			status = pe.Status
		case errors.As(err, &he):
			status = he.Code
		}
	}
	return status >= 400 && status != http.StatusServiceUnavailable && status != http.StatusInternalServerError
}

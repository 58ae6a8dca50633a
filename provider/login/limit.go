package login

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// limiter caps sign-in form posts per client IP, so that one address
// spraying passwords over many accounts gets 429 before it can lock them
// (or guess). It complements the per-account counters, which are exact and
// shared through the database; this one is per process.
func (h *Handler) limiter() echo.MiddlewareFunc {
	if h.cfg.AttemptsPerMinute <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	n := h.cfg.AttemptsPerMinute
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(n) / 60), Burst: n, ExpiresIn: 5 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, ip string, err error) error {
			h.log.WarnContext(c.Request().Context(), "sign-in attempts rate-limited", "ip", ip, "path", c.Path())
			c.Response().Header().Set("Retry-After", "60")
			return web.NewPageError(http.StatusTooManyRequests, templates.MsgTooManyRequests, nil)
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, err)
		},
	})
}

package provider

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/protocol"
)

// Drain makes /readyz answer 503 so that load balancers stop sending new
// requests before the process shuts down.
func (s *Server) Drain() { s.draining.Store(true) }

// ready answers /readyz: 200 while the database answers and the process is
// not draining; the signing keys were loaded before the server was built.
func (s *Server) ready(st *protocol.Storage) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.draining.Load() {
			return c.String(http.StatusServiceUnavailable, "shutting down\n")
		}
		if err := st.Health(c.Request().Context()); err != nil {
			return c.String(http.StatusServiceUnavailable, "database unavailable\n")
		}
		return c.String(http.StatusOK, "ready\n")
	}
}

// ipExtractor decides where the client IP (used by the per-IP limiter and
// the audit log) comes from: the connection's peer, unless the peer is a
// trusted proxy, whose X-Forwarded-For is then believed.
func ipExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, cidr := range trusted {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", cidr, err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// observe writes one structured log line per request, with its request
// id, and times it for the metrics. Errors are rendered here (so the status
// is final); only the path is logged: query strings can hold codes and
// tokens.
func observe(log *slog.Logger, m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			m.observeRequest(c, status, time.Since(start))
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
				slog.String("method", c.Request().Method),
				slog.String("path", c.Request().URL.Path),
				slog.Int("status", status),
				slog.String("ip", c.RealIP()),
				slog.Duration("duration", time.Since(start)))
			return nil
		}
	}
}

package provider

import (
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one provider process.
type Metrics struct {
	registry *prometheus.Registry
	events   *prometheus.CounterVec
	failures *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	requests *prometheus.HistogramVec
}

// newMetrics registers otpgate's metrics, the database pool's and the Go
// runtime's on a registry of its own.
func newMetrics(db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "otpgate_security_events_total",
			Help: "Security events by kind: signin.success, signin.failure, lockout.*, device.enrolled, reset.*, …",
		}, []string{"event"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "otpgate_signin_failures_total",
			Help: "Failed sign-in attempts by step (password, question, otp, reset, enroll-proof).",
		}, []string{"step"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "otpgate_tokens_issued_total",
			Help: "Token responses by grant (authorization_code, refresh_token).",
		}, []string{"grant"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "otpgate_http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status class.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
	}
	m.registry.MustRegister(m.events, m.failures, m.tokens, m.requests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "otpgate"))
	return m
}

// SecurityEvent counts a security event (login.Observer).
func (m *Metrics) SecurityEvent(event string) { m.events.WithLabelValues(event).Inc() }

// SignInFailure counts a failed attempt at a step (login.Observer).
func (m *Metrics) SignInFailure(step string) { m.failures.WithLabelValues(step).Inc() }

// TokenIssued counts a token response by grant (protocol.TokenObserver).
func (m *Metrics) TokenIssued(grant string) { m.tokens.WithLabelValues(grant).Inc() }

// handler serves /metrics.
func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// observeRequest times a request by its route pattern (never its path, so
// ids and tokens in URLs never become label values).
func (m *Metrics) observeRequest(c echo.Context, status int, d time.Duration) {
	route := c.Path()
	if route == "/*" || route == "" {
		route = protocolRoute(c.Request().URL.Path)
	}
	m.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status/100)+"xx").Observe(d.Seconds())
}

// protocolRoute names the library's endpoints, and nothing else, by path.
func protocolRoute(path string) string {
	switch path {
	case "/oauth/token", "/oauth/introspect", "/userinfo", "/revoke", "/end_session", "/keys":
		return path
	}
	if strings.HasPrefix(path, "/.well-known/") {
		return path
	}
	return "other"
}

package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Allowed values of the enumerated settings.
const (
	mfaAlways    = "always"
	mfaPerUser   = "per_user"
	mfaPerClient = "per_client"

	signingRS256 = "RS256"

	maxFlowLifetime = 24 * time.Hour
)

var (
	logLevels   = []string{"debug", "info", "warn", "error"}
	logFormats  = []string{"text", "json"}
	mfaPolicies = []string{mfaAlways, mfaPerUser, mfaPerClient}
)

func (l Log) validate(p *problems) {
	oneOf(p, "log.level", l.Level, logLevels)
	oneOf(p, "log.format", l.Format, logFormats)
}

func (l Login) validate(p *problems) {
	positive(p, "login.flow_lifetime", l.FlowLifetime)
	if l.FlowLifetime.Duration > maxFlowLifetime {
		p.add("login.flow_lifetime", "must be at most 24h")
	}
	positive(p, "login.session_lifetime", l.SessionLifetime)
	if d, life := l.SessionIdleTimeout.Duration, l.SessionLifetime.Duration; d != 0 && (d < time.Minute || (life > 0 && d > life)) {
		p.add("login.session_idle_timeout", "must be 0 (off) or between 1m and login.session_lifetime")
	}
	if l.MinPasswordLength < 8 || l.MinPasswordLength > 128 {
		p.add("login.min_password_length", "must be between 8 and 128 (got %d)", l.MinPasswordLength)
	}
}

func (t Tokens) validate(p *problems) {
	positive(p, "tokens.access_token_lifetime", t.AccessTokenLifetime)
	positive(p, "tokens.id_token_lifetime", t.IDTokenLifetime)
	positive(p, "tokens.refresh_token_lifetime", t.RefreshTokenLifetime)
	if t.SigningAlgorithm != signingRS256 {
		p.add("tokens.signing_algorithm", "must be %s (got %q); a client chooses ES256 or EdDSA with its id_token_signed_response_alg",
			signingRS256, t.SigningAlgorithm)
	}
	if d := t.KeyActivationDelay.Duration; d < 0 || d > 7*24*time.Hour {
		p.add("tokens.key_activation_delay", "must be between 0 and 168h")
	}
	if d := t.RefreshReuseInterval.Duration; d < 0 || d > time.Minute {
		p.add("tokens.refresh_reuse_interval", "must be between 0 (off) and 1m")
	}
}

func (c CORS) validate(p *problems) {
	for i, origin := range c.AllowedOrigins {
		if msg := originProblem(origin); msg != "" {
			p.add(fmt.Sprintf("cors.allowed_origins[%d]", i), "%s", msg)
		}
	}
}

func (m MFA) validate(p *problems) {
	oneOf(p, "mfa.required", m.Required, mfaPolicies)
	switch {
	case strings.TrimSpace(m.IssuerLabel) == "":
		p.add("mfa.issuer_label", "must not be empty")
	case len(m.IssuerLabel) > 64 || strings.ContainsAny(m.IssuerLabel, ":\r\n"):
		p.add("mfa.issuer_label", "must be at most 64 characters, without ':' or line breaks")
	}
	if d := m.ResetLinkLifetime.Duration; d < time.Minute || d > 24*time.Hour {
		p.add("mfa.reset_link_lifetime", "must be between 1m and 24h")
	}
	if n := m.ResetMailsPerHour; n < 1 || n > 100 {
		p.add("mfa.reset_mails_per_hour", "must be between 1 and 100")
	}
	if m.EnrollmentProof != "" {
		oneOf(p, "mfa.enrollment_proof", m.EnrollmentProof, enrollProofs)
	}
	if n := m.RememberBrowserDays; n < 0 || n > 365 {
		p.add("mfa.remember_browser_days", "must be between 0 (off) and 365")
	}
}

// The values of mfa.enrollment_proof.
const (
	enrollProofEmail = "email"
	enrollProofAdmin = "admin"
	enrollProofNone  = "none"
)

var enrollProofs = []string{enrollProofEmail, enrollProofAdmin, enrollProofNone}

// validateEnrollmentProof refuses an emailed proof that could never be
// mailed: outside development mode (where mails go to the log) email
// needs a mail server.
func (c *Config) validateEnrollmentProof(p *problems) {
	if c.MFA.EnrollmentProof == enrollProofEmail && !c.Mail.Enabled() && !c.DevMode() {
		p.add("mfa.enrollment_proof", "email needs a mail server (mail.smtp_host); use admin, or configure mail")
	}
}

func (l Lockout) validate(p *problems) {
	if l.PasscodeAttempts < 1 || l.PasscodeAttempts > 100 {
		p.add("lockout.passcode_attempts", "must be between 1 and 100")
	}
	if l.LoginAttempts < 1 || l.LoginAttempts > 1000 {
		p.add("lockout.login_attempts", "must be between 1 and 1000")
	}
	if l.AttemptsPerMinutePerIP < 0 || l.AttemptsPerMinutePerIP > 100000 {
		p.add("lockout.attempts_per_minute_per_ip", "must be between 0 (off) and 100000")
	}
	if d := l.LoginLockDecay.Duration; d < time.Minute || d > 7*24*time.Hour {
		p.add("lockout.login_lock_decay", "must be between 1m and 168h")
	}
	if l.UnknownBrowserLimit < 1 || l.UnknownBrowserLimit > 100 {
		p.add("lockout.unknown_browser_limit", "must be between 1 and 100")
	}
	if d := l.KnownBrowserLifetime.Duration; d < time.Hour || d > 400*24*time.Hour {
		p.add("lockout.known_browser_lifetime", "must be between 1h and 9600h (400 days)")
	}
}

func oneOf(p *problems, key, value string, allowed []string) {
	if !slices.Contains(allowed, value) {
		p.add(key, "must be one of %s (got %q)", strings.Join(allowed, ", "), value)
	}
}

func positive(p *problems, key string, d Duration) {
	if d.Duration <= 0 {
		p.add(key, "must be greater than 0")
	}
}

// validPostgresURL reports whether dsn parses as a URL; the parse error itself
// is dropped because it would quote the DSN and its password.
func validPostgresURL(dsn string) bool {
	_, err := url.Parse(dsn)
	return err == nil
}

func (s Server) validate(p *problems) {
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		p.add("server.tls_cert_file", "give both tls_cert_file and tls_key_file, or neither")
	}
	for i, cidr := range s.TrustedProxies {
		if _, _, err := net.ParseCIDR(cidr); err != nil {
			p.add(fmt.Sprintf("server.trusted_proxies[%d]", i), "must be a CIDR such as 10.0.0.0/8 (got %q)", cidr)
		}
	}
	if d := s.ShutdownDelay.Duration; d < 0 || d > 5*time.Minute {
		p.add("server.shutdown_delay", "must be between 0 and 5m")
	}
}

package config

import (
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Config is otpgate's complete configuration. Build it with Load (or Default
// for tests), then call Validate before using it.
type Config struct {
	// Issuer is the OpenID Connect issuer URL, without a trailing slash
	// (env OTPGATE_ISSUER). Empty is allowed only in DevMode; see
	// EffectiveIssuer.
	Issuer string `yaml:"issuer"`
	// Listen is the host:port the HTTP server binds (env OTPGATE_LISTEN).
	Listen string `yaml:"listen"`
	// DataDir holds the default SQLite database and other local state
	// (env OTPGATE_DATA_DIR).
	DataDir string `yaml:"data_dir"`
	// Database selects storage (env OTPGATE_DATABASE or a file named by
	// OTPGATE_DATABASE_FILE): "" means the SQLite file <data_dir>/otpgate.db,
	// a path means that SQLite file, and a postgres:// or postgresql:// URL
	// means PostgreSQL. See DatabaseDSN.
	Database string `yaml:"database"`
	// EncryptionKeyFile names the file holding the key that encrypts TOTP
	// secrets at rest (env OTPGATE_ENCRYPTION_KEY_FILE).
	EncryptionKeyFile string `yaml:"encryption_key_file"`
	// EncryptionKey is the key text itself (env OTPGATE_ENCRYPTION_KEY, never
	// from YAML): base64 (standard or raw URL alphabet) of 32 bytes, or 64 hex
	// characters. When set it takes precedence over EncryptionKeyFile.
	EncryptionKey string `yaml:"-"`
	// EncryptionAcceptedKeyFiles name files holding further keys that open
	// data sealed with them but never seal (env
	// OTPGATE_ENCRYPTION_ACCEPTED_KEY_FILES, comma-separated): the old or
	// the next key while the encryption key is rotated.
	EncryptionAcceptedKeyFiles []string `yaml:"encryption_accepted_key_files"`

	// Log configures structured logging.
	Log Log `yaml:"log"`
	// Login configures the sign-in flow and browser sessions.
	Login Login `yaml:"login"`
	// Tokens configures issued tokens.
	Tokens Tokens `yaml:"tokens"`
	// CORS lists origins allowed to call the OIDC API endpoints from a browser.
	CORS CORS `yaml:"cors"`
	// MFA sets the global two-factor policy.
	MFA MFA `yaml:"mfa"`
	// Server sets TLS, proxies and shutdown.
	Server Server `yaml:"server"`
	// Lockout sets how many failures lock an account.
	Lockout Lockout `yaml:"lockout"`
	// Mail configures the SMTP server that sends reset links and security
	// notices; see Mail.Enabled.
	Mail Mail `yaml:"mail"`
	// Branding names the product on every page and mail, with a logo and
	// a primary colour.
	Branding Branding `yaml:"branding"`
	// Entra configures the Microsoft Entra ID external authentication
	// method (clients added with otpgate client add --entra-eam).
	Entra Entra `yaml:"entra"`
	// Clients are relying parties declared in the file (more can be added
	// with the CLI).
	Clients []Client `yaml:"clients"`
	// Connectors are first factors in front of otpgate's passcode: a
	// directory (LDAP, Active Directory) or upstream OpenID providers.
	Connectors []Connector `yaml:"connectors"`

	configFile string // path of the YAML file Load read, "" if none
	// envRead are the OTPGATE_* names Load looked up (IgnoredEnv).
	envRead   map[string]bool
	issuerSet bool // issuer given explicitly by environment or flag
}

// Log configures log/slog output.
type Log struct {
	// Level is debug, info, warn or error (default info; env OTPGATE_LOG_LEVEL).
	Level string `yaml:"level"`
	// Format is text or json (default text; env OTPGATE_LOG_FORMAT).
	Format string `yaml:"format"`
}

// Login configures the sign-in flow.
type Login struct {
	// SecurityQuestion turns the security-question step on or off; nil means
	// the default, true (env OTPGATE_LOGIN_SECURITY_QUESTION). Read it with
	// QuestionEnabled.
	SecurityQuestion *bool `yaml:"security_question"`
	// FlowLifetime bounds how long one sign-in may take (default 15m, at most
	// 24h; env OTPGATE_LOGIN_FLOW_LIFETIME).
	FlowLifetime Duration `yaml:"flow_lifetime"`
	// SessionLifetime is how long a browser SSO session lasts (default 12h;
	// env OTPGATE_LOGIN_SESSION_LIFETIME).
	SessionLifetime Duration `yaml:"session_lifetime"`
	// SessionIdleTimeout ends a browser SSO session that was not used for
	// that long, before its lifetime is up (default 30m; 0 turns it off;
	// env OTPGATE_LOGIN_SESSION_IDLE_TIMEOUT).
	SessionIdleTimeout Duration `yaml:"session_idle_timeout"`
	// MinPasswordLength is the shortest accepted new password, 8..128
	// (default 12; env OTPGATE_LOGIN_MIN_PASSWORD_LENGTH).
	MinPasswordLength int `yaml:"min_password_length"`
}

// QuestionEnabled reports whether the security-question step is on; it is on
// unless SecurityQuestion is explicitly false.
func (l Login) QuestionEnabled() bool {
	return l.SecurityQuestion == nil || *l.SecurityQuestion
}

// Tokens configures token lifetimes and signing.
type Tokens struct {
	// AccessTokenLifetime defaults to 15m (env OTPGATE_TOKENS_ACCESS_TOKEN_LIFETIME).
	AccessTokenLifetime Duration `yaml:"access_token_lifetime"`
	// IDTokenLifetime defaults to 1h (env OTPGATE_TOKENS_ID_TOKEN_LIFETIME).
	IDTokenLifetime Duration `yaml:"id_token_lifetime"`
	// RefreshTokenLifetime defaults to 720h (env OTPGATE_TOKENS_REFRESH_TOKEN_LIFETIME).
	RefreshTokenLifetime Duration `yaml:"refresh_token_lifetime"`
	// RefreshReuseInterval is how long a rotated refresh token may be
	// presented again by its client without revoking its family, for
	// relying parties that refresh on several requests at once; each
	// presentation gets its own successor. 0 turns it off; default 5s, at
	// most 1m (env OTPGATE_TOKENS_REFRESH_REUSE_INTERVAL).
	RefreshReuseInterval Duration `yaml:"refresh_reuse_interval"`
	// SigningAlgorithm is the JWS algorithm of the ID tokens of clients
	// that choose none (Client.IDTokenSignedResponseAlg); only RS256 (the
	// default) is supported (env OTPGATE_TOKENS_SIGNING_ALGORITHM).
	SigningAlgorithm string `yaml:"signing_algorithm"`
	// KeyActivationDelay is how long a key made by `otpgate keys rotate` is
	// published before it signs, so relying parties that cache the key set
	// know it first: Entra ID caches it for about a day, so the default is
	// 48h, at most 168h; the first key of an algorithm signs at once (env
	// OTPGATE_TOKENS_KEY_ACTIVATION_DELAY).
	KeyActivationDelay Duration `yaml:"key_activation_delay"`
}

// CORS configures cross-origin access to the OIDC API endpoints.
type CORS struct {
	// AllowedOrigins are exact origins, scheme://host[:port] with no path and
	// no wildcard (env OTPGATE_CORS_ALLOWED_ORIGINS, comma-separated).
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// MFA sets the two-factor policy.
type MFA struct {
	// Required is always (every sign-in) or per_user / per_client (the
	// default per_user): only where an administrator asked for it, on the
	// user or on the client, where the request's acr_values ask for it, or
	// where the user already has a device. The two names mean the same and
	// exist so a configuration can say which flags it relies on
	// (env OTPGATE_MFA_REQUIRED).
	Required string `yaml:"required"`
	// IssuerLabel is the name authenticator apps show next to the account
	// (default "otpgate"; env OTPGATE_MFA_ISSUER_LABEL).
	IssuerLabel string `yaml:"issuer_label"`
	// SelfServiceReset lets a person who lost a device reset it at sign-in
	// with a recovery code or an emailed link (default true); off, only an
	// administrator can (env OTPGATE_MFA_SELF_SERVICE_RESET).
	SelfServiceReset *bool `yaml:"self_service_reset"`
	// ResetLinkLifetime bounds emailed reset links (default 15m; env
	// OTPGATE_MFA_RESET_LINK_LIFETIME).
	ResetLinkLifetime Duration `yaml:"reset_link_lifetime"`
	// ResetMailsPerHour bounds the reset links mailed for one account in
	// any hour, so that nobody can flood its mailbox; reaching it never
	// locks the account (default 3; env OTPGATE_MFA_RESET_MAILS_PER_HOUR).
	ResetMailsPerHour int `yaml:"reset_mails_per_hour"`
	// EnrollmentProof is what a first enrollment needs besides the
	// password and answer (one factor, phished together): email (a
	// single-use link mailed to the account's address, opened in the
	// waiting sign-in's browser), admin (an enrollment code an
	// administrator issues with `user require-mfa NAME on
	// --enrollment-code`) or none (trust on first use). Empty chooses: none
	// in zero-config development mode, else email when mail is configured,
	// else admin; see EffectiveEnrollmentProof (env
	// OTPGATE_MFA_ENROLLMENT_PROOF).
	EnrollmentProof string `yaml:"enrollment_proof"`
	// RememberBrowserDays, 1 to 365, lets a person who passed a passcode
	// tick "don't ask for a passcode on this browser for N days", on
	// clients with remember_browser (`client add|update --remember-browser
	// on`); never in a request with max_age, prompt=login or the
	// multi-factor acr, nor in factor-only modes. 0 (the default) turns it
	// off (env OTPGATE_MFA_REMEMBER_BROWSER_DAYS).
	RememberBrowserDays int `yaml:"remember_browser_days"`
}

// SelfServiceResetEnabled reports the effective self-service reset setting.
func (m MFA) SelfServiceResetEnabled() bool { return m.SelfServiceReset == nil || *m.SelfServiceReset }

// Server sets how the HTTP server meets the network.
type Server struct {
	// TLSCertFile and TLSKeyFile, when both set, make otpgate serve HTTPS
	// itself (env OTPGATE_SERVER_TLS_CERT_FILE, OTPGATE_SERVER_TLS_KEY_FILE).
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// TrustedProxies are CIDRs of reverse proxies whose X-Forwarded-For
	// header names the client; empty (the default) trusts no header (env
	// OTPGATE_SERVER_TRUSTED_PROXIES, comma-separated).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ShutdownDelay is how long /readyz answers 503 before the server stops
	// taking requests on SIGTERM, so load balancers can move away (default
	// 0; env OTPGATE_SERVER_SHUTDOWN_DELAY).
	ShutdownDelay Duration `yaml:"shutdown_delay"`
	// MetricsListen is the host:port of a listener of its own that serves
	// Prometheus /metrics, away from the public sign-in port (its failure
	// and lockout counts would help an attacker); empty (the default) serves
	// no metrics (env OTPGATE_SERVER_METRICS_LISTEN).
	MetricsListen string `yaml:"metrics_listen"`
	// HashConcurrency bounds the argon2id computations (19 MiB each) that
	// run at once; a check waits up to 2 seconds for a slot, browsers that
	// signed in to the account before first, then gets HTTP 503 with
	// Retry-After. 0 (the default) is the number of CPUs (env
	// OTPGATE_SERVER_HASH_CONCURRENCY).
	HashConcurrency int `yaml:"hash_concurrency"`
}

// TLS reports whether otpgate terminates TLS itself.
func (s Server) TLS() bool { return s.TLSCertFile != "" && s.TLSKeyFile != "" }

// Lockout sets the failure limits.
type Lockout struct {
	// PasscodeAttempts consecutive wrong passcodes (or recovery codes or
	// enrollment codes) lock the account until an administrator resets the
	// device (default 5; env OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS).
	PasscodeAttempts int `yaml:"passcode_attempts"`
	// LoginAttempts consecutive wrong passwords or answers lock the account
	// temporarily, 1 minute doubling up to 1 hour (default 10; env
	// OTPGATE_LOCKOUT_LOGIN_ATTEMPTS).
	LoginAttempts int `yaml:"login_attempts"`
	// AttemptsPerMinutePerIP failed sign-in form posts from one address in
	// a minute make its further posts wait for the minute to end (HTTP
	// 429); successes do not count, and the count is shared by every
	// replica through the database (default 30; 0 turns the limiter off;
	// env OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP).
	AttemptsPerMinutePerIP int `yaml:"attempts_per_minute_per_ip"`
	// LoginLockDecay: each full period without an attempt lowers a
	// password/answer lock level by one (default 1h; env
	// OTPGATE_LOCKOUT_LOGIN_LOCK_DECAY).
	LoginLockDecay Duration `yaml:"login_lock_decay"`
	// UnknownBrowserLimit consecutive failed passwords or answers from
	// browsers that never signed in to the account make such browsers
	// need an emailed sign-in link or an administrator; the owner's known
	// browsers are not affected (default 100, at most 100: NIST SP 800-63B
	// 5.2.2; env OTPGATE_LOCKOUT_UNKNOWN_BROWSER_LIMIT).
	UnknownBrowserLimit int `yaml:"unknown_browser_limit"`
	// KnownBrowserLifetime: a browser that finished a sign-in keeps its own
	// password/answer budget for the account this long after its last
	// sign-in (default 90 days, 2160h; env
	// OTPGATE_LOCKOUT_KNOWN_BROWSER_LIFETIME).
	KnownBrowserLifetime Duration `yaml:"known_browser_lifetime"`
}

// Mail configures outgoing mail. Mail is off when SMTPHost is empty; in
// DevMode mails are then written to the log instead.
type Mail struct {
	// SMTPHost is the SMTP server's name or IP address, without a port
	// (env OTPGATE_MAIL_SMTP_HOST). Empty turns mail off.
	SMTPHost string `yaml:"smtp_host"`
	// SMTPPort defaults to 587 (env OTPGATE_MAIL_SMTP_PORT).
	SMTPPort int `yaml:"smtp_port"`
	// Security is starttls (the default: STARTTLS required), tls (implicit
	// TLS, usually port 465) or none (only to a loopback host)
	// (env OTPGATE_MAIL_SECURITY).
	Security string `yaml:"security"`
	// Username, if set, authenticates to the server over TLS
	// (env OTPGATE_MAIL_USERNAME).
	Username string `yaml:"username"`
	// Password goes with Username. Prefer env OTPGATE_MAIL_PASSWORD or a file
	// named by OTPGATE_MAIL_PASSWORD_FILE to the YAML file.
	Password string `yaml:"password"`
	// From is the sender address, e.g. "otpgate <login@example.com>";
	// required when mail is on (env OTPGATE_MAIL_FROM).
	From string `yaml:"from"`
	// Language is the language of mails to accounts that have not signed
	// in yet: en (the default), ja, or both (English, then Japanese). After
	// a sign-in, a person's mails are in its language
	// (env OTPGATE_MAIL_LANGUAGE).
	Language string `yaml:"language"`
	// TimeZone is the IANA time zone of the times mails, the account page
	// and the console show, e.g. Asia/Tokyo (default UTC; env
	// OTPGATE_MAIL_TIME_ZONE).
	TimeZone string `yaml:"time_zone"`
}

// MailLang is the language mails to accounts that have not signed in yet
// are written in: "en", "ja", or "" for both.
func (m Mail) MailLang() string {
	switch m.Language {
	case mailBoth:
		return ""
	case "":
		return "en"
	}
	return m.Language
}

// Location is the time zone of the times mails and pages show (UTC when
// unset or unknown; Validate reports an unknown one).
func (m Mail) Location() *time.Location {
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil || m.TimeZone == "" {
		return time.UTC
	}
	return loc
}

// Enabled reports whether mail is sent through SMTP: whether SMTPHost is set.
func (m Mail) Enabled() bool { return m.SMTPHost != "" }

// Client is a relying party declared in the configuration file.
type Client struct {
	// ID is the client_id: 1-64 characters from A-Z a-z 0-9 . _ -, unique.
	ID string `yaml:"id"`
	// Name is shown to users on the sign-in pages.
	Name string `yaml:"name"`
	// Secret is a confidential client's secret, at least 16 characters.
	// Prefer SecretFile over plain text in the file.
	Secret string `yaml:"secret"`
	// SecretFile names a file holding the secret; Load reads it (trailing
	// newline trimmed) into Secret.
	SecretFile string `yaml:"secret_file"`
	// Public marks a browser or native client that cannot keep a secret; it
	// must not have one and must use PKCE.
	Public bool `yaml:"public"`
	// RedirectURIs are the exact allowed redirect_uri values (at least one).
	RedirectURIs []string `yaml:"redirect_uris"`
	// PostLogoutRedirectURIs are the exact allowed post_logout_redirect_uri values.
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	// RequireMFA demands two-factor for every sign-in to this client.
	RequireMFA bool `yaml:"require_mfa"`
	// RememberBrowser lets sign-ins to this client remember a browser that
	// passed a passcode, when mfa.remember_browser_days allows it.
	RememberBrowser bool `yaml:"remember_browser"`
	// IDTokenSignedResponseAlg is the algorithm this client's ID tokens are
	// signed with: RS256 (empty, the default), ES256 or EdDSA.
	IDTokenSignedResponseAlg string `yaml:"id_token_signed_response_alg"`
}

// Overrides carries explicit values from command-line flags; empty fields are
// not applied.
type Overrides struct {
	// ConfigFile is the YAML file to load (--config); it beats OTPGATE_CONFIG.
	ConfigFile string
	// Issuer is --issuer.
	Issuer string
	// Listen is --listen.
	Listen string
	// DataDir is --data.
	DataDir string
	// Database is --database.
	Database string
	// EncryptionKeyFile is --encryption-key-file; it also discards any key
	// text from OTPGATE_ENCRYPTION_KEY, since the flag is the more explicit.
	EncryptionKeyFile string
}

// Default returns the built-in defaults: the first configuration layer.
func Default() *Config {
	question := true
	return &Config{
		Listen:  "127.0.0.1:8080",
		DataDir: "data",
		Log:     Log{Level: "info", Format: "text"},
		Login: Login{
			SecurityQuestion:   &question,
			FlowLifetime:       Duration{15 * time.Minute},
			SessionLifetime:    Duration{12 * time.Hour},
			SessionIdleTimeout: Duration{30 * time.Minute},
			MinPasswordLength:  12,
		},
		Tokens: Tokens{
			AccessTokenLifetime:  Duration{15 * time.Minute},
			IDTokenLifetime:      Duration{time.Hour},
			RefreshTokenLifetime: Duration{720 * time.Hour},
			RefreshReuseInterval: Duration{5 * time.Second},
			SigningAlgorithm:     "RS256",
			KeyActivationDelay:   Duration{48 * time.Hour},
		},
		MFA: MFA{Required: mfaPerUser, IssuerLabel: "otpgate", ResetLinkLifetime: Duration{15 * time.Minute},
			ResetMailsPerHour: 3},
		Lockout: Lockout{PasscodeAttempts: 5, LoginAttempts: 10, AttemptsPerMinutePerIP: 30,
			LoginLockDecay: Duration{time.Hour}, UnknownBrowserLimit: 100, KnownBrowserLifetime: Duration{90 * 24 * time.Hour}},
		Mail:  Mail{SMTPPort: 587, Security: mailStartTLS, Language: "en", TimeZone: "UTC"},
		Entra: Entra{Authority: "https://login.microsoftonline.com", FirstLink: "admin"},
	}
}

// EffectiveEnrollmentProof returns MFA.EnrollmentProof, or when it is
// empty the safe default: none only in zero-config development mode (the
// demo must work without mail or an administrator), email when mail is
// configured, admin otherwise.
func (c *Config) EffectiveEnrollmentProof() string {
	switch {
	case c.MFA.EnrollmentProof != "":
		return c.MFA.EnrollmentProof
	case c.DevMode():
		return enrollProofNone
	case c.Mail.Enabled():
		return enrollProofEmail
	default:
		return enrollProofAdmin
	}
}

// ConfigFileUsed returns the path of the YAML file Load read, or "" if none.
func (c *Config) ConfigFileUsed() string { return c.configFile }

// DevMode reports zero-config development mode: no config file was loaded and
// no issuer was set by file, environment or flag. In DevMode, Validate does not
// require an issuer or an encryption key.
func (c *Config) DevMode() bool { return c.configFile == "" && !c.issuerSet }

// EffectiveIssuer returns Issuer, or in DevMode with no issuer
// "http://<listen>", with an unspecified listen host (":8080", "0.0.0.0:8080")
// replaced by loopback. It returns "" outside DevMode when Issuer is empty.
func (c *Config) EffectiveIssuer() string {
	if c.Issuer != "" || !c.DevMode() {
		return c.Issuer
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return "http://" + c.Listen
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// DatabaseDSN returns the storage driver ("sqlite" or "postgres") and the DSN
// to open: for SQLite the file path, by default <data_dir>/otpgate.db.
func (c *Config) DatabaseDSN() (driver string, dsn string) {
	switch {
	case c.Database == "":
		return "sqlite", filepath.Join(c.DataDir, "otpgate.db")
	case isPostgresURL(c.Database):
		return "postgres", c.Database
	default:
		return "sqlite", c.Database
	}
}

func isPostgresURL(s string) bool {
	lower := strings.ToLower(s)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// Entra is how Entra ID hints are verified and their users linked.
type Entra struct {
	// Authority is where tenants' keys are fetched: {authority}/{tenant
	// id}/discovery/v2.0/keys, and hints' issuer is {authority}/{tenant
	// id}/v2.0 (default https://login.microsoftonline.com; env
	// OTPGATE_ENTRA_AUTHORITY).
	Authority string `yaml:"authority"`
	// CAFile is a PEM file of certificate authorities trusted for the
	// authority besides the system's (a test authority; env
	// OTPGATE_ENTRA_CA_FILE).
	CAFile string `yaml:"ca_file"`
	// FirstLink is how an Entra user is first linked to an account:
	// "admin" (only otpgate user link) or "username" (its first use links
	// it to the account whose username, or email, is the hint's
	// preferred_username or upn; afterwards only the tenant and object id
	// count) (default admin; env OTPGATE_ENTRA_FIRST_LINK).
	FirstLink string `yaml:"first_link"`
}

// Branding is how the pages and mails present the product.
type Branding struct {
	// ProductName replaces "otpgate" in every page and mail, e.g. "Example
	// Corp Sign-in" (default otpgate; env OTPGATE_BRANDING_PRODUCT_NAME).
	ProductName string `yaml:"product_name"`
	// LogoFile is a PNG, JPEG or SVG image of at most 256 KiB shown in
	// every page's header beside the product name; empty: no logo
	// (env OTPGATE_BRANDING_LOGO_FILE).
	LogoFile string `yaml:"logo_file"`
	// PrimaryColor is the colour of buttons and links, #RRGGBB; the dark
	// theme lightens it (default: otpgate's blue; env
	// OTPGATE_BRANDING_PRIMARY_COLOR).
	PrimaryColor string `yaml:"primary_color"`
}

package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Environment variable names. Each OTPGATE_<SECTION>_<KEY> mirrors the YAML
// key <section>.<key>.
const (
	envConfig            = "OTPGATE_CONFIG"
	envIssuer            = "OTPGATE_ISSUER"
	envListen            = "OTPGATE_LISTEN"
	envDataDir           = "OTPGATE_DATA_DIR"
	envDatabase          = "OTPGATE_DATABASE"
	envDatabaseFile      = "OTPGATE_DATABASE_FILE"
	envEncryptionKey     = "OTPGATE_ENCRYPTION_KEY"
	envEncryptionKeyFile = "OTPGATE_ENCRYPTION_KEY_FILE"
	envAcceptedKeyFiles  = "OTPGATE_ENCRYPTION_ACCEPTED_KEY_FILES"
	envMailPassword      = "OTPGATE_MAIL_PASSWORD"
	envMailPasswordFile  = "OTPGATE_MAIL_PASSWORD_FILE"
)

// envReader reads OTPGATE_* variables through an injected lookup and collects
// every malformed value so Load can report them together.
type envReader struct {
	lookup   func(string) (string, bool)
	problems problems
	// read are the names asked for: every variable that means something
	// with this configuration (see Config.IgnoredEnv).
	read map[string]bool
}

func newEnvReader(lookup func(string) (string, bool)) *envReader {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	return &envReader{lookup: lookup, read: map[string]bool{}}
}

// get returns the trimmed value of name; an empty variable counts as unset.
func (e *envReader) get(name string) (string, bool) {
	e.read[name] = true
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// fail records a problem of name: a variable, or a key whose file could
// not be read (clients[0].secret_file).
func (e *envReader) fail(name string, err error) {
	e.problems = append(e.problems, Problem{Key: name, Message: err.Error()})
}

func (e *envReader) str(name string, dst *string) bool {
	v, ok := e.get(name)
	if ok {
		*dst = v
	}
	return ok
}

// secret is str for passwords: only line breaks are trimmed, since spaces
// may belong to the secret. A value of only whitespace counts as unset.
func (e *envReader) secret(name string, dst *string) {
	if _, ok := e.get(name); ok {
		v, _ := e.lookup(name)
		*dst = strings.TrimRight(v, "\r\n")
	}
}

func (e *envReader) duration(name string, dst *Duration) {
	if v, ok := e.get(name); ok {
		if err := dst.UnmarshalText([]byte(v)); err != nil {
			e.fail(name, err)
		}
	}
}

func (e *envReader) boolean(name string, dst **bool) {
	if v, ok := e.get(name); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.fail(name, fmt.Errorf("must be true or false (got %q)", v))
			return
		}
		*dst = &b
	}
}

func (e *envReader) integer(name string, dst *int) {
	if v, ok := e.get(name); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.fail(name, fmt.Errorf("must be an integer (got %q)", v))
			return
		}
		*dst = n
	}
}

// list splits a comma-separated value, dropping empty items.
func (e *envReader) list(name string, dst *[]string) {
	if v, ok := e.get(name); ok {
		var items []string
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		*dst = items
	}
}

// applyEnv applies the OTPGATE_* layer over c.
func (c *Config) applyEnv(e *envReader) {
	if e.str(envIssuer, &c.Issuer) {
		c.issuerSet = true
	}
	e.str(envListen, &c.Listen)
	e.str(envDataDir, &c.DataDir)
	e.str(envDatabase, &c.Database)
	e.str(envEncryptionKeyFile, &c.EncryptionKeyFile)
	e.str(envEncryptionKey, &c.EncryptionKey)
	e.list(envAcceptedKeyFiles, &c.EncryptionAcceptedKeyFiles)
	if _, text := e.get(envEncryptionKey); text {
		if _, file := e.get(envEncryptionKeyFile); file {
			e.fail(envEncryptionKey, fmt.Errorf("set either %s or %s, not both", envEncryptionKey, envEncryptionKeyFile))
		}
	}

	e.str("OTPGATE_LOG_LEVEL", &c.Log.Level)
	e.str("OTPGATE_LOG_FORMAT", &c.Log.Format)

	e.boolean("OTPGATE_LOGIN_SECURITY_QUESTION", &c.Login.SecurityQuestion)
	e.duration("OTPGATE_LOGIN_FLOW_LIFETIME", &c.Login.FlowLifetime)
	e.duration("OTPGATE_LOGIN_SESSION_LIFETIME", &c.Login.SessionLifetime)
	e.duration("OTPGATE_LOGIN_SESSION_IDLE_TIMEOUT", &c.Login.SessionIdleTimeout)
	e.integer("OTPGATE_LOGIN_MIN_PASSWORD_LENGTH", &c.Login.MinPasswordLength)

	e.duration("OTPGATE_TOKENS_ACCESS_TOKEN_LIFETIME", &c.Tokens.AccessTokenLifetime)
	e.duration("OTPGATE_TOKENS_ID_TOKEN_LIFETIME", &c.Tokens.IDTokenLifetime)
	e.duration("OTPGATE_TOKENS_REFRESH_TOKEN_LIFETIME", &c.Tokens.RefreshTokenLifetime)
	e.duration("OTPGATE_TOKENS_REFRESH_REUSE_INTERVAL", &c.Tokens.RefreshReuseInterval)
	e.str("OTPGATE_TOKENS_SIGNING_ALGORITHM", &c.Tokens.SigningAlgorithm)
	e.duration("OTPGATE_TOKENS_KEY_ACTIVATION_DELAY", &c.Tokens.KeyActivationDelay)

	e.list("OTPGATE_CORS_ALLOWED_ORIGINS", &c.CORS.AllowedOrigins)
	e.str("OTPGATE_MFA_REQUIRED", &c.MFA.Required)
	e.str("OTPGATE_MFA_ISSUER_LABEL", &c.MFA.IssuerLabel)
	e.boolean("OTPGATE_MFA_SELF_SERVICE_RESET", &c.MFA.SelfServiceReset)
	e.duration("OTPGATE_MFA_RESET_LINK_LIFETIME", &c.MFA.ResetLinkLifetime)
	e.integer("OTPGATE_MFA_RESET_MAILS_PER_HOUR", &c.MFA.ResetMailsPerHour)
	e.str("OTPGATE_MFA_ENROLLMENT_PROOF", &c.MFA.EnrollmentProof)
	e.integer("OTPGATE_MFA_REMEMBER_BROWSER_DAYS", &c.MFA.RememberBrowserDays)
	e.str("OTPGATE_SERVER_TLS_CERT_FILE", &c.Server.TLSCertFile)
	e.str("OTPGATE_SERVER_TLS_KEY_FILE", &c.Server.TLSKeyFile)
	e.list("OTPGATE_SERVER_TRUSTED_PROXIES", &c.Server.TrustedProxies)
	e.duration("OTPGATE_SERVER_SHUTDOWN_DELAY", &c.Server.ShutdownDelay)
	e.str("OTPGATE_SERVER_METRICS_LISTEN", &c.Server.MetricsListen)
	e.integer("OTPGATE_SERVER_HASH_CONCURRENCY", &c.Server.HashConcurrency)
	e.integer("OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS", &c.Lockout.PasscodeAttempts)
	e.integer("OTPGATE_LOCKOUT_LOGIN_ATTEMPTS", &c.Lockout.LoginAttempts)
	e.integer("OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP", &c.Lockout.AttemptsPerMinutePerIP)
	e.duration("OTPGATE_LOCKOUT_LOGIN_LOCK_DECAY", &c.Lockout.LoginLockDecay)
	e.integer("OTPGATE_LOCKOUT_UNKNOWN_BROWSER_LIMIT", &c.Lockout.UnknownBrowserLimit)
	e.duration("OTPGATE_LOCKOUT_KNOWN_BROWSER_LIFETIME", &c.Lockout.KnownBrowserLifetime)

	e.str("OTPGATE_MAIL_SMTP_HOST", &c.Mail.SMTPHost)
	e.integer("OTPGATE_MAIL_SMTP_PORT", &c.Mail.SMTPPort)
	e.str("OTPGATE_MAIL_SECURITY", &c.Mail.Security)
	e.str("OTPGATE_MAIL_USERNAME", &c.Mail.Username)
	e.secret(envMailPassword, &c.Mail.Password)
	e.str("OTPGATE_MAIL_FROM", &c.Mail.From)
	e.str("OTPGATE_MAIL_LANGUAGE", &c.Mail.Language)
	e.str("OTPGATE_BRANDING_PRODUCT_NAME", &c.Branding.ProductName)
	e.str("OTPGATE_BRANDING_LOGO_FILE", &c.Branding.LogoFile)
	e.str("OTPGATE_BRANDING_PRIMARY_COLOR", &c.Branding.PrimaryColor)
	e.str("OTPGATE_ENTRA_AUTHORITY", &c.Entra.Authority)
	e.str("OTPGATE_ENTRA_CA_FILE", &c.Entra.CAFile)
	e.str("OTPGATE_ENTRA_FIRST_LINK", &c.Entra.FirstLink)
	e.str("OTPGATE_MAIL_TIME_ZONE", &c.Mail.TimeZone)
}

// IgnoredVariable is an OTPGATE_* variable the configuration never read,
// with the name it may have meant ("" when none is near).
type IgnoredVariable struct {
	Name, Meant string
}

// IgnoredEnv are the OTPGATE_* variables of environ (os.Environ's form,
// NAME=value) that this configuration never read: a misspelt name, or a
// connector's variable for a connector the configuration does not have.
// Test harness switches (OTPGATE_TEST_*, OTPGATE_INTEROP_*) are not
// listed. Only names are returned, never values.
func (c *Config) IgnoredEnv(environ []string) []IgnoredVariable {
	read := make([]string, 0, len(c.envRead))
	for name := range c.envRead {
		read = append(read, name)
	}
	slices.Sort(read)
	var out []IgnoredVariable
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "OTPGATE_") || strings.HasPrefix(name, "OTPGATE_TEST_") ||
			strings.HasPrefix(name, "OTPGATE_INTEROP_") || c.envRead[name] {
			continue
		}
		meant, _ := closest(name, read)
		out = append(out, IgnoredVariable{Name: name, Meant: meant})
	}
	return out
}

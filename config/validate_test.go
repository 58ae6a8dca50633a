package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/config"
)

// validProduction returns a configuration that passes Validate outside dev mode.
func validProduction(t *testing.T) *config.Config {
	t.Helper()
	cfg := writeFile(t, "otpgate.yaml", `
issuer: https://login.example.com
encryption_key_file: /etc/otpgate/key
clients:
  - id: web
    secret: 0123456789abcdef
    redirect_uris: [https://app.example.com/cb]
`)
	c, err := config.Load(config.Overrides{ConfigFile: cfg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("baseline does not validate: %v", err)
	}
	return c
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := validProduction(t)
	c.Issuer = "http://login.example.com/"
	c.Listen = "8080"
	c.DataDir = ""
	c.Database = "mysql://db/otpgate"
	c.Log.Level = "verbose"
	c.Log.Format = "xml"
	c.Login.FlowLifetime = config.Duration{Duration: 25 * time.Hour}
	c.Login.SessionLifetime = config.Duration{}
	c.Login.MinPasswordLength = 6
	c.Tokens.AccessTokenLifetime = config.Duration{Duration: -time.Minute}
	c.Tokens.SigningAlgorithm = "HS256"
	c.Tokens.KeyActivationDelay = config.Duration{Duration: 169 * time.Hour}
	c.CORS.AllowedOrigins = []string{"https://ok.example.com", "*", "https://app.example.com/path"}
	c.MFA.Required = "sometimes"
	c.Mail = config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 0, Security: "ssl"}
	c.Clients = append(c.Clients,
		config.Client{ID: "web", Public: true, RedirectURIs: []string{"https://x.example.com/cb"}},
		config.Client{ID: "bad id!", RedirectURIs: []string{"http://app.example.com/cb"}, Secret: "short"},
		config.Client{Public: true, Secret: "public-but-has-a-secret", IDTokenSignedResponseAlg: "es256"},
		config.Client{ID: "ed", Public: true, RedirectURIs: []string{"https://x.example.com/cb"}, IDTokenSignedResponseAlg: "EdDSA"},
	)

	err := c.Validate()
	wantLines := []string{
		"issuer: must be an absolute https URL (http allowed only for 127.0.0.1/localhost/::1)",
		"issuer: must not end with a slash",
		"listen: must be host:port",
		"data_dir: must not be empty",
		`database: unsupported URL scheme "mysql"`,
		`log.level: must be one of debug, info, warn, error (got "verbose")`,
		`log.format: must be one of text, json (got "xml")`,
		"login.flow_lifetime: must be at most 24h",
		"login.session_lifetime: must be greater than 0",
		"login.min_password_length: must be between 8 and 128 (got 6)",
		"tokens.access_token_lifetime: must be greater than 0",
		`tokens.signing_algorithm: must be RS256 (got "HS256")`,
		"tokens.key_activation_delay: must be between 0 and 168h",
		"cors.allowed_origins[1]: must not be \"*\"",
		"cors.allowed_origins[2]: must be scheme://host[:port]",
		`mfa.required: must be one of always, per_user, per_client (got "sometimes")`,
		"mail.smtp_port: must be a number from 1 to 65535 (got 0)",
		`mail.security: must be one of starttls, tls, none (got "ssl")`,
		"mail.from: required when mail.smtp_host is set",
		`clients[1].id: duplicate of clients[0] ("web")`,
		"clients[2].id: must be 1-64 characters",
		"clients[2].redirect_uris[0]: http is allowed only for loopback hosts",
		"clients[2].secret: must be at least 16 characters",
		"clients[3].id: required",
		"clients[3].redirect_uris: at least one redirect URI is required",
		"clients[3].secret: a public client must not have a secret",
		`clients[3].id_token_signed_response_alg: must be one of RS256, ES256, EdDSA (got "es256")`,
	}
	assertContainsAll(t, err, wantLines...)
	if got := strings.Count(err.Error(), "\n") + 1; got != len(wantLines) {
		t.Errorf("got %d problem lines, want %d:\n%v", got, len(wantLines), err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		key, _, ok := strings.Cut(line, ": ")
		if !ok || strings.Contains(key, " ") {
			t.Errorf("line does not start with a key: %q", line)
		}
	}
}

func TestValidateDevModeVersusProduction(t *testing.T) {
	const issuerRequired = "issuer: required outside zero-config development mode"
	const keyRequired = "encryption_key_file: required outside zero-config development mode"
	tests := []struct {
		name     string
		yaml     string // "" means no file
		env      map[string]string
		want     []string // nil means valid
		wantDev  bool
		excluded []string
	}{
		{name: "zero config", wantDev: true},
		{name: "config file without issuer or key", yaml: "listen: 127.0.0.1:8080\n", want: []string{issuerRequired, keyRequired}},
		{name: "empty config file", yaml: "# empty\n", want: []string{issuerRequired, keyRequired}},
		{
			name: "issuer from env without key", env: map[string]string{"OTPGATE_ISSUER": "https://id.example.com"},
			want: []string{keyRequired}, excluded: []string{"issuer:"},
		},
		{
			name: "key text satisfies the key requirement",
			env:  map[string]string{"OTPGATE_ISSUER": "https://id.example.com", "OTPGATE_ENCRYPTION_KEY": testKeyStd},
		},
		{
			name: "malformed key text is reported",
			env:  map[string]string{"OTPGATE_ENCRYPTION_KEY": "c2hvcnQ="},
			want: []string{"OTPGATE_ENCRYPTION_KEY: must decode to 32 bytes (got 5)"}, wantDev: true,
		},
		{
			name: "issuer from env is still checked",
			env:  map[string]string{"OTPGATE_ISSUER": "http://id.example.com?x=1", "OTPGATE_ENCRYPTION_KEY_FILE": "/k"},
			want: []string{"issuer: must be an absolute https URL", "issuer: must not have a query or fragment"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ov config.Overrides
			if tc.yaml != "" {
				ov.ConfigFile = writeFile(t, "otpgate.yaml", tc.yaml)
			}
			c, err := config.Load(ov, envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.DevMode() != tc.wantDev {
				t.Errorf("DevMode() = %v, want %v", c.DevMode(), tc.wantDev)
			}
			err = c.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				return
			}
			assertContainsAll(t, err, tc.want...)
			for _, x := range tc.excluded {
				if strings.Contains(err.Error(), x) {
					t.Errorf("error unexpectedly contains %q:\n%v", x, err)
				}
			}
		})
	}
}

func TestValidateIssuer(t *testing.T) {
	tests := []struct {
		issuer string
		want   string // "" means valid
	}{
		{"https://login.example.com", ""},
		{"https://login.example.com:8443/tenant", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://localhost:8080", ""},
		{"http://[::1]:8080", ""},
		{"http://login.example.com", "must be an absolute https URL"},
		{"ftp://login.example.com", "must be an absolute https URL"},
		{"login.example.com", "must be an absolute https URL"},
		{"/relative", "must be an absolute https URL"},
		{"https://", "must be an absolute https URL"},
		{"https://login.example.com/", "must not end with a slash"},
		{"https://login.example.com/x/", "must not end with a slash"},
		{"https://login.example.com?a=b", "must not have a query or fragment"},
		{"https://login.example.com#frag", "must not have a query or fragment"},
		{"https://user:pw@login.example.com", "must not contain user info"},
	}
	for _, tc := range tests {
		c := validProduction(t)
		c.Issuer = tc.issuer
		checkOne(t, tc.issuer, c.Validate(), "issuer: "+tc.want, tc.want == "")
	}
}

func TestValidateListen(t *testing.T) {
	for listen, valid := range map[string]bool{
		"127.0.0.1:8080": true, ":8080": true, "[::1]:443": true, "localhost:65535": true,
		"8080": false, "127.0.0.1": false, "127.0.0.1:0": false, "127.0.0.1:70000": false, ":http": false, "": false,
	} {
		c := validProduction(t)
		c.Listen = listen
		checkOne(t, listen, c.Validate(), "listen: ", valid)
	}
}

func TestValidateDatabase(t *testing.T) {
	for db, valid := range map[string]bool{
		"":                                   true,
		"otpgate.db":                         true,
		"/var/lib/otpgate/otpgate.db":        true,
		"postgres://otpgate@db:5432/otpgate": true,
		"postgresql:///otpgate?host=/run/postgresql": true,
		"mysql://db/otpgate":                         false,
		"postgres://db:port/otpgate":                 false,
	} {
		c := validProduction(t)
		c.Database = db
		checkOne(t, db, c.Validate(), "database: ", valid)
	}
}

func TestValidateRedirectURIs(t *testing.T) {
	tests := []struct {
		uri  string
		want string // "" means valid
	}{
		{"https://app.example.com/cb", ""},
		{"https://app.example.com:8443/cb?tenant=a", ""},
		{"http://127.0.0.1:49152/cb", ""},
		{"http://localhost/cb", ""},
		{"http://[::1]/cb", ""},
		{"com.example.app:/oauth/callback", ""},
		{"com.example.app://callback", ""},
		{"/cb", "must be an absolute URL"},
		{"app.example.com/cb", "must be an absolute URL"},
		{"https://app.example.com/cb#x", "must not contain a fragment"},
		{"https://u:p@app.example.com/cb", "must not contain user info"},
		{"https://*.example.com/cb", "must not contain a wildcard"},
		{"https:///cb", "must have a host"},
		{"http://app.example.com/cb", "http is allowed only for loopback hosts"},
		{"http://127.0.0.1.nip.io/cb", "http is allowed only for loopback hosts"},
		{"myapp://cb", "a private-use scheme must be a reverse domain name"},
		{"javascript:alert(1)", "a private-use scheme must be a reverse domain name"},
	}
	for _, tc := range tests {
		for _, field := range []string{"redirect_uris", "post_logout_redirect_uris"} {
			c := validProduction(t)
			if field == "redirect_uris" {
				c.Clients[0].RedirectURIs = []string{"https://app.example.com/ok", tc.uri}
			} else {
				c.Clients[0].PostLogoutRedirectURIs = []string{"https://app.example.com/ok", tc.uri}
			}
			checkOne(t, field+" "+tc.uri, c.Validate(), "clients[0]."+field+"[1]: "+tc.want, tc.want == "")
		}
	}
}

func TestValidateOrigins(t *testing.T) {
	for origin, valid := range map[string]bool{
		"https://app.example.com": true, "http://localhost:3000": true, "https://[::1]:8443": true,
		"*": false, "https://*.example.com": false, "https://app.example.com/": false,
		"https://app.example.com/path": false, "https://app.example.com?x": false, "app.example.com": false,
		"ftp://app.example.com": false, "https://App.Example.com": false, "https://u@app.example.com": false,
	} {
		c := validProduction(t)
		c.CORS.AllowedOrigins = []string{origin}
		checkOne(t, origin, c.Validate(), "cors.allowed_origins[0]: ", valid)
	}
}

func TestValidateMail(t *testing.T) {
	const password = "hunter2-smtp-password"
	tests := []struct {
		name string
		mail config.Mail
		want string // "" means valid
	}{
		{"off by default", config.Default().Mail, ""},
		{"off ignores from", config.Mail{SMTPPort: 587, Security: "starttls", From: "not an address"}, ""},
		{"starttls with login", config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 587, Security: "starttls",
			Username: "u", Password: password, From: "otpgate <login@example.com>"}, ""},
		{"implicit tls", config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 465, Security: "tls", From: "login@example.com"}, ""},
		{"none to loopback", config.Mail{SMTPHost: "::1", SMTPPort: 25, Security: "none", From: "login@example.com"}, ""},
		{"none to localhost", config.Mail{SMTPHost: "localhost", SMTPPort: 25, Security: "none", From: "login@example.com"}, ""},
		{"none to a remote host", config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 25, Security: "none", From: "login@example.com"},
			"mail.security: none is allowed only when smtp_host is 127.0.0.1, ::1 or localhost"},
		{"none to a look-alike", config.Mail{SMTPHost: "127.0.0.1.nip.io", SMTPPort: 25, Security: "none", From: "login@example.com"},
			"mail.security: none is allowed only"},
		{"none with a login", config.Mail{SMTPHost: "127.0.0.1", SMTPPort: 25, Security: "none", Username: "u", From: "login@example.com"},
			"mail.username: authentication needs TLS"},
		{"unknown security", config.Mail{SMTPPort: 587, Security: "ssl"}, `mail.security: must be one of starttls, tls, none (got "ssl")`},
		{"port too big", config.Mail{SMTPPort: 65536, Security: "tls"}, "mail.smtp_port: must be a number from 1 to 65535 (got 65536)"},
		{"password without username", config.Mail{SMTPPort: 587, Security: "starttls", Password: password},
			"mail.password: set only together with mail.username"},
		{"from missing", config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 587, Security: "starttls"},
			"mail.from: required when mail.smtp_host is set"},
		{"from not an address", config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 587, Security: "starttls", From: "otpgate"},
			`mail.from: must be an email address like "otpgate <login@example.com>" (got "otpgate")`},
		{"host with port", config.Mail{SMTPHost: "smtp.example.com:587", SMTPPort: 587, Security: "starttls", From: "a@example.com"},
			"mail.smtp_host: must be a host name or IP address without a port"},
		{"host as URL", config.Mail{SMTPHost: "smtp://smtp.example.com", SMTPPort: 587, Security: "starttls", From: "a@example.com"},
			"mail.smtp_host: must be a host name or IP address, not a URL"},
	}
	for _, tc := range tests {
		c := validProduction(t)
		c.Mail = tc.mail
		err := c.Validate()
		checkOne(t, tc.name, err, tc.want, tc.want == "")
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("%s: error contains the password:\n%v", tc.name, err)
		}
		if got, want := c.Mail.Enabled(), tc.mail.SMTPHost != ""; got != want {
			t.Errorf("%s: Enabled() = %v, want %v", tc.name, got, want)
		}
	}
}

func TestValidateClientSecrets(t *testing.T) {
	const placeholder = `clients[0].secret: client "web" has a placeholder secret, not a real one: ` +
		"generate one with openssl rand -base64 32 and keep it in a file named by secret_file"
	tests := []struct {
		name   string
		client config.Client
		want   string // "" means valid
	}{
		{"confidential with secret", config.Client{Secret: "0123456789abcdef"}, ""},
		{"confidential from file", config.Client{Secret: "0123456789abcdef", SecretFile: "/s"}, ""},
		{"public without secret", config.Client{Public: true}, ""},
		{"confidential without secret", config.Client{}, "clients[0].secret: required for a confidential client"},
		{"short secret", config.Client{Secret: "0123456789abcde"}, "clients[0].secret: must be at least 16 characters"},
		{"short secret from file", config.Client{Secret: "short", SecretFile: "/s"}, "clients[0].secret_file: must be at least 16 characters"},
		{"public with secret", config.Client{Public: true, Secret: "0123456789abcdef"}, "clients[0].secret: a public client must not have a secret"},
		{"public with secret file", config.Client{Public: true, SecretFile: "/s"}, "clients[0].secret_file: a public client must not have a secret"},
		{"the example's placeholder", config.Client{Secret: "replace-with-a-long-random-secret"}, placeholder},
		{"change-me", config.Client{Secret: "change-me"}, placeholder},
		{"changeme", config.Client{Secret: "changeme"}, placeholder},
		{"CHANGE_ME", config.Client{Secret: "CHANGE_ME"}, placeholder},
		{"Change Me", config.Client{Secret: "Change Me"}, placeholder},
		{"replace-me", config.Client{Secret: "replace-me"}, placeholder},
		{"secret", config.Client{Secret: "secret"}, placeholder},
		{"client-secret", config.Client{Secret: "client-secret"}, placeholder},
		{"placeholder from a file", config.Client{Secret: "change-me", SecretFile: "/s"},
			`clients[0].secret_file: client "web" has a placeholder secret, not a real one: generate one with openssl rand -base64 32`},
		{"a real secret with the word in it", config.Client{Secret: "secret-0123456789abcdef"}, ""},
		{"a real secret that starts like the example's", config.Client{Secret: "replace-with-a-long-random-secret-Qx81"}, ""},
	}
	for _, tc := range tests {
		c := validProduction(t)
		tc.client.ID = "web"
		tc.client.RedirectURIs = []string{"https://app.example.com/cb"}
		c.Clients = []config.Client{tc.client}
		checkOne(t, tc.name, c.Validate(), tc.want, tc.want == "")
	}
}

func TestValidateClientIDs(t *testing.T) {
	long := strings.Repeat("a", 65)
	for id, valid := range map[string]bool{
		"web": true, "com.example.app_1-b": true, strings.Repeat("a", 64): true,
		long: false, "has space": false, "slash/y": false, "ünïcode": false,
		"otpgate-console": false, "otpgate-account": false, "otpgate-demo": true,
	} {
		c := validProduction(t)
		c.Clients[0].ID = id
		checkOne(t, id, c.Validate(), "clients[0].id: ", valid)
	}
}

// checkOne asserts that err is nil when valid, and otherwise contains want.
func checkOne(t *testing.T, input string, err error, want string, valid bool) {
	t.Helper()
	switch {
	case valid && err != nil:
		t.Errorf("%q: unexpected problems:\n%v", input, err)
	case !valid && err == nil:
		t.Errorf("%q: accepted, want %q", input, want)
	case !valid && !strings.Contains(err.Error(), want):
		t.Errorf("%q: error does not contain %q:\n%v", input, want, err)
	}
}

// TestEnrollmentProof: mfa.enrollment_proof defaults to a proof the
// password and answer do not give — email when mail is configured, admin
// otherwise — and to none (trust on first use) only in zero-config
// development mode or when written; email without mail is refused.
func TestEnrollmentProof(t *testing.T) {
	smtp := config.Mail{SMTPHost: "smtp.example.com", SMTPPort: 587, Security: "starttls", From: "login@example.com"}
	tests := []struct {
		name    string
		proof   string
		mail    config.Mail
		want    string // effective value
		invalid string // "" means valid
	}{
		{"default without mail", "", config.Default().Mail, "admin", ""},
		{"default with mail", "", smtp, "email", ""},
		{"explicit none", "none", smtp, "none", ""},
		{"explicit admin with mail", "admin", smtp, "admin", ""},
		{"email with mail", "email", smtp, "email", ""},
		{"email without mail", "email", config.Default().Mail, "email",
			"mfa.enrollment_proof: email needs a mail server (mail.smtp_host)"},
		{"unknown", "sms", smtp, "sms", `mfa.enrollment_proof: must be one of email, admin, none (got "sms")`},
	}
	for _, tc := range tests {
		c := validProduction(t)
		c.MFA.EnrollmentProof, c.Mail = tc.proof, tc.mail
		checkOne(t, tc.name, c.Validate(), tc.invalid, tc.invalid == "")
		if got := c.EffectiveEnrollmentProof(); got != tc.want {
			t.Errorf("%s: effective %q, want %q", tc.name, got, tc.want)
		}
	}
	dev, err := config.Load(config.Overrides{}, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !dev.DevMode() || dev.EffectiveEnrollmentProof() != "none" {
		t.Errorf("zero-config development mode: dev %v, effective %q", dev.DevMode(), dev.EffectiveEnrollmentProof())
	}
	env, err := config.Load(config.Overrides{}, envMap(map[string]string{"OTPGATE_MFA_ENROLLMENT_PROOF": "admin"}))
	if err != nil || env.EffectiveEnrollmentProof() != "admin" {
		t.Errorf("from the environment: %v, %q", err, env.EffectiveEnrollmentProof())
	}
}

func TestValidateMetricsListen(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"", ""},
		{"127.0.0.1:9464", ""},
		{":9464", ""},
		{"9464", "server.metrics_listen: must be host:port"},
		{"127.0.0.1:0", "server.metrics_listen: port must be a number from 1 to 65535"},
		{"127.0.0.1:8080", "server.metrics_listen: must differ from listen"},
	} {
		c := validProduction(t)
		c.Listen, c.Server.MetricsListen = "127.0.0.1:8080", tc.addr
		checkOne(t, tc.addr, c.Validate(), tc.want, tc.want == "")
	}
}

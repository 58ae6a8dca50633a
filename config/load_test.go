package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/config"
)

const layeredYAML = `
issuer: https://file.example.com
listen: 127.0.0.1:7000
data_dir: /var/lib/from-file
log:
  level: debug
login:
  security_question: false
  flow_lifetime: 10m
  min_password_length: 16
tokens:
  id_token_lifetime: 30m
cors:
  allowed_origins: [https://file.example.com]
mfa:
  required: always
mail:
  smtp_host: smtp.file.example.com
  security: tls
  username: file-user
  from: otpgate <file@example.com>
`

func TestLoadLayers(t *testing.T) {
	file := writeFile(t, "otpgate.yaml", layeredYAML)
	tests := []struct {
		name  string
		env   map[string]string
		ov    config.Overrides
		check func(t *testing.T, c *config.Config)
	}{
		{
			name: "YAML overrides defaults and keeps the rest",
			ov:   config.Overrides{ConfigFile: file},
			check: func(t *testing.T, c *config.Config) {
				want(t, "issuer", c.Issuer, "https://file.example.com")
				want(t, "listen", c.Listen, "127.0.0.1:7000")
				want(t, "data_dir", c.DataDir, "/var/lib/from-file")
				want(t, "log.level", c.Log.Level, "debug")
				want(t, "log.format (default)", c.Log.Format, "text")
				want(t, "login.security_question", c.Login.QuestionEnabled(), false)
				want(t, "login.flow_lifetime", c.Login.FlowLifetime.Duration, 10*time.Minute)
				want(t, "login.session_lifetime (default)", c.Login.SessionLifetime.Duration, 12*time.Hour)
				want(t, "login.min_password_length", c.Login.MinPasswordLength, 16)
				want(t, "tokens.id_token_lifetime", c.Tokens.IDTokenLifetime.Duration, 30*time.Minute)
				want(t, "tokens.access_token_lifetime (default)", c.Tokens.AccessTokenLifetime.Duration, 15*time.Minute)
				want(t, "cors", strings.Join(c.CORS.AllowedOrigins, ","), "https://file.example.com")
				want(t, "mfa.required", c.MFA.Required, "always")
				want(t, "mail.smtp_host", c.Mail.SMTPHost, "smtp.file.example.com")
				want(t, "mail.smtp_port (default)", c.Mail.SMTPPort, 587)
				want(t, "mail.security", c.Mail.Security, "tls")
				want(t, "mail.username", c.Mail.Username, "file-user")
				want(t, "mail.password (default)", c.Mail.Password, "")
				want(t, "mail.from", c.Mail.From, "otpgate <file@example.com>")
				want(t, "mail enabled", c.Mail.Enabled(), true)
				want(t, "config file", c.ConfigFileUsed(), file)
			},
		},
		{
			name: "env overrides YAML",
			ov:   config.Overrides{ConfigFile: file},
			env: map[string]string{
				"OTPGATE_ISSUER":                        "https://env.example.com",
				"OTPGATE_LISTEN":                        ":9090",
				"OTPGATE_DATA_DIR":                      "/env/data",
				"OTPGATE_DATABASE":                      "postgres://db/otpgate",
				"OTPGATE_ENCRYPTION_KEY_FILE":           "/env/key",
				"OTPGATE_LOG_LEVEL":                     "warn",
				"OTPGATE_LOG_FORMAT":                    "json",
				"OTPGATE_LOGIN_SECURITY_QUESTION":       "true",
				"OTPGATE_LOGIN_FLOW_LIFETIME":           "5m",
				"OTPGATE_LOGIN_SESSION_LIFETIME":        "1h",
				"OTPGATE_LOGIN_MIN_PASSWORD_LENGTH":     "20",
				"OTPGATE_TOKENS_ACCESS_TOKEN_LIFETIME":  "2m",
				"OTPGATE_TOKENS_ID_TOKEN_LIFETIME":      "3m",
				"OTPGATE_TOKENS_REFRESH_TOKEN_LIFETIME": "24h",
				"OTPGATE_TOKENS_SIGNING_ALGORITHM":      "ES256",
				"OTPGATE_CORS_ALLOWED_ORIGINS":          " https://a.example.com, ,https://b.example.com ",
				"OTPGATE_MFA_REQUIRED":                  "per_client",
				"OTPGATE_MAIL_SMTP_HOST":                "127.0.0.1",
				"OTPGATE_MAIL_SMTP_PORT":                "2525",
				"OTPGATE_MAIL_SECURITY":                 "none",
				"OTPGATE_MAIL_USERNAME":                 "env-user",
				"OTPGATE_MAIL_PASSWORD":                 " pass word \n",
				"OTPGATE_MAIL_FROM":                     "env@example.com",
			},
			check: func(t *testing.T, c *config.Config) {
				want(t, "issuer", c.Issuer, "https://env.example.com")
				want(t, "listen", c.Listen, ":9090")
				want(t, "data_dir", c.DataDir, "/env/data")
				want(t, "database", c.Database, "postgres://db/otpgate")
				want(t, "encryption_key_file", c.EncryptionKeyFile, "/env/key")
				want(t, "log.level", c.Log.Level, "warn")
				want(t, "log.format", c.Log.Format, "json")
				want(t, "login.security_question", c.Login.QuestionEnabled(), true)
				want(t, "login.flow_lifetime", c.Login.FlowLifetime.Duration, 5*time.Minute)
				want(t, "login.session_lifetime", c.Login.SessionLifetime.Duration, time.Hour)
				want(t, "login.min_password_length", c.Login.MinPasswordLength, 20)
				want(t, "tokens.access_token_lifetime", c.Tokens.AccessTokenLifetime.Duration, 2*time.Minute)
				want(t, "tokens.id_token_lifetime", c.Tokens.IDTokenLifetime.Duration, 3*time.Minute)
				want(t, "tokens.refresh_token_lifetime", c.Tokens.RefreshTokenLifetime.Duration, 24*time.Hour)
				want(t, "tokens.signing_algorithm", c.Tokens.SigningAlgorithm, "ES256")
				want(t, "cors", strings.Join(c.CORS.AllowedOrigins, ","), "https://a.example.com,https://b.example.com")
				want(t, "mfa.required", c.MFA.Required, "per_client")
				want(t, "mail.smtp_host", c.Mail.SMTPHost, "127.0.0.1")
				want(t, "mail.smtp_port", c.Mail.SMTPPort, 2525)
				want(t, "mail.security", c.Mail.Security, "none")
				want(t, "mail.username", c.Mail.Username, "env-user")
				want(t, "mail.password keeps its spaces", c.Mail.Password, " pass word ")
				want(t, "mail.from", c.Mail.From, "env@example.com")
			},
		},
		{
			name: "empty env values are unset",
			ov:   config.Overrides{ConfigFile: file},
			env:  map[string]string{"OTPGATE_LISTEN": "", "OTPGATE_LOG_LEVEL": "  ", "OTPGATE_LOGIN_FLOW_LIFETIME": ""},
			check: func(t *testing.T, c *config.Config) {
				want(t, "listen", c.Listen, "127.0.0.1:7000")
				want(t, "log.level", c.Log.Level, "debug")
				want(t, "login.flow_lifetime", c.Login.FlowLifetime.Duration, 10*time.Minute)
			},
		},
		{
			name: "flags override env",
			env: map[string]string{
				"OTPGATE_CONFIG":         "/does/not/exist.yaml",
				"OTPGATE_ISSUER":         "https://env.example.com",
				"OTPGATE_LISTEN":         ":9090",
				"OTPGATE_DATA_DIR":       "/env/data",
				"OTPGATE_DATABASE":       "/env/db.sqlite",
				"OTPGATE_ENCRYPTION_KEY": testKeyHex,
			},
			ov: config.Overrides{
				ConfigFile:        file,
				Issuer:            "https://flag.example.com",
				Listen:            "127.0.0.1:1234",
				DataDir:           "/flag/data",
				Database:          "postgres://flag/otpgate",
				EncryptionKeyFile: "/flag/key",
			},
			check: func(t *testing.T, c *config.Config) {
				want(t, "config file", c.ConfigFileUsed(), file)
				want(t, "issuer", c.Issuer, "https://flag.example.com")
				want(t, "listen", c.Listen, "127.0.0.1:1234")
				want(t, "data_dir", c.DataDir, "/flag/data")
				want(t, "database", c.Database, "postgres://flag/otpgate")
				want(t, "encryption_key_file", c.EncryptionKeyFile, "/flag/key")
				want(t, "encryption key text dropped for the flag's file", c.EncryptionKey, "")
			},
		},
		{
			name: "env key text is kept without the flag",
			env:  map[string]string{"OTPGATE_ENCRYPTION_KEY": testKeyHex},
			check: func(t *testing.T, c *config.Config) {
				want(t, "encryption key", c.EncryptionKey, testKeyHex)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load(tc.ov, envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoadAcceptsEmptyFiles(t *testing.T) {
	for name, content := range map[string]string{
		"empty":         "",
		"comments only": "# nothing here yet\n",
		"bare document": "---\n",
		"null sections": "log:\nlogin:\nclients:\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := config.Load(config.Overrides{ConfigFile: writeFile(t, "c.yaml", content)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "log.level", c.Log.Level, "info")
			want(t, "listen", c.Listen, "127.0.0.1:8080")
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string // "" means no file
		env  map[string]string
		want []string
	}{
		{
			name: "unknown top-level key",
			yaml: "issuer: https://x.example.com\nlisten_addr: :80\n",
			want: []string{`listen_addr: unknown key (line 2)`},
		},
		{
			name: "unknown keys are all named with their path",
			yaml: "log:\n  levl: debug\nclients:\n  - id: a\n  - id: b\n    secrte: x\n",
			want: []string{"log.levl: unknown key (line 2); did you mean log.level?\n" +
				"clients[1].secrte: unknown key (line 6); did you mean clients[1].secret?"},
		},
		{
			name: "encryption key text is not a file key",
			yaml: "encryption_key: abc\n",
			want: []string{"encryption_key: unknown key (line 1); the key itself is never read from the file: use encryption_key_file or OTPGATE_ENCRYPTION_KEY"},
		},
		{
			name: "bad duration names its line",
			yaml: "login:\n  flow_lifetime: 15 minutes\n",
			want: []string{`login.flow_lifetime: invalid duration "15 minutes" (line 2); use a value like 15m or 1h30m`},
		},
		{
			name: "wrong type",
			yaml: "login:\n  min_password_length: twelve\n",
			want: []string{`login.min_password_length: must be a whole number, not "twelve" (line 2)`},
		},
		{
			name: "syntax error",
			yaml: "log:\n  level: [\n",
			want: []string{"config file", "yaml:"},
		},
		{
			name: "two documents",
			yaml: "listen: :80\n---\nlisten: :81\n",
			want: []string{"only one YAML document"},
		},
		{
			name: "missing config file",
			env:  map[string]string{"OTPGATE_CONFIG": "/no/such/otpgate.yaml"},
			want: []string{"config file /no/such/otpgate.yaml: not found"},
		},
		{
			name: "every malformed env value at once",
			env: map[string]string{
				"OTPGATE_LOGIN_FLOW_LIFETIME":       "soon",
				"OTPGATE_LOGIN_SECURITY_QUESTION":   "maybe",
				"OTPGATE_LOGIN_MIN_PASSWORD_LENGTH": "ten",
				"OTPGATE_MAIL_SMTP_PORT":            "submission",
			},
			want: []string{
				`OTPGATE_LOGIN_FLOW_LIFETIME: invalid duration "soon"`,
				`OTPGATE_LOGIN_SECURITY_QUESTION: must be true or false`,
				`OTPGATE_LOGIN_MIN_PASSWORD_LENGTH: must be an integer`,
				`OTPGATE_MAIL_SMTP_PORT: must be an integer`,
			},
		},
		{
			name: "database and database file",
			env:  map[string]string{"OTPGATE_DATABASE": "a.db", "OTPGATE_DATABASE_FILE": "/run/secrets/dsn"},
			want: []string{"OTPGATE_DATABASE_FILE: set either OTPGATE_DATABASE or OTPGATE_DATABASE_FILE, not both"},
		},
		{
			name: "mail password and mail password file",
			env:  map[string]string{"OTPGATE_MAIL_PASSWORD": "pw", "OTPGATE_MAIL_PASSWORD_FILE": "/run/secrets/smtp"},
			want: []string{"OTPGATE_MAIL_PASSWORD_FILE: set either OTPGATE_MAIL_PASSWORD or OTPGATE_MAIL_PASSWORD_FILE, not both"},
		},
		{
			name: "missing mail password file",
			env:  map[string]string{"OTPGATE_MAIL_PASSWORD_FILE": "/no/such/smtp"},
			want: []string{"OTPGATE_MAIL_PASSWORD_FILE: file /no/such/smtp: not found"},
		},
		{
			name: "key text and key file",
			env:  map[string]string{"OTPGATE_ENCRYPTION_KEY": testKeyHex, "OTPGATE_ENCRYPTION_KEY_FILE": "/k"},
			want: []string{"set either OTPGATE_ENCRYPTION_KEY or OTPGATE_ENCRYPTION_KEY_FILE"},
		},
		{
			name: "missing database file",
			env:  map[string]string{"OTPGATE_DATABASE_FILE": "/no/such/dsn"},
			want: []string{"OTPGATE_DATABASE_FILE: file /no/such/dsn: not found"},
		},
		{
			name: "missing client secret file",
			yaml: "clients:\n  - id: a\n    secret_file: /no/such/secret\n",
			want: []string{"clients[0].secret_file: file /no/such/secret: not found"},
		},
		{
			name: "client secret and secret file",
			yaml: "clients:\n  - id: a\n    secret: abcdefghijklmnopqrstuvwxyz\n    secret_file: /run/secrets/a\n",
			want: []string{"clients[0].secret_file: set either secret or secret_file, not both"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ov config.Overrides
			if tc.yaml != "" {
				ov.ConfigFile = writeFile(t, "otpgate.yaml", tc.yaml)
			}
			c, err := config.Load(ov, envMap(tc.env))
			if c != nil {
				t.Errorf("Load returned a config with an error")
			}
			assertContainsAll(t, err, tc.want...)
		})
	}
}

func TestSecretFiles(t *testing.T) {
	dsnFile := writeFile(t, "dsn", "postgres://otpgate:s3cret@db/otpgate\n")
	secretFile := writeFile(t, "client-secret", "0123456789abcdef-from-file\r\n")
	cfg := writeFile(t, "otpgate.yaml", "clients:\n  - id: web\n    secret_file: "+secretFile+"\n    redirect_uris: [https://app.example.com/cb]\n")

	c, err := config.Load(config.Overrides{ConfigFile: cfg}, envMap(map[string]string{"OTPGATE_DATABASE_FILE": dsnFile}))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "database", c.Database, "postgres://otpgate:s3cret@db/otpgate")
	want(t, "client secret", c.Clients[0].Secret, "0123456789abcdef-from-file")

	passwordFile := writeFile(t, "smtp-password", "smtp password\n")
	c, err = config.Load(config.Overrides{ConfigFile: writeFile(t, "otpgate.yaml", "mail:\n  password: from-yaml\n")},
		envMap(map[string]string{"OTPGATE_MAIL_PASSWORD_FILE": passwordFile}))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "mail password file beats the YAML", c.Mail.Password, "smtp password")

	c, err = config.Load(config.Overrides{ConfigFile: cfg, Database: "flag.db"}, envMap(map[string]string{"OTPGATE_DATABASE_FILE": dsnFile}))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "database flag beats the file", c.Database, "flag.db")

	empty := writeFile(t, "empty", "\n")
	_, err = config.Load(config.Overrides{}, envMap(map[string]string{"OTPGATE_DATABASE_FILE": empty}))
	assertContainsAll(t, err, "OTPGATE_DATABASE_FILE: file "+empty+": is empty")
}

func want[T comparable](t *testing.T, what string, got, wantValue T) {
	t.Helper()
	if got != wantValue {
		t.Errorf("%s = %v, want %v", what, got, wantValue)
	}
}

// TestIgnoredEnv: a variable no key reads is named (never its value), with
// the one it probably meant; the variables read, the harness's switches
// and other programs' variables are not.
func TestIgnoredEnv(t *testing.T) {
	env := map[string]string{"OTPGATE_MFA_REMEMBER_BROWSER_DAY": "30", "OTPGATE_LOG_LEVEL": "debug"}
	c, err := config.Load(config.Overrides{}, envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	got := c.IgnoredEnv([]string{
		"OTPGATE_MFA_REMEMBER_BROWSER_DAY=30",
		"OTPGATE_LOG_LEVEL=debug",
		"OTPGATE_MAIL_PASSWORD=hunter2-secret", // read (a secret): never listed
		"OTPGATE_TEST_POSTGRES_DSN=postgres://x",
		"OTPGATE_INTEROP_JOURNEYS=.",
		"OTPGATE_CONFIG=",
		"HOME=/root",
		"OTPGATE_WHATEVER=hunter2-secret",
	})
	want := []config.IgnoredVariable{{Name: "OTPGATE_MFA_REMEMBER_BROWSER_DAY", Meant: "OTPGATE_MFA_REMEMBER_BROWSER_DAYS"}, {Name: "OTPGATE_WHATEVER"}}
	if !slices.Equal(got, want) {
		t.Fatalf("IgnoredEnv = %+v, want %+v", got, want)
	}
	if got := c.IgnoredEnv(nil); got != nil {
		t.Fatalf("nothing ignored: %+v", got)
	}
}

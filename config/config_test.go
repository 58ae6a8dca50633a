package config_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/otpgate/otpgate/config"
)

func TestDefault(t *testing.T) {
	c := config.Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"issuer", c.Issuer, ""},
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"data_dir", c.DataDir, "data"},
		{"database", c.Database, ""},
		{"log.level", c.Log.Level, "info"},
		{"log.format", c.Log.Format, "text"},
		{"login.security_question", c.Login.QuestionEnabled(), true},
		{"login.flow_lifetime", c.Login.FlowLifetime.Duration, 15 * time.Minute},
		{"login.session_lifetime", c.Login.SessionLifetime.Duration, 12 * time.Hour},
		{"login.min_password_length", c.Login.MinPasswordLength, 12},
		{"tokens.access_token_lifetime", c.Tokens.AccessTokenLifetime.Duration, 15 * time.Minute},
		{"tokens.id_token_lifetime", c.Tokens.IDTokenLifetime.Duration, time.Hour},
		{"tokens.refresh_token_lifetime", c.Tokens.RefreshTokenLifetime.Duration, 720 * time.Hour},
		{"login.session_idle_timeout", c.Login.SessionIdleTimeout.Duration, 30 * time.Minute},
		{"tokens.refresh_reuse_interval", c.Tokens.RefreshReuseInterval.Duration, 5 * time.Second},
		{"tokens.signing_algorithm", c.Tokens.SigningAlgorithm, "RS256"},
		{"tokens.key_activation_delay", c.Tokens.KeyActivationDelay.Duration, 48 * time.Hour},
		{"mfa.required", c.MFA.Required, "per_user"},
		{"cors.allowed_origins", len(c.CORS.AllowedOrigins), 0},
		{"clients", len(c.Clients), 0},
		{"dev mode", c.DevMode(), true},
		{"config file", c.ConfigFileUsed(), ""},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	if c2 := config.Default(); c2.Login.SecurityQuestion == c.Login.SecurityQuestion {
		t.Error("Default shares the SecurityQuestion pointer between calls")
	}
}

func TestQuestionEnabled(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		v    *bool
		want bool
	}{{nil, true}, {&yes, true}, {&no, false}} {
		if got := (config.Login{SecurityQuestion: tc.v}).QuestionEnabled(); got != tc.want {
			t.Errorf("QuestionEnabled(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestDevModeAndEffectiveIssuer(t *testing.T) {
	emptyFile := writeFile(t, "empty.yaml", "")
	tests := []struct {
		name        string
		env         map[string]string
		ov          config.Overrides
		wantDev     bool
		wantIssuer  string
		wantCfgFile string
	}{
		{name: "nothing set", wantDev: true, wantIssuer: "http://127.0.0.1:8080"},
		{name: "listen port only", ov: config.Overrides{Listen: ":9000"}, wantDev: true, wantIssuer: "http://127.0.0.1:9000"},
		{name: "listen all IPv4", env: map[string]string{"OTPGATE_LISTEN": "0.0.0.0:8081"}, wantDev: true, wantIssuer: "http://127.0.0.1:8081"},
		{name: "listen all IPv6", ov: config.Overrides{Listen: "[::]:8080"}, wantDev: true, wantIssuer: "http://[::1]:8080"},
		{name: "listen localhost", ov: config.Overrides{Listen: "localhost:8080"}, wantDev: true, wantIssuer: "http://localhost:8080"},
		{name: "empty issuer env is unset", env: map[string]string{"OTPGATE_ISSUER": ""}, wantDev: true, wantIssuer: "http://127.0.0.1:8080"},
		{name: "issuer from env", env: map[string]string{"OTPGATE_ISSUER": "https://id.example.com"}, wantIssuer: "https://id.example.com"},
		{name: "issuer from flag", ov: config.Overrides{Issuer: "https://id.example.com"}, wantIssuer: "https://id.example.com"},
		{name: "empty config file", ov: config.Overrides{ConfigFile: emptyFile}, wantIssuer: "", wantCfgFile: emptyFile},
		{name: "config file from env", env: map[string]string{"OTPGATE_CONFIG": emptyFile}, wantIssuer: "", wantCfgFile: emptyFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load(tc.ov, envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.DevMode(); got != tc.wantDev {
				t.Errorf("DevMode() = %v, want %v", got, tc.wantDev)
			}
			if got := c.EffectiveIssuer(); got != tc.wantIssuer {
				t.Errorf("EffectiveIssuer() = %q, want %q", got, tc.wantIssuer)
			}
			if got := c.ConfigFileUsed(); got != tc.wantCfgFile {
				t.Errorf("ConfigFileUsed() = %q, want %q", got, tc.wantCfgFile)
			}
		})
	}
}

func TestDevModeSurvivesDerivedIssuer(t *testing.T) {
	c, err := config.Load(config.Overrides{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Issuer = c.EffectiveIssuer() // what cmd/otpgate does after Validate
	if !c.DevMode() {
		t.Error("assigning the derived issuer left dev mode")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("derived issuer does not validate: %v", err)
	}
}

func TestDatabaseDSN(t *testing.T) {
	tests := []struct {
		database, dataDir      string
		wantDriver, wantSource string
	}{
		{"", "data", "sqlite", filepath.Join("data", "otpgate.db")},
		{"", "/var/lib/otpgate", "sqlite", "/var/lib/otpgate/otpgate.db"},
		{"/srv/otpgate.sqlite", "data", "sqlite", "/srv/otpgate.sqlite"},
		{"postgres://u:p@db/otpgate", "data", "postgres", "postgres://u:p@db/otpgate"},
		{"postgresql://db/otpgate?sslmode=require", "data", "postgres", "postgresql://db/otpgate?sslmode=require"},
		{"POSTGRES://db/otpgate", "data", "postgres", "POSTGRES://db/otpgate"},
	}
	for _, tc := range tests {
		c := config.Default()
		c.Database, c.DataDir = tc.database, tc.dataDir
		driver, dsn := c.DatabaseDSN()
		if driver != tc.wantDriver || dsn != tc.wantSource {
			t.Errorf("DatabaseDSN(%q, %q) = (%q, %q), want (%q, %q)",
				tc.database, tc.dataDir, driver, dsn, tc.wantDriver, tc.wantSource)
		}
	}
}

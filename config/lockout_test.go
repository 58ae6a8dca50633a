package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/config"
)

func TestLockoutAndResetSettings(t *testing.T) {
	c, err := config.Load(config.Overrides{}, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lockout != (config.Lockout{PasscodeAttempts: 5, LoginAttempts: 10, AttemptsPerMinutePerIP: 30,
		LoginLockDecay: config.Duration{time.Hour}, UnknownBrowserLimit: 100, KnownBrowserLifetime: config.Duration{2160 * time.Hour}}) ||
		!c.MFA.SelfServiceResetEnabled() || c.MFA.ResetLinkLifetime.Duration != 15*time.Minute || c.MFA.ResetMailsPerHour != 3 {
		t.Fatalf("defaults: %+v %+v", c.Lockout, c.MFA)
	}
	c, err = config.Load(config.Overrides{}, envMap(map[string]string{
		"OTPGATE_LOCKOUT_PASSCODE_ATTEMPTS":          "3",
		"OTPGATE_LOCKOUT_LOGIN_ATTEMPTS":             "20",
		"OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP": "0",
		"OTPGATE_MFA_SELF_SERVICE_RESET":             "false",
		"OTPGATE_MFA_RESET_LINK_LIFETIME":            "5m",
		"OTPGATE_MFA_RESET_MAILS_PER_HOUR":           "7",
		"OTPGATE_LOCKOUT_LOGIN_LOCK_DECAY":           "30m",
		"OTPGATE_LOCKOUT_UNKNOWN_BROWSER_LIMIT":      "50",
		"OTPGATE_LOCKOUT_KNOWN_BROWSER_LIFETIME":     "720h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lockout != (config.Lockout{PasscodeAttempts: 3, LoginAttempts: 20, LoginLockDecay: config.Duration{30 * time.Minute},
		UnknownBrowserLimit: 50, KnownBrowserLifetime: config.Duration{720 * time.Hour}}) || c.MFA.SelfServiceResetEnabled() ||
		c.MFA.ResetLinkLifetime.Duration != 5*time.Minute || c.MFA.ResetMailsPerHour != 7 {
		t.Fatalf("from env: %+v %+v", c.Lockout, c.MFA)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	c.Lockout = config.Lockout{PasscodeAttempts: 0, LoginAttempts: -1, AttemptsPerMinutePerIP: -5, UnknownBrowserLimit: 101}
	c.MFA.ResetLinkLifetime = config.Duration{48 * time.Hour}
	c.MFA.ResetMailsPerHour = 0
	err = c.Validate()
	for _, key := range []string{"lockout.passcode_attempts", "lockout.login_attempts", "lockout.attempts_per_minute_per_ip",
		"lockout.login_lock_decay", "lockout.unknown_browser_limit", "lockout.known_browser_lifetime",
		"mfa.reset_link_lifetime", "mfa.reset_mails_per_hour"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate does not report %s: %v", key, err)
		}
	}
}

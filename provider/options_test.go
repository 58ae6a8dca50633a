package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider"
)

// TestOptionsPolicyHasNoHiddenDefaults: the policy's defaults live in
// config.Default only; options that leave it unset are refused, naming
// every missing setting, instead of running with values nobody chose.
func TestOptionsPolicyHasNoHiddenDefaults(t *testing.T) {
	t.Parallel()
	_, err := provider.New(context.Background(), provider.Options{Issuer: "http://127.0.0.1:1", Store: openStore(t)})
	if err == nil {
		t.Fatal("a provider started without its lockout and MFA policy")
	}
	for _, name := range []string{"AttemptsPerMinute", "EnrollmentProof", "KnownBrowserLifetime", "LoginAttempts", "LoginLockDecay", "MFAPolicy", "OTPAttempts",
		"ResetLinkLifetime", "ResetMailsPerHour", "TOTPIssuer", "UnknownBrowserLimit"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

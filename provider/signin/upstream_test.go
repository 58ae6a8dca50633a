package signin

import (
	"slices"
	"testing"
)

func TestUpstreamMethods(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"pwd"}, []string{"pwd"}},
		{[]string{"pwd", "mfa", "otp"}, []string{"pwd", "otp"}},
		{[]string{"ext", "pwd", "pwd", "has space", "", "x\u00e9"}, []string{"pwd"}},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
	} {
		if got := upstreamMethods(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("upstreamMethods(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUpstreamAMRACR(t *testing.T) {
	for _, tc := range []struct {
		name         string
		upstream     []string
		otp, trusted bool
		wantAMR      []string
		wantACR      string
	}{
		{"first factor only", []string{"pwd"}, false, false, []string{"ext", "pwd"}, ACRPassword},
		{"our passcode", []string{"pwd"}, true, false, []string{"ext", "pwd", "otp", "mfa"}, ACRMFA},
		{"trusted upstream MFA", []string{"pwd"}, false, true, []string{"ext", "pwd", "mfa"}, ACRMFA},
		{"an upstream otp is said once", []string{"pwd", "otp"}, true, false, []string{"ext", "pwd", "otp", "mfa"}, ACRMFA},
		{"no upstream methods", nil, false, false, []string{"ext"}, ACRPassword},
	} {
		amr, acr := upstreamAMRACR(tc.upstream, tc.otp, tc.trusted)
		if !slices.Equal(amr, tc.wantAMR) || acr != tc.wantACR {
			t.Errorf("%s: %q %q, want %q %q", tc.name, amr, acr, tc.wantAMR, tc.wantACR)
		}
	}
}

package connector

import "testing"

func TestMFATrustAccepts(t *testing.T) {
	const strong = "urn:upstream:mfa"
	for _, tc := range []struct {
		name  string
		trust MFATrust
		amr   []string
		acr   string
		want  bool
	}{
		{"not trusted", MFATrust{}, []string{"pwd", "mfa"}, strong, false},
		{"trusted, mfa", MFATrust{Trust: true}, []string{"pwd", "mfa"}, "", true},
		{"trusted, password only", MFATrust{Trust: true}, []string{"pwd"}, strong, false},
		{"a method name is not a second factor", MFATrust{Trust: true}, []string{"otp"}, "", false},
		{"hardware key alone", MFATrust{Trust: true}, []string{"hwk"}, "", false},
		{"acr among the configured", MFATrust{Trust: true, ACRValues: []string{"urn:a", strong}}, []string{"mfa"}, strong, true},
		{"acr not among them", MFATrust{Trust: true, ACRValues: []string{"urn:a"}}, []string{"mfa"}, strong, false},
		{"acr missing", MFATrust{Trust: true, ACRValues: []string{strong}}, []string{"mfa"}, "", false},
	} {
		if got := tc.trust.Accepts(tc.amr, tc.acr); got != tc.want {
			t.Errorf("%s: Accepts = %v, want %v", tc.name, got, tc.want)
		}
	}
}

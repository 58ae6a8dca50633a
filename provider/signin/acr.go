package signin

import (
	"slices"
	"strings"

	"github.com/otpgate/otpgate/provider/store"
)

// Authentication context class references (acr) otpgate issues and accepts
// in acr_values.
const (
	// ACRMFA: a password (and the security question, when on) plus a TOTP
	// passcode. This is the OpenID PAPE multi-factor policy URI, which
	// relying parties recognise.
	ACRMFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
	// ACRPassword: the first factor only.
	ACRPassword = "urn:otpgate:acr:password"
)

// ACRSecondFactor: a TOTP passcode alone, for a caller that performed
// the first factor itself (a factor-only client).
const ACRSecondFactor = "urn:otpgate:acr:second-factor"

// ACRRememberedBrowser: a password (and the security question, when on)
// in a browser the person let skip the passcode after passing one on an
// earlier sign-in (a remembered browser): weaker than ACRMFA, which a
// remembered browser never gives.
const ACRRememberedBrowser = "urn:otpgate:acr:remembered-browser"

// SupportedACRs lists the acr values, weakest first.
var SupportedACRs = []string{ACRPassword, ACRSecondFactor, ACRRememberedBrowser, ACRMFA}

// MFA policies (configuration mfa.required).
const (
	MFAAlways    = "always"
	MFAPerUser   = "per_user"
	MFAPerClient = "per_client"
)

// Enrollment proofs (configuration mfa.enrollment_proof): what a person
// must show, besides the password and answer, before enrolling a first
// device.
const (
	// EnrollProofEmail: a single-use link mailed to the account's address,
	// opened in the browser of the waiting sign-in (or an administrator's
	// enrollment code).
	EnrollProofEmail = "email"
	// EnrollProofAdmin: the one-time enrollment code an administrator
	// issues.
	EnrollProofAdmin = "admin"
	// EnrollProofNone: trust on first use; whoever knows the password and
	// answer enrols.
	EnrollProofNone = "none"
)

// WantsMFA reports whether a request's space-separated acr_values ask for
// the multi-factor level. The values are in order of preference; any
// mention of the MFA value means the person must pass a second factor.
func WantsMFA(acrValues string) bool {
	for _, v := range strings.Fields(acrValues) {
		if v == ACRMFA {
			return true
		}
	}
	return false
}

// amrACR is what a flow proved: the methods in the order performed and the
// acr they add up to (RFC 8176 method names).
func amrACR(question, otp bool) ([]string, string) {
	amr := []string{"pwd"}
	if question {
		amr = append(amr, "kba")
	}
	if otp {
		return append(amr, "otp", "mfa"), ACRMFA
	}
	return amr, ACRPassword
}

// rememberedAMRACR is what a flow whose passcode a remembered browser
// stood in for proved: the first factor only (no "otp", no "mfa"), with
// the remembered-browser class.
func rememberedAMRACR(question bool) ([]string, string) {
	amr, _ := amrACR(question, false)
	return amr, ACRRememberedBrowser
}

// upstreamAMRACR is what a flow whose first factor an upstream provider
// performed proved: "ext" and the upstream's methods (as recorded, never
// its "mfa"), then otpgate's passcode ("otp", unless the upstream's
// methods name it already) and "mfa" when the passcode passed or the
// upstream's MFA was accepted in its place.
func upstreamAMRACR(upstream []string, otp, upstreamMFA bool) ([]string, string) {
	amr := append([]string{"ext"}, upstream...)
	if otp && !slices.Contains(upstream, "otp") {
		amr = append(amr, "otp")
	}
	if otp || upstreamMFA {
		return append(amr, "mfa"), ACRMFA
	}
	return amr, ACRPassword
}

// factorOnlyAMRACR is what a factor-only flow proved: the passcode alone
// (one method: Entra refuses more), with the acr the request chose (an
// Entra hint's flow keeps the class it asked for in ACRValues) or the
// second-factor class.
func factorOnlyAMRACR(f *store.Flow) ([]string, string) {
	if f.FirstFactor == store.FirstFactorEntra && f.ACRValues != "" {
		return []string{"otp"}, f.ACRValues
	}
	return []string{"otp"}, ACRSecondFactor
}

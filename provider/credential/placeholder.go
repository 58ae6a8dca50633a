package credential

import (
	"slices"
	"strings"
	"unicode"
)

// placeholderSecrets stand in for a client secret in examples and
// templates: the one in otpgate.example.yaml and the usual "change me"
// words. IsPlaceholderSecret compares without regard to case, "-", "_",
// "." or spaces, so "changeme" also stands for "change-me", "CHANGE_ME" and
// "Change Me". The list is short on purpose: it catches a copied example,
// not weak secrets in general.
var placeholderSecrets = []string{
	"replacewithalongrandomsecret", // otpgate.example.yaml
	"changeme",
	"replaceme",
	"secret",
	"clientsecret",
}

// IsPlaceholderSecret reports whether secret is one of the placeholders
// that examples put where a client secret belongs (see placeholderSecrets).
func IsPlaceholderSecret(secret string) bool {
	squeezed := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(secret))
	return slices.Contains(placeholderSecrets, squeezed)
}

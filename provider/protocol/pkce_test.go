package protocol

import (
	"strings"
	"testing"
)

func TestValidPKCEValue(t *testing.T) {
	for s, want := range map[string]bool{
		strings.Repeat("a", 43):             true,
		strings.Repeat("Z9-._~", 21) + "ab": true, // 128
		strings.Repeat("a", 42):             false,
		strings.Repeat("a", 129):            false,
		strings.Repeat("a", 42) + "+":       false,
		strings.Repeat("a", 42) + "/":       false,
		strings.Repeat("a", 42) + "=":       false,
		strings.Repeat("a", 42) + " ":       false,
		strings.Repeat("a", 41) + "é":       false, // 43 bytes, not unreserved
		"":                                  false,
	} {
		if got := ValidPKCEValue(s); got != want {
			t.Errorf("ValidPKCEValue(%q) = %v, want %v", s, got, want)
		}
	}
}

package mfa_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/pquerna/otp"

	"github.com/otpgate/otpgate/mfa"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr error
	}{
		{"plain", "123456", "123456", nil},
		{"leading zero kept", "012345", "012345", nil},
		{"spaces around and inside", " 123 456 ", "123456", nil},
		{"hyphen", "123-456", "123456", nil},
		{"tab", "123\t456", "123456", nil},
		{"full-width digits", "１２３４５６", "123456", nil},
		{"full-width with ideographic space", "１２３\u3000４５６", "123456", nil},
		{"ideographic spaces around", "\u3000123456\u3000", "123456", nil},
		{"mixed widths", "12３4５6", "123456", nil},
		{"five digits", "12345", "", mfa.ErrMalformed},
		{"seven digits", "1234567", "", mfa.ErrMalformed},
		{"letter", "12a456", "", mfa.ErrMalformed},
		{"empty", "", "", mfa.ErrMalformed},
		{"only separators", " - \u3000 ", "", mfa.ErrMalformed},
		{"Arabic-Indic digits", "١٢٣٤٥٦", "", mfa.ErrMalformed},
		{"Devanagari digits", "१२३४५६", "", mfa.ErrMalformed},
		{"superscript digits", "¹²³⁴⁵⁶", "", mfa.ErrMalformed},
		{"full-width letter", "12ａ456", "", mfa.ErrMalformed},
		{"sign", "+123456", "", mfa.ErrMalformed},
		{"newline", "123456\n", "", mfa.ErrMalformed},
		{"NUL", "123\x00456", "", mfa.ErrMalformed},
		{"invalid UTF-8", "123\xff456", "", mfa.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mfa.Default.Normalize(tt.input)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Normalize(%q) error = %v, want %v", tt.input, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestNormalizeUsesDigits(t *testing.T) {
	p := mfa.TOTP{Period: 30, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1, Skew: 1}
	if got, err := p.Normalize("9428 7082"); err != nil || got != "94287082" {
		t.Errorf("8 digits: Normalize = %q, %v, want 94287082, nil", got, err)
	}
	if _, err := p.Normalize("942870"); !errors.Is(err, mfa.ErrMalformed) {
		t.Errorf("8-digit TOTP, 6 typed: %v, want ErrMalformed", err)
	}
}

// TestNormalizeHugeInput: a megabyte of input is refused without building a
// megabyte of output.
func TestNormalizeHugeInput(t *testing.T) {
	const mb = 1 << 20
	inputs := map[string]string{
		"digits":            strings.Repeat("1", mb),
		"spaces":            strings.Repeat(" ", mb),
		"full-width digits": strings.Repeat("１", mb/3),
		"code then spaces":  "123456" + strings.Repeat(" ", mb),
		"letters":           strings.Repeat("a", mb),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			if _, err := mfa.Default.Normalize(in); !errors.Is(err, mfa.ErrMalformed) {
				t.Fatalf("Normalize(1 MB) = %v, want ErrMalformed", err)
			}
			if n := testing.AllocsPerRun(20, func() { _, _ = mfa.Default.Normalize(in) }); n > 2 {
				t.Errorf("Normalize(1 MB) made %.0f allocations per call, want at most 2", n)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 20 {
				_, _ = mfa.Default.Normalize(in)
			}
			runtime.ReadMemStats(&after)
			if perCall := (after.TotalAlloc - before.TotalAlloc) / 20; perCall > 4096 {
				t.Errorf("Normalize(1 MB) allocated %d bytes per call, want at most 4096", perCall)
			}
		})
	}
}

package mfa_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"

	"github.com/otpgate/otpgate/mfa"
)

const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

var recoveryFormat = regexp.MustCompile(`^[` + recoveryAlphabet + `]{4}-[` + recoveryAlphabet + `]{4}-[` + recoveryAlphabet + `]{4}$`)

func seeded(seed byte) io.Reader { return rand.NewChaCha8([32]byte{seed}) }

func TestNewRecoveryCodes(t *testing.T) {
	if mfa.RecoveryCodeCount != 10 {
		t.Errorf("RecoveryCodeCount = %d, want 10", mfa.RecoveryCodeCount)
	}
	codes, err := mfa.NewRecoveryCodes(seeded(1), mfa.RecoveryCodeCount)
	if err != nil {
		t.Fatalf("NewRecoveryCodes: %v", err)
	}
	if len(codes) != 10 {
		t.Fatalf("got %d codes, want 10", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryFormat.MatchString(c) {
			t.Errorf("code %q is not xxxx-xxxx-xxxx from %q", c, recoveryAlphabet)
		}
		if seen[c] {
			t.Errorf("code %q repeated", c)
		}
		seen[c] = true
	}

	again, err := mfa.NewRecoveryCodes(seeded(1), mfa.RecoveryCodeCount)
	if err != nil || !slices.Equal(codes, again) {
		t.Errorf("same reader, different codes: %v vs %v (%v)", codes, again, err)
	}
	other, _ := mfa.NewRecoveryCodes(seeded(2), mfa.RecoveryCodeCount)
	if slices.Equal(codes, other) {
		t.Errorf("different readers gave the same codes %v", codes)
	}
}

// TestNewRecoveryCodesMapping pins the byte-to-letter mapping and the
// rejection of bytes 248…255 (which would favour the first letters).
func TestNewRecoveryCodesMapping(t *testing.T) {
	tests := []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"0…11", seq(0, 12), "2345-6789-abcd"},
		{"modulo 31", seq(31, 12), "2345-6789-abcd"},
		{"last accepted byte 247", bytes.Repeat([]byte{247}, 12), "zzzz-zzzz-zzzz"},
		{"248…255 skipped", interleave(seq(0, 12), []byte{248, 255, 250}), "2345-6789-abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mfa.NewRecoveryCodes(bytes.NewReader(tt.bytes), 1)
			if err != nil || len(got) != 1 || got[0] != tt.want {
				t.Errorf("NewRecoveryCodes = %q, %v; want [%q]", got, err, tt.want)
			}
		})
	}
}

func seq(from byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = from + byte(i)
	}
	return b
}

// interleave puts junk before every byte of b.
func interleave(b, junk []byte) []byte {
	var out []byte
	for _, x := range b {
		out = append(out, junk...)
		out = append(out, x)
	}
	return out
}

func TestNewRecoveryCodesShortReader(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    io.Reader
		want error
	}{
		{"empty", bytes.NewReader(nil), io.EOF},
		{"enough for nine codes", bytes.NewReader(seq(0, 9*12)), io.EOF},
		{"only rejected bytes", bytes.NewReader(bytes.Repeat([]byte{255}, 1000)), io.EOF},
		{"failing", errReader{}, errBoom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			codes, err := mfa.NewRecoveryCodes(tt.r, mfa.RecoveryCodeCount)
			if !errors.Is(err, tt.want) || codes != nil {
				t.Errorf("NewRecoveryCodes = %q, %v; want nil, %v", codes, err, tt.want)
			}
		})
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	for _, in := range []string{
		"k7m2-x9qp-4hta",
		"K7M2-X9QP-4HTA",
		"K7M2 X9QP-4HTA",
		"k7m2x9qp4hta",
		"  k7m2 - x9qp - 4hta  ",
		"k7m2\tx9qp\t4hta\n",
		"k7m2--x9qp--4hta",
	} {
		if got := mfa.NormalizeRecoveryCode(in); got != "k7m2x9qp4hta" {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want k7m2x9qp4hta", in, got)
		}
	}
}

package mfa

import (
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// SecretSize is the length of a generated TOTP secret: 160 bits, the size
// RFC 4226 recommends for HMAC-SHA1.
const SecretSize = 20

// TOTP holds the parameters of time-based codes.
type TOTP struct {
	Period    uint          // seconds per step
	Digits    otp.Digits    // code length
	Algorithm otp.Algorithm // HMAC hash
	Skew      int64         // steps accepted either side of the current one
}

// Default is SHA1, 6 digits, 30 seconds, one step of skew: the settings
// every listed authenticator app honours (some silently ignore others).
var Default = TOTP{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Skew: 1}

var (
	// ErrMalformed: the input is not a code of the right shape.
	ErrMalformed = errors.New("mfa: malformed code")
	// ErrInvalid: the code matches no acceptable step.
	ErrInvalid = errors.New("mfa: wrong code")
	// ErrReplayed: the code matches a step already used.
	ErrReplayed = errors.New("mfa: code already used")
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns SecretSize random bytes from r.
func NewSecret(r io.Reader) ([]byte, error) {
	b := make([]byte, SecretSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("mfa: generate secret: %w", err)
	}
	return b, nil
}

// EncodeSecret is the base32 form (no padding) that apps accept.
func EncodeSecret(secret []byte) string { return b32.EncodeToString(secret) }

// GroupKey splits a base32 key into groups of four for people to type.
func GroupKey(key string) string {
	var sb strings.Builder
	for i, r := range key {
		if i > 0 && i%4 == 0 {
			sb.WriteByte(' ')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// Step is the time step that t falls in.
func (p TOTP) Step(t time.Time) int64 { return t.Unix() / int64(p.Period) }

// Code is the code for one step.
func (p TOTP) Code(secret []byte, step int64) (string, error) {
	return hotp.GenerateCodeCustom(EncodeSecret(secret), uint64(step),
		hotp.ValidateOpts{Digits: p.Digits, Algorithm: p.Algorithm})
}

// Key describes a secret to an authenticator app: the otpauth:// URI (and
// through it the QR code).
func (p TOTP) Key(issuer, account string, secret []byte) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{
		Issuer: issuerSafe(issuer), AccountName: labelSafe(account), Secret: secret,
		Period: p.Period, Digits: p.Digits, Algorithm: p.Algorithm,
	})
}

// labelSafe removes what would corrupt the otpauth label ("issuer:account").
func labelSafe(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == ':' || r < ' ' {
			return -1
		}
		return r
	}, s))
}

// issuerSafe is labelSafe for the issuer, which also goes into the query:
// pquerna/otp escapes it with url.PathEscape, which leaves '&' (it would
// split the parameter) and '+' (apps read it back as a space) as they are.
func issuerSafe(s string) string {
	return labelSafe(strings.Map(func(r rune) rune {
		if r == '&' || r == '+' {
			return -1
		}
		return r
	}, s))
}

// Normalize turns what a person typed into a code: spaces and hyphens are
// dropped and full-width digits become ASCII; anything else that is not
// exactly Digits ASCII digits is ErrMalformed.
func (p TOTP) Normalize(input string) (string, error) {
	if len(input) > 64 {
		return "", ErrMalformed
	}
	var sb strings.Builder
	for _, r := range input {
		switch {
		case r >= '0' && r <= '9':
			sb.WriteRune(r)
		case r >= '０' && r <= '９':
			sb.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '\t' || r == '\u3000':
		default:
			return "", ErrMalformed
		}
	}
	code := sb.String()
	if len(code) != p.Digits.Length() {
		return "", ErrMalformed
	}
	return code, nil
}

// Match finds the step within the skew window of now whose code equals
// code. It returns ErrReplayed when the only match is a step at or before
// lastStep, ErrInvalid when nothing matches. Every candidate is compared in
// constant time.
func (p TOTP) Match(secret []byte, code string, now time.Time, lastStep int64) (int64, error) {
	current := p.Step(now)
	found, replayed := int64(-1), false
	for step := current - p.Skew; step <= current+p.Skew; step++ {
		want, err := p.Code(secret, step)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if step > lastStep {
				if found < 0 {
					found = step
				}
			} else {
				replayed = true
			}
		}
	}
	switch {
	case found >= 0:
		return found, nil
	case replayed:
		return 0, ErrReplayed
	default:
		return 0, ErrInvalid
	}
}

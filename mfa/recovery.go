package mfa

import (
	"fmt"
	"io"
	"strings"
)

// RecoveryCodeCount is how many recovery codes an enrollment issues.
const RecoveryCodeCount = 10

// recoveryAlphabet avoids look-alike characters (no 0/o, 1/l/i).
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// recoveryLen characters of a 31-letter alphabet: about 59 bits each.
const recoveryLen = 12

// NewRecoveryCodes returns n codes like "k7m2-x9qp-4hta" drawn from r.
func NewRecoveryCodes(r io.Reader, n int) ([]string, error) {
	out := make([]string, 0, n)
	buf := make([]byte, 1)
	for range n {
		var sb strings.Builder
		for i := 0; i < recoveryLen; {
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil, fmt.Errorf("mfa: generate recovery code: %w", err)
			}
			// Rejection sampling keeps every letter equally likely.
			if int(buf[0]) >= 256/len(recoveryAlphabet)*len(recoveryAlphabet) {
				continue
			}
			if i > 0 && i%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(buf[0])%len(recoveryAlphabet)])
			i++
		}
		out = append(out, sb.String())
	}
	return out, nil
}

// NormalizeRecoveryCode drops separators and case so that "K7M2 X9QP-4HTA"
// matches "k7m2-x9qp-4hta". This is the form that is hashed (with
// argon2id, by the caller) and compared.
func NormalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, strings.TrimSpace(code))
}

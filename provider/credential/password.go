package credential

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizePassword is the form of a password that is hashed and compared:
// Unicode NFKC, so that a password typed with full-width characters (a
// Japanese input method left on) equals its half-width form. Nothing else
// changes: case and spaces stay as typed.
func NormalizePassword(pw string) string { return norm.NFKC.String(pw) }

// VerifyPassword checks a typed password against a stored hash: its
// normalised form, and for a hash stored before passwords were normalised
// (and only when normalising changes what was typed) the form as typed,
// in which case legacy is true and the caller stores a new hash. Both
// checks run whenever normalising changes the input, whatever the first
// one found, so the time taken does not tell a right password from a wrong
// one or a real hash from a dummy.
//
// Both checks run in one slot of the hasher's gate, waiting with ctx's
// priority; ErrBusy when no slot freed in time.
func (h *Hasher) VerifyPassword(ctx context.Context, pw, hash string) (ok, legacy bool, err error) {
	gerr := h.gate.run(ctx, func() { ok, legacy, err = h.verifyPassword(pw, hash) })
	if gerr != nil {
		return false, false, gerr
	}
	return ok, legacy, err
}

func (h *Hasher) verifyPassword(pw, hash string) (ok, legacy bool, err error) {
	n := NormalizePassword(pw)
	ok, err = h.verify(n, hash)
	if n == pw {
		return ok, false, err
	}
	typed, terr := h.verify(pw, hash)
	if ok || err != nil {
		return ok, false, err
	}
	return typed, typed, terr
}

// PasswordProblem is why a new password is refused ("" when it is not).
type PasswordProblem string

// The reasons a new password is refused.
const (
	PasswordRequired PasswordProblem = "required"
	PasswordTooShort PasswordProblem = "too_short"
	PasswordTooLong  PasswordProblem = "too_long"
	// PasswordCommon: a common or breached password, or one that follows
	// a pattern guessers try early (repetition, keyboard rows, sequences,
	// dictionary words with digits).
	PasswordCommon PasswordProblem = "common"
	// PasswordContext: the password contains the username, the local part
	// of the email address or the product's name.
	PasswordContext PasswordProblem = "context"
)

// MaxPasswordBytes bounds a password before any hashing.
const MaxPasswordBytes = 1024

// guessesFloor is the fewest guesses a new password must need by the
// estimate of zxcvbn (score 3, "safely unguessable: moderate protection
// from offline slow-hash scenario"); passwords below it are in, or built
// from, the common-password and dictionary lists it ships. These lists are
// compiled into the binary.
const guessesFloor = 1e8

// estimateRunes bounds the part of a password the guess estimate looks at:
// its cost grows with the square of the length, and a password longer than
// this is a passphrase whose length already defeats the lists.
const estimateRunes = 64

// productWords are context words for every account.
var productWords = []string{"otpgate"}

// CheckNewPassword reports what is wrong with a password someone chooses
// (or an administrator sets), following NIST SP 800-63B-4 §3.1.1.2: a
// minimum length in characters after normalisation, no composition rules,
// and a refusal of common, breached or patterned passwords and of the
// account's own words (context: the username and the email address; the
// product's name is always added). Words shorter than three characters are
// ignored.
func CheckNewPassword(pw string, minLength int, context ...string) PasswordProblem {
	if pw == "" {
		return PasswordRequired
	}
	if len(pw) > MaxPasswordBytes {
		return PasswordTooLong
	}
	n := NormalizePassword(pw)
	runes := utf8.RuneCountInString(n)
	if runes < minLength {
		return PasswordTooShort
	}
	folded := cases.Fold().String(n)
	words := contextWords(context)
	for _, w := range words {
		if strings.Contains(folded, w) {
			return PasswordContext
		}
	}
	if runes <= estimateRunes && zxcvbn.PasswordStrength(n, words).Guesses < guessesFloor {
		return PasswordCommon
	}
	return ""
}

// contextWords folds the context: each value, and for an email address its
// local part, of three characters or more, with the product's words.
func contextWords(context []string) []string {
	var out []string
	add := func(w string) {
		w = cases.Fold().String(NormalizePassword(strings.TrimSpace(w)))
		if utf8.RuneCountInString(w) >= 3 {
			out = append(out, w)
		}
	}
	for _, c := range context {
		if local, _, ok := strings.Cut(c, "@"); ok {
			add(local)
			continue
		}
		add(c)
	}
	for _, w := range productWords {
		add(w)
	}
	return out
}

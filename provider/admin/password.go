package admin

import (
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"
)

// GeneratePassword returns a random temporary password for the account
// (username, email) that the password rules accept: four groups of five
// letters and digits (about 100 bits), to be handed to the person once and
// changed at their first sign-in. It is never stored in the clear, logged
// or audited.
func (s *Service) GeneratePassword(username, email string) (string, error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range 10 {
		b := make([]byte, 13)
		if _, err := io.ReadFull(s.rand, b); err != nil {
			return "", fmt.Errorf("random: %w", err)
		}
		t := strings.ToLower(enc.EncodeToString(b))[:20]
		pw := t[:5] + "-" + t[5:10] + "-" + t[10:15] + "-" + t[15:]
		// A rare draw holds the username or the product's name.
		if s.checkPassword(pw, username, email) == nil {
			return pw, nil
		}
	}
	return "", errors.New("generate password: no draw passed the password rules")
}

package store

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
)

// newRowID is a random primary key for rows nobody refers to from outside.
func newRowID() string { return rand.Text() }

// NewUserID is a new account id from r: "u_" and 26 random base32
// characters, lower-cased (administrators' accounts and those a
// connector creates alike).
func NewUserID(r io.Reader) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return "u_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

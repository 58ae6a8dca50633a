package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// keySize is the length of the AES-256 key that encrypts TOTP secrets.
const keySize = 32

// ParseEncryptionKey decodes key text into exactly 32 bytes. The text may be
// 64 hex characters or base64 in the standard or URL alphabet, padded or not;
// surrounding white space is ignored. Errors never contain the key text.
func ParseEncryptionKey(text string) ([]byte, error) {
	key, err := decodeKey(text)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	return key, nil
}

// LoadEncryptionKey returns the key from EncryptionKey text, else from the
// file EncryptionKeyFile, else (nil, nil) when neither is set.
func (c *Config) LoadEncryptionKey() ([]byte, error) {
	if c.EncryptionKey != "" {
		return ParseEncryptionKey(c.EncryptionKey)
	}
	if c.EncryptionKeyFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(c.EncryptionKeyFile)
	if err != nil {
		return nil, fileError("encryption key: file", c.EncryptionKeyFile, err)
	}
	key, err := decodeKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("encryption key: file %s: %w", c.EncryptionKeyFile, err)
	}
	return key, nil
}

// decodeKey does the work of ParseEncryptionKey with errors that name no key.
// The hex alphabet is a subset of base64's, so a length error reports hex
// when the text is hex, and base64 otherwise.
func decodeKey(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, errors.New("is empty")
	}
	fromHex, hexErr := hex.DecodeString(s)
	if hexErr == nil && len(fromHex) == keySize {
		return fromHex, nil
	}
	fromBase64, base64Err := decodeBase64(s)
	switch {
	case base64Err == nil && len(fromBase64) == keySize:
		return fromBase64, nil
	case hexErr == nil:
		return nil, fmt.Errorf("must decode to %d bytes (got %d)", keySize, len(fromHex))
	case base64Err == nil:
		return nil, fmt.Errorf("must decode to %d bytes (got %d)", keySize, len(fromBase64))
	}
	return nil, fmt.Errorf("must be %d bytes as base64 or %d hex characters", keySize, 2*keySize)
}

func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		var key []byte
		if key, err = enc.DecodeString(s); err == nil {
			return key, nil
		}
	}
	return nil, err
}

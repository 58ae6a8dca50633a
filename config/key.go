package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// keySize is the length of the AES-256 key that encrypts TOTP secrets.
const keySize = 32

// keyFileForbiddenMode is what a key file's permissions must not allow:
// anything for other users, or writing for the group. Reading by the group
// is allowed, since Kubernetes mounts secrets 0440 with the pod's fsGroup
// and a non-root container reads them through that group.
const keyFileForbiddenMode = 0o027

// ParseEncryptionKey decodes key text into exactly 32 bytes. The text may be
// 64 hex characters or base64 in the standard or URL alphabet, padded or not;
// surrounding white space is ignored. A key of one repeated byte (such as
// all zero) is refused as weak. Errors never contain the key text.
func ParseEncryptionKey(text string) ([]byte, error) {
	key, err := decodeKey(text)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	return key, nil
}

// LoadEncryptionKey returns the key from EncryptionKey text, else from the
// file EncryptionKeyFile (see ReadKeyFile), else (nil, nil) when neither is
// set.
func (c *Config) LoadEncryptionKey() ([]byte, error) {
	if c.EncryptionKey != "" {
		return ParseEncryptionKey(c.EncryptionKey)
	}
	if c.EncryptionKeyFile == "" {
		return nil, nil
	}
	return readKeyFile("encryption key: file", c.EncryptionKeyFile)
}

// LoadAcceptedKeys returns the keys of EncryptionAcceptedKeyFiles, in order,
// each file checked as ReadKeyFile does.
func (c *Config) LoadAcceptedKeys() ([][]byte, error) {
	var keys [][]byte
	for _, path := range c.EncryptionAcceptedKeyFiles {
		key, err := readKeyFile("encryption_accepted_key_files: file", path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// ReadKeyFile reads an encryption key from a file (what names the file in
// errors, e.g. "--new-key-file"). It refuses a file that other users may
// read or write, or whose group may write, and a weak key; errors name the
// file, never the key.
func ReadKeyFile(what, path string) ([]byte, error) {
	return readKeyFile(what+": file", path)
}

func readKeyFile(what, path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fileError(what, path, err)
	}
	if mode := info.Mode().Perm(); runtime.GOOS != "windows" && mode&keyFileForbiddenMode != 0 {
		return nil, fmt.Errorf("%s %s: is open to other users (mode %04o); make it readable by otpgate only: chmod 600 %s",
			what, path, mode, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError(what, path, err)
	}
	key, err := decodeKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return key, nil
}

// decodeKey does the work of ParseEncryptionKey with errors that name no key.
// The hex alphabet is a subset of base64's, so a length error reports hex
// when the text is hex, and base64 otherwise.
func decodeKey(text string) ([]byte, error) {
	key, err := decodeKeyText(text)
	if err != nil {
		return nil, err
	}
	if bytes.Count(key, key[:1]) == len(key) {
		return nil, errors.New("is weak (one byte repeated, such as all zero): generate a random one, e.g. openssl rand -base64 32")
	}
	return key, nil
}

func decodeKeyText(text string) ([]byte, error) {
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

package config_test

import (
	"bytes"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/config"
)

func testKey() []byte {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	return key
}

func TestParseEncryptionKey(t *testing.T) {
	tests := []struct {
		name, text string
		wantErr    string // "" means it decodes to testKey
	}{
		{"hex", testKeyHex, ""},
		{"hex upper case", strings.ToUpper(testKeyHex), ""},
		{"base64 standard", testKeyStd, ""},
		{"base64 raw URL", testKeyRawURL, ""},
		{"base64 raw standard", strings.TrimRight(testKeyStd, "="), ""},
		{"base64 padded URL", base64.URLEncoding.EncodeToString(testKey()), ""},
		{"surrounding white space", "  " + testKeyStd + "\n", ""},
		{"base64 of 16 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 16)), "encryption key: must decode to 32 bytes (got 16)"},
		{"base64 of 33 bytes", base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 33)), "encryption key: must decode to 32 bytes (got 33)"},
		{"hex of 16 bytes", testKeyHex[:32], "encryption key: must decode to 32 bytes (got 16)"},
		{"neither", "this is not a key!", "encryption key: must be 32 bytes as base64 or 64 hex characters"},
		{"empty", "  \n", "encryption key: is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, err := config.ParseEncryptionKey(tc.text)
			if tc.wantErr == "" {
				if err != nil || !bytes.Equal(key, testKey()) {
					t.Fatalf("got (%x, %v), want %x", key, err, testKey())
				}
				return
			}
			if key != nil {
				t.Errorf("got a key with an error")
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if strings.TrimSpace(tc.text) != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.text)) {
				t.Errorf("error quotes the key text")
			}
		})
	}
}

func TestLoadEncryptionKey(t *testing.T) {
	goodFile := writeFile(t, "key", testKeyStd+"\n")
	shortFile := writeFile(t, "short", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 24)))
	missing := filepath.Join(t.TempDir(), "missing.key")
	tests := []struct {
		name, text, file string
		wantKey          bool
		wantErr          string
	}{
		{name: "neither set"},
		{name: "text", text: testKeyHex, wantKey: true},
		{name: "text wins over file", text: testKeyHex, file: missing, wantKey: true},
		{name: "file", file: goodFile, wantKey: true},
		{name: "missing file", file: missing, wantErr: "encryption key: file " + missing + ": not found"},
		{name: "short file", file: shortFile, wantErr: "encryption key: file " + shortFile + ": must decode to 32 bytes (got 24)"},
		{name: "bad text", text: "abcd", wantErr: "encryption key: must decode to 32 bytes (got 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.EncryptionKey, c.EncryptionKeyFile = tc.text, tc.file
			key, err := c.LoadEncryptionKey()
			switch {
			case tc.wantErr != "":
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case tc.wantKey && !bytes.Equal(key, testKey()):
				t.Fatalf("key = %x, want %x", key, testKey())
			case !tc.wantKey && key != nil:
				t.Fatalf("key = %x, want nil", key)
			}
		})
	}
}

// TestParseEncryptionKeyHexLookingBase64 covers base64 text made only of hex
// digits ("AAAA…"): it must still decode as the 32-byte key it is.
func TestParseEncryptionKeyHexLookingBase64(t *testing.T) {
	nearlyZero := make([]byte, 32)
	nearlyZero[31] = 1
	raw, err := base64.RawStdEncoding.DecodeString("0123456789abcdef0123456789abcdef0123456789a")
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]byte{
		base64.StdEncoding.EncodeToString(nearlyZero):    nearlyZero,
		base64.RawURLEncoding.EncodeToString(nearlyZero): nearlyZero,
		strings.Repeat("0", 63) + "1":                    nearlyZero,
		"0123456789abcdef0123456789abcdef0123456789a":    raw,
	} {
		key, err := config.ParseEncryptionKey(text)
		if err != nil || !bytes.Equal(key, want) {
			t.Errorf("ParseEncryptionKey(%q) = (%x, %v), want %x", text, key, err, want)
		}
	}
}

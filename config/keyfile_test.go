package config_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/config"
)

// TestWeakKeysRefused: a key of one repeated byte (all zero from a
// template, "0000…" typed by hand) is refused wherever a key is read, and
// the message does not quote it.
func TestWeakKeysRefused(t *testing.T) {
	for _, key := range [][]byte{make([]byte, 32), bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{'a'}, 32)} {
		for _, text := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key)} {
			_, err := config.ParseEncryptionKey(text)
			assertContainsAll(t, err, "encryption key: is weak", "one byte repeated")
			if err != nil && strings.Contains(err.Error(), text) {
				t.Errorf("error quotes the key text: %v", err)
			}
			file := writeFile(t, "weak.key", text+"\n")
			c := config.Default()
			c.EncryptionKeyFile = file
			_, err = c.LoadEncryptionKey()
			assertContainsAll(t, err, "encryption key: file "+file+": is weak")
		}
	}
}

// TestKeyFileModeRefused: a key file other users can read (or its group can
// write) stops start-up with a message naming the file and the fix; a
// file only the owner (and its group) can read loads.
func TestKeyFileModeRefused(t *testing.T) {
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true}, {0o400, true}, {0o640, true}, {0o440, true},
		{0o644, false}, {0o604, false}, {0o666, false}, {0o660, false}, {0o602, false}, {0o601, false},
	} {
		file := writeFile(t, "encryption.key", testKeyStd+"\n")
		if err := os.Chmod(file, tc.mode); err != nil {
			t.Fatal(err)
		}
		c := config.Default()
		c.EncryptionKeyFile = file
		key, err := c.LoadEncryptionKey()
		if tc.ok {
			if err != nil || !bytes.Equal(key, testKey()) {
				t.Errorf("mode %04o: LoadEncryptionKey = %v, want the key", tc.mode, err)
			}
			continue
		}
		assertContainsAll(t, err, "encryption key: file "+file+": ", fmt.Sprintf("mode %04o", tc.mode), "chmod 600 "+file)
		if err != nil && strings.Contains(err.Error(), testKeyStd) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
}

// TestAcceptedKeys: accepted keys come from files listed in YAML or in
// OTPGATE_ENCRYPTION_ACCEPTED_KEY_FILES (comma-separated), each checked
// like the primary key's file.
func TestAcceptedKeys(t *testing.T) {
	other := bytes.Repeat([]byte{1, 2}, 16)
	a := writeFile(t, "a.key", testKeyHex+"\n")
	b := writeFile(t, "b.key", base64.StdEncoding.EncodeToString(other))
	cfgFile := writeFile(t, "otpgate.yaml", "encryption_key_file: "+a+"\nencryption_accepted_key_files: ["+b+"]\n")

	c, err := config.Load(config.Overrides{ConfigFile: cfgFile}, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.LoadAcceptedKeys()
	if err != nil || len(keys) != 1 || !bytes.Equal(keys[0], other) {
		t.Fatalf("accepted keys from YAML = %x, %v; want the key of %s", keys, err, b)
	}

	c, err = config.Load(config.Overrides{}, envMap(map[string]string{
		"OTPGATE_ENCRYPTION_KEY_FILE": a, "OTPGATE_ENCRYPTION_ACCEPTED_KEY_FILES": b + " , " + a}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.EncryptionAcceptedKeyFiles; len(got) != 2 || got[0] != b || got[1] != a {
		t.Fatalf("accepted key files from the environment = %q", got)
	}
	if keys, err = c.LoadAcceptedKeys(); err != nil || len(keys) != 2 {
		t.Fatalf("accepted keys from the environment = %d keys, %v", len(keys), err)
	}

	if err := os.Chmod(b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = c.LoadAcceptedKeys()
	assertContainsAll(t, err, "encryption_accepted_key_files: file "+b+": ", "chmod 600 "+b)

	weak := writeFile(t, "zero.key", strings.Repeat("0", 64))
	c.EncryptionAcceptedKeyFiles = []string{weak}
	_, err = c.LoadAcceptedKeys()
	assertContainsAll(t, err, "encryption_accepted_key_files: file "+weak+": is weak")
}

func TestAcceptedKeyFilesValidated(t *testing.T) {
	c := config.Default()
	c.EncryptionKeyFile = "/k/primary"
	c.EncryptionAcceptedKeyFiles = []string{"/k/old", "", "/k/old", "/k/primary"}
	assertContainsAll(t, c.Validate(),
		"encryption_accepted_key_files[1]: must not be empty",
		"encryption_accepted_key_files[2]: /k/old is listed twice",
		"encryption_accepted_key_files[3]: /k/primary is the primary key file (encryption_key_file)")
}

package credential

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"
)

// legacySeal seals the way releases before key ids did: nonce||ciphertext,
// no header.
func legacySeal(t *testing.T, key, plain, ad []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, ad)
}

func keyring(t *testing.T, primary byte, accepted ...byte) *Sealer {
	t.Helper()
	var keys [][]byte
	for _, b := range accepted {
		keys = append(keys, sealTestKey(b))
	}
	s, err := NewSealer(sealTestKey(primary), keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealHeaderNamesThePrimaryKey(t *testing.T) {
	t.Parallel()
	s := keyring(t, 1, 2)
	sealed := s.Seal([]byte("secret"), []byte("ad"))
	if !bytes.HasPrefix(sealed, sealMagic) {
		t.Fatalf("sealed value %x does not start with the header %x", sealed[:headerLen], sealMagic)
	}
	if len(sealed) != headerLen+12+len("secret")+16 {
		t.Errorf("sealed length = %d, want header+nonce+plaintext+tag = %d", len(sealed), headerLen+12+6+16)
	}
	id, ok := SealedKeyID(sealed)
	if !ok || id != KeyID(sealTestKey(1)) || id != s.KeyID() {
		t.Errorf("SealedKeyID = %q, %v; want the primary key's id %q", id, ok, KeyID(sealTestKey(1)))
	}
	if KeyID(sealTestKey(1)) == KeyID(sealTestKey(2)) || len(KeyID(sealTestKey(1))) != 8 {
		t.Errorf("key ids %q and %q: want 8 distinct hex characters", KeyID(sealTestKey(1)), KeyID(sealTestKey(2)))
	}
	// The id is not the key, nor its prefix.
	if bytes.Contains(sealed, sealTestKey(1)[:4]) {
		t.Error("sealed value contains the key bytes")
	}
	// Only the primary key seals: an accepted key alone cannot open it.
	if _, err := keyring(t, 2).Open(sealed, []byte("ad")); !errors.Is(err, ErrWrongKey) {
		t.Errorf("the accepted key opened a value sealed by the keyring: %v", err)
	}
}

func TestOpenWithAcceptedKeys(t *testing.T) {
	t.Parallel()
	ad := []byte("totp:u:d")
	old, next := keyring(t, 1), keyring(t, 2)
	fromOld, fromNext := old.Seal([]byte("old"), ad), next.Seal([]byte("new"), ad)
	legacyOld := legacySeal(t, sealTestKey(1), []byte("legacy"), ad)

	for _, tc := range []struct {
		name   string
		s      *Sealer
		sealed []byte
		want   string // "" means ErrWrongKey
	}{
		{"old key opens its own value", old, fromOld, "old"},
		{"old key opens its value written before key ids", old, legacyOld, "legacy"},
		{"old key does not open the new key's value", old, fromNext, ""},
		{"new key alone does not open the old key's value", next, fromOld, ""},
		{"new key alone does not open the legacy value", next, legacyOld, ""},
		{"old primary, new accepted: new value", keyring(t, 1, 2), fromNext, "new"},
		{"new primary, old accepted: old value", keyring(t, 2, 1), fromOld, "old"},
		{"new primary, old accepted: legacy value", keyring(t, 2, 1), legacyOld, "legacy"},
		{"new primary, old accepted: new value", keyring(t, 2, 1), fromNext, "new"},
		{"two unrelated keys", keyring(t, 3, 4), fromOld, ""},
	} {
		got, err := tc.s.Open(tc.sealed, ad)
		if tc.want == "" {
			if !errors.Is(err, ErrWrongKey) || got != nil {
				t.Errorf("%s: Open = %q, %v; want ErrWrongKey", tc.name, got, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: Open = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	// The associated data still binds every format.
	for _, sealed := range [][]byte{fromOld, legacyOld} {
		if _, err := keyring(t, 2, 1).Open(sealed, []byte("totp:u:other")); !errors.Is(err, ErrWrongKey) {
			t.Errorf("opened with another owner's associated data: %v", err)
		}
	}
}

// A legacy value whose random nonce happens to start like a header (with a
// known key id, even) still opens: Open falls back to the legacy format.
func TestOpenLegacyValueThatLooksLikeAHeader(t *testing.T) {
	t.Parallel()
	s := keyring(t, 1, 2)
	ad := []byte("ad")
	block, _ := aes.NewCipher(sealTestKey(2))
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	copy(nonce, sealMagic)
	copy(nonce[len(sealMagic):], s.primary.id[:])
	sealed := aead.Seal(nonce, nonce, []byte("look-alike"), ad)
	if got, err := s.Open(sealed, ad); err != nil || string(got) != "look-alike" {
		t.Fatalf("Open = %q, %v; want the legacy plaintext", got, err)
	}
}

func TestKeyringDerivesFromThePrimary(t *testing.T) {
	t.Parallel()
	a, b := keyring(t, 1, 2), keyring(t, 2, 1)
	if a.Derive("logout") != keyring(t, 1).Derive("logout") {
		t.Error("Derive does not use the primary key")
	}
	all := b.DeriveAll("logout")
	if len(all) != 2 || all[0] != keyring(t, 2).Derive("logout") || all[1] != keyring(t, 1).Derive("logout") {
		t.Errorf("DeriveAll = %d keys, want the primary's then the accepted key's", len(all))
	}
	if n := len(keyring(t, 1, 1, 1).DeriveAll("x")); n != 1 {
		t.Errorf("a key given twice derives %d keys, want 1", n)
	}
}

func TestNewSealerAcceptedKeyLength(t *testing.T) {
	t.Parallel()
	if s, err := NewSealer(sealTestKey(1), make([]byte, 16)); err == nil || s != nil {
		t.Errorf("NewSealer with a 16-byte accepted key = %v, %v; want an error", s, err)
	}
}

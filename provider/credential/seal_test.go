package credential

import (
	"bytes"
	"errors"
	"testing"
)

// sealTestKey returns a 32-byte key filled with b.
func sealTestKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func sealTestSealer(t *testing.T, b byte) *Sealer {
	t.Helper()
	s, err := NewSealer(sealTestKey(b))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	s := sealTestSealer(t, 1)
	ad := []byte("totp:user-1:device-1")
	for _, plain := range [][]byte{[]byte("JBSWY3DPEHPK3PXP"), {}, bytes.Repeat([]byte{0xff}, 4096)} {
		sealed := s.Seal(plain, ad)
		if len(plain) > 0 && bytes.Contains(sealed, plain) {
			t.Errorf("sealed data contains the plaintext")
		}
		got, err := s.Open(sealed, ad)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("Open = %q, want %q", got, plain)
		}
	}
	a, b := s.Seal([]byte("same"), ad), s.Seal([]byte("same"), ad)
	if bytes.Equal(a, b) {
		t.Error("two seals of one plaintext are equal: the nonce is not fresh")
	}
}

func TestSealOpenFailures(t *testing.T) {
	t.Parallel()
	s := sealTestSealer(t, 1)
	other := sealTestSealer(t, 2)
	ad := []byte("totp:user-1:device-1")
	sealed := s.Seal([]byte("secret"), ad)
	tampered := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	for _, tc := range []struct {
		name   string
		s      *Sealer
		sealed []byte
		ad     []byte
	}{
		{"wrong associated data", s, sealed, []byte("totp:user-2:device-1")},
		{"missing associated data", s, sealed, nil},
		{"another key", other, sealed, ad},
		{"tampered nonce", s, tampered(0), ad},
		{"tampered ciphertext", s, tampered(12), ad},
		{"tampered tag", s, tampered(len(sealed) - 1), ad},
		{"truncated", s, sealed[:len(sealed)-1], ad},
		{"shorter than a nonce", s, sealed[:5], ad},
		{"nonce only", s, sealed[:12], ad},
		{"empty", s, nil, ad},
	} {
		got, err := tc.s.Open(tc.sealed, tc.ad)
		if !errors.Is(err, ErrWrongKey) || got != nil {
			t.Errorf("%s: Open = %q, %v; want nil, ErrWrongKey", tc.name, got, err)
		}
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if s, err := NewSealer(make([]byte, n)); err == nil || s != nil {
			t.Errorf("NewSealer(%d bytes) = %v, %v; want an error", n, s, err)
		}
	}
	if _, err := NewSealer(make([]byte, 32)); err != nil {
		t.Errorf("NewSealer(32 bytes): %v", err)
	}
}

func TestSealerCopiesKey(t *testing.T) {
	t.Parallel()
	key := sealTestKey(7)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Derive("x")
	key[0] ^= 0xff
	if s.Derive("x") != before {
		t.Error("changing the caller's key slice changed the sealer's derived keys")
	}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	a1, a2, b := sealTestSealer(t, 1), sealTestSealer(t, 1), sealTestSealer(t, 2)
	if a1.Derive("op-crypto") != a2.Derive("op-crypto") {
		t.Error("Derive is not deterministic for one key and purpose")
	}
	seen := map[[32]byte]string{}
	for _, purpose := range []string{"op-crypto", "logout", "demo-cookies", ""} {
		for name, s := range map[string]*Sealer{"key1": a1, "key2": b} {
			d := s.Derive(purpose)
			if d == [32]byte{} {
				t.Errorf("Derive(%q) with %s is all zero", purpose, name)
			}
			if prev, dup := seen[d]; dup {
				t.Errorf("Derive(%q) with %s equals %s", purpose, name, prev)
			}
			seen[d] = name + "/" + purpose
		}
	}
	// A subkey is not the encryption key itself.
	if d := a1.Derive("op-crypto"); bytes.Equal(d[:], sealTestKey(1)) {
		t.Error("Derive returned the encryption key")
	}
}

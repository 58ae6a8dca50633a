package credential

import (
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// cheap keeps most tests fast; the OWASP parameters are checked on their own.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashIsPHCWithOWASPParams(t *testing.T) {
	h := NewHasher(OWASP)
	got := h.Hash("correct horse battery staple")
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)
	m := re.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("Hash = %q, want PHC argon2id string with m=19456,t=2,p=1", got)
	}
	salt, err := b64.DecodeString(m[1])
	if err != nil || len(salt) != 16 {
		t.Errorf("salt = %q (%d bytes, err %v), want 16 bytes unpadded base64", m[1], len(salt), err)
	}
	key, err := b64.DecodeString(m[2])
	if err != nil || len(key) != 32 {
		t.Errorf("key = %q (%d bytes, err %v), want 32 bytes unpadded base64", m[2], len(key), err)
	}
	if OWASP.Memory != 19*1024 || OWASP.Time != 2 || OWASP.Threads != 1 {
		t.Errorf("OWASP = %+v, want m=19456 t=2 p=1", OWASP)
	}
}

func TestVerify(t *testing.T) {
	h := NewHasher(cheap)
	enc := h.Hash("s3cret")
	for _, tc := range []struct {
		secret string
		want   bool
	}{
		{"s3cret", true},
		{"s3cret ", false},
		{"S3cret", false},
		{"", false},
	} {
		ok, err := h.Verify(tc.secret, enc)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", tc.secret, ok, err, tc.want)
		}
	}
	// A hash made by a hasher with other parameters still verifies: the
	// parameters travel with the hash.
	ok, err := NewHasher(OWASP).Verify("s3cret", enc)
	if err != nil || !ok {
		t.Errorf("Verify with other hasher params = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyNoAccountRunsDummyCheck(t *testing.T) {
	h := NewHasher(OWASP)
	// The dummy must cost what a real hash costs.
	p, _, _, err := decode(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash %q: %v", h.dummy, err)
	}
	if p.Memory != OWASP.Memory || p.Time != OWASP.Time || p.Threads != OWASP.Threads || p.KeyLen != OWASP.KeyLen {
		t.Errorf("dummy params = %+v, want %+v", p, OWASP)
	}
	// The dummy check is observable without timing: argon2id allocates
	// Memory KiB for its work, so Verify must allocate at least that much.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ok, err := h.Verify("anything", "")
	runtime.ReadMemStats(&after)
	if ok || err != nil {
		t.Errorf(`Verify(_, "") = %v, %v; want false, nil`, ok, err)
	}
	if got, want := after.TotalAlloc-before.TotalAlloc, uint64(OWASP.Memory)*1024; got < want {
		t.Errorf(`Verify(_, "") allocated %d bytes, want >= %d (no argon2id work was done)`, got, want)
	}
	// Not even the dummy's own secret (unknown to callers) can match.
	if ok, _ := h.Verify("", ""); ok {
		t.Error(`Verify("", "") = true`)
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(cheap)
	valid := h.Hash("x")
	parts := strings.Split(valid, "$") // "", algo, v, params, salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	for _, tc := range []struct{ name, enc string }{
		{"garbage", "not a hash"},
		{"wrong algorithm argon2i", join("", "argon2i", parts[2], parts[3], parts[4], parts[5])},
		{"wrong algorithm bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
		{"wrong version", join("", "argon2id", "v=16", parts[3], parts[4], parts[5])},
		{"missing part", join("", "argon2id", parts[2], parts[3], parts[5])},
		{"extra part", valid + "$x"},
		{"bad base64 salt", join("", "argon2id", parts[2], parts[3], "!!!!", parts[5])},
		{"bad base64 key", join("", "argon2id", parts[2], parts[3], parts[4], "*not*base64*")},
		{"padded base64 key", join("", "argon2id", parts[2], parts[3], parts[4], parts[5]+"=")},
		{"short key", join("", "argon2id", parts[2], parts[3], parts[4], b64.EncodeToString([]byte("short")))},
		{"zero memory", join("", "argon2id", parts[2], "m=0,t=1,p=1", parts[4], parts[5])},
		{"zero time", join("", "argon2id", parts[2], "m=64,t=0,p=1", parts[4], parts[5])},
		{"zero threads", join("", "argon2id", parts[2], "m=64,t=1,p=0", parts[4], parts[5])},
		{"huge memory", join("", "argon2id", parts[2], "m=4194305,t=1,p=1", parts[4], parts[5])},
		{"huge memory overflow", join("", "argon2id", parts[2], "m=99999999999,t=1,p=1", parts[4], parts[5])},
		{"threads overflow", join("", "argon2id", parts[2], "m=64,t=1,p=256", parts[4], parts[5])},
		{"params missing", join("", "argon2id", parts[2], "m=64", parts[4], parts[5])},
		{"trailing garbage after params", join("", "argon2id", parts[2], parts[3]+"junk", parts[4], parts[5])},
		{"extra param", join("", "argon2id", parts[2], parts[3]+",k=2", parts[4], parts[5])},
		{"trailing garbage after version", join("", "argon2id", "v=19x", parts[3], parts[4], parts[5])},
		{"empty salt", join("", "argon2id", parts[2], parts[3], "", parts[5])},
		{"short salt", join("", "argon2id", parts[2], parts[3], b64.EncodeToString([]byte("1234567")), parts[5])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify("x", tc.enc)
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", tc.enc, ok, err)
			}
			if !h.NeedsRehash(tc.enc) {
				t.Errorf("NeedsRehash(%q) = false; a malformed hash must be replaced", tc.enc)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	base := Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	with := func(f func(*Params)) Params { p := base; f(&p); return p }
	h := NewHasher(base)
	for _, tc := range []struct {
		name string
		p    Params
		want bool
	}{
		{"equal", base, false},
		{"lower memory", with(func(p *Params) { p.Memory = 32 }), true},
		{"lower time", with(func(p *Params) { p.Time = 1 }), true},
		{"shorter key", with(func(p *Params) { p.KeyLen = 16 }), true},
		{"higher memory", with(func(p *Params) { p.Memory = 128 }), false},
		{"higher time", with(func(p *Params) { p.Time = 3 }), false},
		{"other salt length", with(func(p *Params) { p.SaltLen = 32 }), false},
	} {
		if got := h.NeedsRehash(NewHasher(tc.p).Hash("x")); got != tc.want {
			t.Errorf("%s: NeedsRehash = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Against the OWASP hasher, hashes with a lower m or t are weaker.
	owasp := NewHasher(OWASP)
	weakTime := NewHasher(Params{Memory: OWASP.Memory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}).Hash("x")
	if !owasp.NeedsRehash(weakTime) {
		t.Error("NeedsRehash(t=1) = false under OWASP t=2")
	}
	if !owasp.NeedsRehash(NewHasher(cheap).Hash("x")) {
		t.Error("NeedsRehash(m=64) = false under OWASP m=19456")
	}
	if owasp.NeedsRehash(owasp.Hash("x")) {
		t.Error("NeedsRehash(own hash) = true")
	}
}

func TestHashSaltsDiffer(t *testing.T) {
	h := NewHasher(cheap)
	a, b := h.Hash("same secret"), h.Hash("same secret")
	if a == b {
		t.Fatalf("two hashes of one secret are equal: %q", a)
	}
	if strings.Split(a, "$")[4] == strings.Split(b, "$")[4] {
		t.Errorf("two hashes share a salt: %q, %q", a, b)
	}
	for _, enc := range []string{a, b} {
		if ok, err := h.Verify("same secret", enc); !ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v", enc, ok, err)
		}
	}
}

package credential

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// OWASP is the OWASP Password Storage Cheat Sheet's argon2id minimum:
// 19 MiB of memory, 2 iterations, 1 degree of parallelism.
var OWASP = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMalformedHash is returned when a stored hash cannot be parsed.
var ErrMalformedHash = errors.New("credential: malformed hash")

var b64 = base64.RawStdEncoding

// minSaltLen is the shortest salt accepted in a stored hash (the PHC
// string format's minimum).
const minSaltLen = 8

// Hasher hashes secrets with fixed parameters.
type Hasher struct {
	Params Params
	// dummy is a hash of a random value, checked when there is no stored
	// hash, so that an unknown account costs the same time as a known one.
	dummy string
	// gate bounds concurrent computations (nil: unbounded); see Limit.
	// clients bounds those of client authentication apart, so that a
	// flood of password guesses never starves relying parties' token
	// requests, nor the reverse.
	gate, clients *Gate
	// computations counts argon2id runs (Computations).
	computations atomic.Int64
}

// Computations is the number of argon2id hashes h has computed, checks
// included, for the tests that hold a sign-in to its two slow hashes.
func (h *Hasher) Computations() int64 { return h.computations.Load() }

// Limit makes h compute at most as many hashes at once as g allows:
// Verify, VerifyContext and VerifyPassword give up with ErrBusy when no
// slot frees within g's wait; Hash (work after a person proved who they
// are) waits for one.
func (h *Hasher) Limit(g *Gate) { h.gate = g }

// LimitClients gives client authentication (contexts marked with
// ForClient) a gate of its own.
func (h *Hasher) LimitClients(g *Gate) { h.clients = g }

type clientKey struct{}

// ForClient marks ctx's hashing as a client's authentication at the
// token-type endpoints (see LimitClients).
func ForClient(ctx context.Context) context.Context { return context.WithValue(ctx, clientKey{}, true) }

// gateFor is the gate ctx's hashing waits at.
func (h *Hasher) gateFor(ctx context.Context) *Gate {
	if client, _ := ctx.Value(clientKey{}).(bool); client && h.clients != nil {
		return h.clients
	}
	return h.gate
}

// NewHasher returns a hasher for p.
func NewHasher(p Params) *Hasher {
	h := &Hasher{Params: p}
	h.dummy = h.Hash(rand.Text())
	return h
}

// Hash returns the PHC string of secret with a fresh random salt.
func (h *Hasher) Hash(secret string) string {
	var out string
	ctx := Prioritize(context.Background())
	for h.gate.run(ctx, func() { out = h.hash(secret) }) != nil {
		// Busy: authenticated work waits on, ahead of guesses.
	}
	return out
}

func (h *Hasher) hash(secret string) string {
	h.computations.Add(1)
	p := h.Params
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt) // crypto/rand never fails
	key := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether secret matches the PHC hash encoded. An empty
// encoded hash (no such account) is checked against a dummy hash so that
// the answer takes as long as a real check, and is always false.
func (h *Hasher) Verify(secret, encoded string) (bool, error) {
	return h.VerifyContext(context.Background(), secret, encoded)
}

// VerifyContext is Verify in a slot of the hasher's gate, waiting with
// ctx's priority (see Prioritize); ErrBusy when no slot freed in time.
func (h *Hasher) VerifyContext(ctx context.Context, secret, encoded string) (ok bool, err error) {
	if gerr := h.gateFor(ctx).run(ctx, func() { ok, err = h.verify(secret, encoded) }); gerr != nil {
		return false, gerr
	}
	return ok, err
}

func (h *Hasher) verify(secret, encoded string) (bool, error) {
	h.computations.Add(1)
	if encoded == "" {
		_, _ = verify(secret, h.dummy)
		return false, nil
	}
	return verify(secret, encoded)
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// the hasher's, so that it should be replaced after a successful check.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.Memory < h.Params.Memory || p.Time < h.Params.Time || p.Threads < h.Params.Threads ||
		p.KeyLen < h.Params.KeyLen
}

func verify(secret, encoded string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrMalformedHash
	}
	// Sscanf ignores what follows the last verb, so the parsed values are
	// formatted again and must give back exactly the stored text.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) {
		return p, nil, nil, ErrMalformedHash
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 4*1024*1024 {
		return p, nil, nil, ErrMalformedHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen {
		return p, nil, nil, ErrMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, ErrMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

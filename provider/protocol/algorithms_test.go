package protocol

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestIDTokenAlgorithm(t *testing.T) {
	t.Parallel()
	for setting, want := range map[string]jose.SignatureAlgorithm{"": jose.RS256, "RS256": jose.RS256, "ES256": jose.ES256, "EdDSA": jose.EdDSA} {
		if got, err := IDTokenAlgorithm(setting); err != nil || got != want {
			t.Errorf("IDTokenAlgorithm(%q) = %s, %v; want %s", setting, got, err, want)
		}
	}
	for _, setting := range []string{"es256", "HS256", "PS256", "none", "RS256 "} {
		if _, err := IDTokenAlgorithm(setting); !errors.Is(err, ErrUnknownAlgorithm) {
			t.Errorf("IDTokenAlgorithm(%q) = %v, want ErrUnknownAlgorithm", setting, err)
		}
	}
	if AlgorithmNames() != "RS256, ES256, EdDSA" {
		t.Errorf("AlgorithmNames() = %q", AlgorithmNames())
	}
}

// TestSigningKeyFollowsTheClient: Storage.SigningKey signs with the
// algorithm of the client the token endpoint named in the context, with
// RS256 when none is named; a setting it does not know is an error, not a
// silent RS256; discovery lists every algorithm.
func TestSigningKeyFollowsTheClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	s := NewStorage(Config{Store: st, Keys: k})
	for setting, want := range map[string]jose.SignatureAlgorithm{"": jose.RS256, "ES256": jose.ES256, "EdDSA": jose.EdDSA} {
		sk, err := s.SigningKey(WithClientAlgorithm(ctx, setting))
		if err != nil || sk.SignatureAlgorithm() != want {
			t.Errorf("SigningKey for a client with %q: %v, %v; want a %s key", setting, sk, err, want)
		}
	}
	if sk, err := s.SigningKey(ctx); err != nil || sk.SignatureAlgorithm() != jose.RS256 {
		t.Errorf("SigningKey without a client: %v, %v; want RS256", sk, err)
	}
	if _, err := s.SigningKey(WithClientAlgorithm(ctx, "HS256")); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("SigningKey for a client with HS256: %v, want ErrUnknownAlgorithm", err)
	}
	if algs, _ := s.SignatureAlgorithms(ctx); !slices.Equal(algs, SigningAlgorithms) {
		t.Errorf("SignatureAlgorithms = %v", algs)
	}
}

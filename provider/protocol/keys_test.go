package protocol

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// keysTestStore opens a migrated SQLite store in a temporary directory with
// a frozen clock that the returned function advances.
func keysTestStore(t testing.TB) (*store.Store, func(time.Duration)) {
	t.Helper()
	st, err := store.Open("sqlite", filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	now := time.Unix(1_700_000_000, 0).UTC()
	st.Clock = func() time.Time { return now }
	return st, func(d time.Duration) { now = now.Add(d) }
}

// keysTestSealer returns a sealer whose 32-byte key is filled with b.
func keysTestSealer(t testing.TB, b byte) *credential.Sealer {
	t.Helper()
	s, err := credential.NewSealer(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func keysTestPublishedIDs(t *testing.T, k *Keys) []string {
	t.Helper()
	keys, err := k.published(context.Background())
	if err != nil {
		t.Fatalf("published: %v", err)
	}
	var ids []string
	for _, key := range keys {
		ok := false
		switch pub := key.Key().(type) {
		case *rsa.PublicKey:
			ok = key.Algorithm() == jose.RS256
		case *ecdsa.PublicKey:
			ok = key.Algorithm() == jose.ES256 && pub.Curve == elliptic.P256()
		case ed25519.PublicKey:
			ok = key.Algorithm() == jose.EdDSA
		}
		if !ok || key.Use() != "sig" {
			t.Errorf("published key %s: alg %s use %q with Key() %T, want one op.Key accepts for its alg", key.ID(), key.Algorithm(), key.Use(), key.Key())
		}
		ids = append(ids, key.ID())
	}
	return ids
}

// keysTestSigningID returns the id of alg's active key, checking that its
// private key is of the right kind and size.
func keysTestSigningID(t *testing.T, k *Keys, alg jose.SignatureAlgorithm) string {
	t.Helper()
	sk, err := k.signing(context.Background(), alg)
	if err != nil {
		t.Fatalf("signing %s: %v", alg, err)
	}
	ok := false
	switch priv := sk.Key().(type) {
	case *rsa.PrivateKey:
		ok = alg == jose.RS256 && priv.N.BitLen() >= 2048
	case *ecdsa.PrivateKey:
		ok = alg == jose.ES256 && priv.Curve == elliptic.P256()
	case ed25519.PrivateKey:
		ok = alg == jose.EdDSA
	}
	if !ok || sk.SignatureAlgorithm() != alg {
		t.Fatalf("signing key for %s: %s with Key() %T", alg, sk.SignatureAlgorithm(), sk.Key())
	}
	return sk.ID()
}

// keysTestSigningIDs returns the active key id of every algorithm.
func keysTestSigningIDs(t *testing.T, k *Keys) map[jose.SignatureAlgorithm]string {
	t.Helper()
	ids := map[jose.SignatureAlgorithm]string{}
	for _, alg := range SigningAlgorithms {
		ids[alg] = keysTestSigningID(t, k, alg)
	}
	return ids
}

func TestKeysEnsureKeyCreatesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if _, err := k.signing(ctx, jose.RS256); err == nil {
		t.Error("signing before EnsureKey succeeded on an empty store")
	}
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	first := keysTestSigningIDs(t, k)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatalf("second EnsureKey: %v", err)
	}
	// A fresh manager (another replica, a restart) keeps the same keys too.
	k2 := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if err := k2.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey on a second manager: %v", err)
	}
	infos, err := k.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(infos) != len(SigningAlgorithms) {
		t.Fatalf("List = %+v, want one key per algorithm", infos)
	}
	for _, i := range infos {
		if first[jose.SignatureAlgorithm(i.Algorithm)] != i.ID || i.RetiredAt != nil || !i.Published {
			t.Errorf("List has %+v, want the active published %s key %s", i, i.Algorithm, first[jose.SignatureAlgorithm(i.Algorithm)])
		}
	}
	if got := keysTestSigningIDs(t, k2); !maps.Equal(got, first) {
		t.Errorf("second manager signs with %v, want %v", got, first)
	}
	if got := keysTestPublishedIDs(t, k); len(got) != 3 || !slices.Contains(got, first[jose.EdDSA]) {
		t.Errorf("published = %v, want %v", got, first)
	}
	// The private keys are stored encrypted, not as plain DER.
	rows, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if _, err := keysTestSealer(t, 1).Open(r.PrivateKey, []byte("signing-key:"+r.ID)); err != nil {
			t.Errorf("stored %s private key does not open with the sealer: %v", r.Algorithm, err)
		}
	}
}

// TestKeysUpgradeAddsTheNewAlgorithms: a database of the releases before
// ES256 and EdDSA holds one RSA key (PKCS #1, sealed); EnsureKey keeps it
// as the RS256 key and adds one key of each new algorithm.
func TestKeysUpgradeAddsTheNewAlgorithms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	seal := keysTestSealer(t, 1)
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddSigningKeys(ctx, &store.SigningKey{ID: "old-rsa", Algorithm: "RS256",
		PrivateKey: seal.Seal(x509.MarshalPKCS1PrivateKey(priv), SigningKeyAD("old-rsa")), CreatedAt: st.Now()}); err != nil {
		t.Fatal(err)
	}
	k := NewKeys(st, seal, time.Hour)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	ids := keysTestSigningIDs(t, k)
	if ids[jose.RS256] != "old-rsa" || ids[jose.ES256] == "" || ids[jose.EdDSA] == "" {
		t.Fatalf("after the upgrade the keys are %v, want the old RSA key and new ES256 and EdDSA keys", ids)
	}
	sk, _ := k.signing(ctx, jose.RS256)
	if !sk.Key().(*rsa.PrivateKey).Equal(priv) {
		t.Error("the old RSA key does not sign as it was")
	}
}

// TestKeysSignAndVerify: each algorithm's active key signs a token the
// library's signer makes, and it verifies with the published public key.
func TestKeysSignAndVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	pubs, err := k.published(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range SigningAlgorithms {
		sk, err := k.signing(ctx, alg)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := op.SignerFromKey(sk)
		if err != nil {
			t.Fatalf("%s: the library makes no signer: %v", alg, err)
		}
		jws, err := signer.Sign([]byte(`{"sub":"x"}`))
		if err != nil {
			t.Fatalf("%s: sign: %v", alg, err)
		}
		compact, _ := jws.CompactSerialize()
		parsed, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{alg})
		if err != nil {
			t.Fatalf("%s: parse: %v", alg, err)
		}
		i := slices.IndexFunc(pubs, func(p op.Key) bool { return p.ID() == sk.ID() })
		if i < 0 {
			t.Fatalf("%s: the active key %s is not published", alg, sk.ID())
		}
		if _, err := parsed.Verify(pubs[i].Key()); err != nil {
			t.Errorf("%s: does not verify with the published key: %v", alg, err)
		}
	}
}

func TestKeysRotatePublishesOldKeyUntilExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, advance := keysTestStore(t)
	const publishFor = 2 * time.Hour
	k := NewKeys(st, keysTestSealer(t, 1), publishFor)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	old := keysTestSigningIDs(t, k)
	advance(time.Minute)
	rotated, err := k.Rotate(ctx)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if len(rotated) != len(SigningAlgorithms) {
		t.Fatalf("Rotate made %+v, want one key per algorithm", rotated)
	}
	for i, alg := range SigningAlgorithms {
		id := rotated[i].ID
		if rotated[i].Algorithm != string(alg) || id == old[alg] {
			t.Fatalf("Rotate's key %d = %+v, want a new %s key", i, rotated[i], alg)
		}
		if got := keysTestSigningID(t, k, alg); got != id {
			t.Errorf("after Rotate the %s signing key = %s, want the new key %s", alg, got, id)
		}
		if got := keysTestPublishedIDs(t, k); len(got) != 6 || !slices.Contains(got, old[alg]) || !slices.Contains(got, id) {
			t.Errorf("published right after Rotate = %v, want both %s and %s among 6 keys", got, id, old[alg])
		}
	}
	// The public keys match the private keys that sign.
	pubs, _ := k.published(ctx)
	for _, alg := range SigningAlgorithms {
		sk, _ := k.signing(ctx, alg)
		for _, p := range pubs {
			type publicKey interface{ Equal(crypto.PublicKey) bool }
			if p.ID() == sk.ID() && !p.Key().(publicKey).Equal(sk.Key().(crypto.Signer).Public()) {
				t.Errorf("published public key of the active %s key does not match its private key", alg)
			}
		}
	}

	advance(publishFor - time.Second)
	if got := keysTestPublishedIDs(t, k); len(got) != 6 {
		t.Errorf("published just before publishFor elapsed = %v, want 6 keys", got)
	}
	advance(2 * time.Second)
	got := keysTestPublishedIDs(t, k)
	slices.Sort(got)
	want := []string{rotated[0].ID, rotated[1].ID, rotated[2].ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("published after publishFor = %v, want only %v", got, want)
	}
	infos, err := k.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	retired := 0
	for _, i := range infos {
		if slices.Contains(want, i.ID) != i.Published {
			t.Errorf("List after publishFor has %+v, want only the new keys published", i)
		}
		if i.RetiredAt != nil {
			retired++
		}
	}
	if len(infos) != 6 || retired != 3 {
		t.Errorf("List after publishFor = %+v, want 6 keys of which the 3 old are retired", infos)
	}
}

func TestKeysWrongEncryptionKeyStopsStartUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	if err := NewKeys(st, keysTestSealer(t, 1), time.Hour).EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	wrong := NewKeys(st, keysTestSealer(t, 2), time.Hour)
	err := wrong.EnsureKey(ctx)
	if !errors.Is(err, credential.ErrWrongKey) {
		t.Fatalf("EnsureKey with another encryption key = %v, want an error wrapping ErrWrongKey", err)
	}
	if !strings.Contains(err.Error(), "encryption key") {
		t.Errorf("error %q does not mention the encryption key", err)
	}
	// It must not paper over the problem by creating a fresh key.
	rows, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Errorf("after a failed EnsureKey the store holds %d keys, want the 3 it had", len(rows))
	}
	if _, err := wrong.signing(ctx, jose.RS256); err == nil {
		t.Error("signing succeeded after EnsureKey failed")
	}
}

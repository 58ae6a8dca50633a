package protocol

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// keysTestStore opens a migrated SQLite store in a temporary directory with
// a frozen clock that the returned function advances.
func keysTestStore(t *testing.T) (*store.Store, func(time.Duration)) {
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
func keysTestSealer(t *testing.T, b byte) *credential.Sealer {
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
		if _, ok := key.Key().(*rsa.PublicKey); !ok {
			t.Errorf("published key %s: Key() is %T, want *rsa.PublicKey", key.ID(), key.Key())
		}
		if key.Algorithm() != jose.RS256 || key.Use() != "sig" {
			t.Errorf("published key %s: alg %s use %q, want RS256 sig", key.ID(), key.Algorithm(), key.Use())
		}
		ids = append(ids, key.ID())
	}
	return ids
}

func keysTestSigningID(t *testing.T, k *Keys) string {
	t.Helper()
	sk, err := k.signing(context.Background())
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	priv, ok := sk.Key().(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("signing key Key() is %T, want *rsa.PrivateKey", sk.Key())
	}
	if sk.SignatureAlgorithm() != jose.RS256 || priv.N.BitLen() < 2048 {
		t.Errorf("signing key: %s with %d bits, want RS256 with >= 2048", sk.SignatureAlgorithm(), priv.N.BitLen())
	}
	return sk.ID()
}

func TestKeysEnsureKeyCreatesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if _, err := k.signing(ctx); err == nil {
		t.Error("signing before EnsureKey succeeded on an empty store")
	}
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	first := keysTestSigningID(t, k)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatalf("second EnsureKey: %v", err)
	}
	// A fresh manager (another replica, a restart) keeps the same key too.
	k2 := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if err := k2.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey on a second manager: %v", err)
	}
	infos, err := k.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(infos) != 1 || infos[0].ID != first || infos[0].RetiredAt != nil || !infos[0].Published {
		t.Fatalf("List = %+v, want one active published key %s", infos, first)
	}
	if got := keysTestSigningID(t, k2); got != first {
		t.Errorf("second manager signs with %s, want %s", got, first)
	}
	if got := keysTestPublishedIDs(t, k); len(got) != 1 || got[0] != first {
		t.Errorf("published = %v, want [%s]", got, first)
	}
	// The private key is stored encrypted, not as plain DER.
	rows, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keysTestSealer(t, 1).Open(rows[0].PrivateKey, []byte("signing-key:"+first)); err != nil {
		t.Errorf("stored private key does not open with the sealer: %v", err)
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
	old := keysTestSigningID(t, k)
	advance(time.Minute)
	id, err := k.Rotate(ctx)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if id == old {
		t.Fatalf("Rotate returned the old key id %s", id)
	}
	if got := keysTestSigningID(t, k); got != id {
		t.Errorf("after Rotate signing key = %s, want the new key %s", got, id)
	}
	if got := keysTestPublishedIDs(t, k); len(got) != 2 || !slices.Contains(got, old) || !slices.Contains(got, id) {
		t.Errorf("published right after Rotate = %v, want both %s and %s", got, id, old)
	}
	// The public key matches the private key that signs.
	pubs, _ := k.published(ctx)
	sk, _ := k.signing(ctx)
	for _, p := range pubs {
		if p.ID() == id && !p.Key().(*rsa.PublicKey).Equal(&sk.Key().(*rsa.PrivateKey).PublicKey) {
			t.Error("published public key of the active key does not match its private key")
		}
	}

	advance(publishFor - time.Second)
	if got := keysTestPublishedIDs(t, k); len(got) != 2 {
		t.Errorf("published just before publishFor elapsed = %v, want 2 keys", got)
	}
	advance(2 * time.Second)
	if got := keysTestPublishedIDs(t, k); len(got) != 1 || got[0] != id {
		t.Errorf("published after publishFor = %v, want only %s", got, id)
	}
	if got := keysTestSigningID(t, k); got != id {
		t.Errorf("signing key after publishFor = %s, want %s", got, id)
	}
	infos, err := k.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]bool{}
	for _, i := range infos {
		states[i.ID] = i.Published
		if i.ID == old && i.RetiredAt == nil {
			t.Errorf("old key %s is not marked retired", old)
		}
	}
	if len(infos) != 2 || !states[id] || states[old] {
		t.Errorf("List after publishFor = %+v, want new key published and old one not", infos)
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
	if len(rows) != 1 {
		t.Errorf("after a failed EnsureKey the store holds %d keys, want 1", len(rows))
	}
	if _, err := wrong.signing(ctx); err == nil {
		t.Error("signing succeeded after EnsureKey failed")
	}
}

package protocol

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

// x5cKey is one published key as Entra ID reads it.
type x5cKey struct {
	Kid string   `json:"kid"`
	Alg string   `json:"alg"`
	X5c []string `json:"x5c"`
	X5t string   `json:"x5t"`
}

// wantCertifiedKeySet checks that every key of an encoded key set carries
// x5c (one standard-base64 DER certificate, self-signed, CN naming the
// key, valid for twenty years, holding the published key) and x5t (the
// unpadded base64url SHA-1 of that DER), and that its kid is base64url-
// safe. It returns the keys.
func wantCertifiedKeySet(t *testing.T, body []byte) []x5cKey {
	t.Helper()
	var raw struct {
		Keys []x5cKey `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("key set is not JSON: %v", err)
	}
	// The library reads it back with the certificates checked against the
	// thumbprints.
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("go-jose does not read the key set: %v", err)
	}
	if len(raw.Keys) == 0 || len(set.Keys) != len(raw.Keys) {
		t.Fatalf("key set has %d keys (go-jose reads %d)", len(raw.Keys), len(set.Keys))
	}
	for i, k := range raw.Keys {
		if k.Kid == "" || strings.Trim(k.Kid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("kid %q is not base64url-safe", k.Kid)
		}
		if len(k.X5c) != 1 {
			t.Errorf("key %s: x5c %v, want one certificate", k.Kid, k.X5c)
			continue
		}
		der, err := base64.StdEncoding.DecodeString(k.X5c[0])
		if err != nil || base64.StdEncoding.EncodeToString(der) != k.X5c[0] {
			t.Errorf("key %s: x5c is not standard base64 (%v)", k.Kid, err)
			continue
		}
		sum := sha1.Sum(der)
		if want := base64.RawURLEncoding.EncodeToString(sum[:]); k.X5t != want {
			t.Errorf("key %s: x5t %q, want the base64url SHA-1 of the certificate %q", k.Kid, k.X5t, want)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Errorf("key %s: certificate: %v", k.Kid, err)
			continue
		}
		pub, ok := set.Keys[i].Key.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(cert.PublicKey) {
			t.Errorf("key %s: the certificate holds another key than the one published", k.Kid)
		}
		if cert.Subject.CommonName != "otpgate signing key "+k.Kid || cert.Issuer.String() != cert.Subject.String() {
			t.Errorf("key %s: subject %q issuer %q, want the key named, self-issued", k.Kid, cert.Subject, cert.Issuer)
		}
		// Not a CA (it issues nothing), so CheckSignatureFrom does not apply.
		if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil || cert.IsCA {
			t.Errorf("key %s: the certificate is not signed by its own key (%v), or is a CA (%v)", k.Kid, err, cert.IsCA)
		}
		if life := cert.NotAfter.Sub(cert.NotBefore); life < 19*365*24*time.Hour {
			t.Errorf("key %s: certificate valid for %s, want about twenty years", k.Kid, life)
		}
		if !bytes.Equal(set.Keys[i].CertificateThumbprintSHA1, sum[:]) {
			t.Errorf("key %s: go-jose reads thumbprint %x, want %x", k.Kid, set.Keys[i].CertificateThumbprintSHA1, sum)
		}
	}
	return raw.Keys
}

// TestJWKSCertificatesOfNewKeys: on a new database every key, the first
// ones and the rotated ones, is published with its certificate, and two
// replicas publish the same document.
func TestJWKSCertificatesOfNewKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, advance := keysTestStore(t)
	a := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	b := NewKeys(st, keysTestSealer(t, 1), time.Hour) // another replica
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.EnsureKey(ctx))
	must(b.EnsureKey(ctx))
	if keys := wantCertifiedKeySet(t, mustJWKS(t, a)); len(keys) != 3 {
		t.Fatalf("%d keys published, want one per algorithm", len(keys))
	}
	if !bytes.Equal(mustJWKS(t, a), mustJWKS(t, b)) {
		t.Errorf("two replicas publish different key sets:\n%s\n%s", mustJWKS(t, a), mustJWKS(t, b))
	}
	advance(time.Minute)
	_, err := a.Rotate(ctx)
	must(err)
	must(b.Load(ctx))
	if keys := wantCertifiedKeySet(t, mustJWKS(t, a)); len(keys) != 6 {
		t.Fatalf("%d keys published after a rotation, want six", len(keys))
	}
	if !bytes.Equal(mustJWKS(t, a), mustJWKS(t, b)) {
		t.Errorf("after a rotation two replicas publish different key sets")
	}
}

// TestJWKSCertificatesOfUpgradedKeys: the keys an earlier release stored
// (no certificate; one retired, one active) get one at start-up. Replicas
// starting together each make one for every such key, exactly one is kept,
// and every replica publishes it: the same document everywhere. Load alone
// writes nothing.
func TestJWKSCertificatesOfUpgradedKeys(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st, advance := keysTestStore(t)
		testCertificatesOfUpgradedKeys(t, st, advance)
	})
	// The replicas' race is a race of database sessions: run it on
	// PostgreSQL too when one is given.
	if dsn := os.Getenv("OTPGATE_TEST_POSTGRES_DSN"); dsn != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			st := storetest.OpenPostgres(t, dsn)
			now := time.Unix(1_700_000_000, 0).UTC()
			var mu sync.Mutex
			st.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			testCertificatesOfUpgradedKeys(t, st, func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) })
		})
	}
}

func testCertificatesOfUpgradedKeys(t *testing.T, st *store.Store, advance func(time.Duration)) {
	ctx := context.Background()
	seal := keysTestSealer(t, 1)
	for _, id := range []string{"OLDRSAKEYRETIRED", "OLDRSAKEYACTIVE2"} {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddSigningKeys(ctx, &store.SigningKey{ID: id, Algorithm: "RS256",
			PrivateKey: seal.Seal(x509.MarshalPKCS1PrivateKey(priv), SigningKeyAD(id)), CreatedAt: st.Now()}); err != nil {
			t.Fatal(err)
		}
		advance(time.Minute)
	}

	loaded := NewKeys(st, seal, time.Hour)
	if err := loaded.Load(ctx); err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []x5cKey }
	if err := json.Unmarshal(mustJWKS(t, loaded), &set); err != nil || len(set.Keys) != 2 || set.Keys[0].X5c != nil {
		t.Fatalf("Load published %+v (%v), want the two keys as they are", set.Keys, err)
	}
	if rows, _ := st.SigningKeys(ctx); rows[0].Certificate != "" || rows[1].Certificate != "" {
		t.Fatal("Load stored a certificate")
	}

	const n = 6
	replicas := make([]*Keys, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range replicas {
		replicas[i] = NewKeys(st, seal, time.Hour)
		wg.Go(func() {
			<-start
			errs[i] = replicas[i].EnsureKey(ctx)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	first := mustJWKS(t, replicas[0])
	keys := wantCertifiedKeySet(t, first)
	if len(keys) != 4 || keys[2].Kid != "OLDRSAKEYACTIVE2" || keys[3].Kid != "OLDRSAKEYRETIRED" {
		t.Fatalf("published %+v, want the new ES256 and EdDSA keys and the two upgraded RSA keys", keys)
	}
	for i, k := range replicas {
		if got := mustJWKS(t, k); !bytes.Equal(got, first) {
			t.Errorf("replica %d publishes another key set:\n%s\nwant\n%s", i, got, first)
		}
	}
	rows, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]string{}
	for _, k := range keys {
		published[k.Kid] = k.X5c[0]
	}
	for _, r := range rows {
		block, _ := pem.Decode([]byte(r.Certificate))
		if block == nil || published[r.ID] != base64.StdEncoding.EncodeToString(block.Bytes) {
			t.Errorf("key %s: the stored certificate is not the one published", r.ID)
		}
	}
	// The upgraded RSA key still signs, as it did.
	if got := keysTestSigningID(t, replicas[0], jose.RS256); got != "OLDRSAKEYACTIVE2" {
		t.Errorf("RS256 signs with %s after the upgrade, want OLDRSAKEYACTIVE2", got)
	}
}

// TestKeysRefuseAForeignCertificate: a stored certificate that does not
// hold its key stops loading instead of publishing a key Entra would pair
// with the wrong certificate.
func TestKeysRefuseAForeignCertificate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := keysTestStore(t)
	seal := keysTestSealer(t, 1)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := newCertificate("ESKEY", other, st.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddSigningKeys(ctx, &store.SigningKey{ID: "ESKEY", Algorithm: "ES256",
		PrivateKey: seal.Seal(der, SigningKeyAD("ESKEY")), CreatedAt: st.Now(), Certificate: cert}); err != nil {
		t.Fatal(err)
	}
	if err := NewKeys(st, seal, time.Hour).Load(ctx); !errors.Is(err, errCertificateMismatch) {
		t.Fatalf("Load with a foreign certificate: %v, want %v", err, errCertificateMismatch)
	}
}

package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var keyCases = []testCase{
	{"SigningKeys/RotationRetiresPrevious", testKeyRotation},
	{"SigningKeys/DeleteRetiredBefore", testKeyDelete},
	{"SigningKeys/FirstKeyOnlyOnEmpty", testFirstKey},
	{"Concurrency/FirstSigningKeyOnce", testRaceFirstKey},
	{"SigningKeys/OneActivePerAlgorithm", testKeysPerAlgorithm},
	{"SigningKeys/FirstKeyPerAlgorithm", testFirstKeyPerAlgorithm},
	{"Concurrency/FirstKeyOfANewAlgorithmOnce", testRaceFirstKeyNewAlgorithm},
	{"SigningKeys/CertificateSetOnce", testKeyCertificateOnce},
	{"Concurrency/KeyCertificateOnce", testRaceKeyCertificate},
}

func sealedKey(s *store.Store, id, alg string) *store.SigningKey {
	return &store.SigningKey{ID: id, Algorithm: alg, PrivateKey: []byte("sealed-" + id), CreatedAt: s.Now()}
}

// activeByAlgorithm maps each algorithm to its active keys' ids.
func activeByAlgorithm(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	active := map[string][]string{}
	for _, k := range keys {
		if k.RetiredAt == nil {
			active[k.Algorithm] = append(active[k.Algorithm], k.ID)
		}
	}
	return active
}

// testKeysPerAlgorithm: a rotation of every algorithm at once leaves one
// active key per algorithm; adding a key of one algorithm retires only the
// active key of that algorithm.
func testKeysPerAlgorithm(t *testing.T, s *store.Store, c *clock) {
	must(t, s.AddSigningKeys(ctx(t), sealedKey(s, "rs1", "RS256"), sealedKey(s, "es1", "ES256"), sealedKey(s, "ed1", "EdDSA")),
		"AddSigningKeys (first set)")
	c.Advance(time.Hour)
	must(t, s.AddSigningKeys(ctx(t), sealedKey(s, "rs2", "RS256"), sealedKey(s, "es2", "ES256"), sealedKey(s, "ed2", "EdDSA")),
		"AddSigningKeys (rotation)")
	active := activeByAlgorithm(t, s)
	for alg, id := range map[string]string{"RS256": "rs2", "ES256": "es2", "EdDSA": "ed2"} {
		wantList(t, active[alg], []string{id}, "active "+alg+" keys after a rotation")
	}
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	for _, k := range keys {
		if k.ID[2] == '1' {
			wantTime(t, k.RetiredAt, epoch.Add(time.Hour), "retired_at of "+k.ID)
		}
	}
	c.Advance(time.Hour)
	must(t, s.AddSigningKeys(ctx(t), sealedKey(s, "es3", "ES256")), "AddSigningKeys (ES256 only)")
	active = activeByAlgorithm(t, s)
	wantList(t, active["ES256"], []string{"es3"}, "active ES256 keys")
	wantList(t, active["RS256"], []string{"rs2"}, "active RS256 keys after an ES256 rotation")
	wantList(t, active["EdDSA"], []string{"ed2"}, "active EdDSA keys after an ES256 rotation")
}

// testFirstKeyPerAlgorithm: a database with only an RS256 key (the
// releases before ES256 and EdDSA) gets its first key of each new
// algorithm, once.
func testFirstKeyPerAlgorithm(t *testing.T, s *store.Store, _ *clock) {
	for _, k := range []*store.SigningKey{sealedKey(s, "rs1", "RS256"), sealedKey(s, "es1", "ES256"), sealedKey(s, "ed1", "EdDSA")} {
		added, err := s.AddFirstSigningKey(ctx(t), k)
		must(t, err, "AddFirstSigningKey "+k.ID)
		if !added {
			t.Fatalf("the first %s key was not stored", k.Algorithm)
		}
	}
	added, err := s.AddFirstSigningKey(ctx(t), sealedKey(s, "es2", "ES256"))
	must(t, err, "AddFirstSigningKey with an ES256 key present")
	if added {
		t.Fatal("a second first ES256 key was stored")
	}
	active := activeByAlgorithm(t, s)
	if len(active) != 3 || len(active["RS256"]) != 1 || len(active["ES256"]) != 1 || len(active["EdDSA"]) != 1 {
		t.Fatalf("active keys %v, want one per algorithm", active)
	}
}

// testRaceFirstKeyNewAlgorithm: replicas upgrading together a database
// that has only its RS256 key store exactly one first key of the new
// algorithm between them, and keep the RS256 key active.
func testRaceFirstKeyNewAlgorithm(t *testing.T, s *store.Store, _ *clock) {
	const n = 8
	must(t, s.AddSigningKeys(ctx(t), sealedKey(s, "rs1", "RS256")), "AddSigningKeys")
	var stored atomic.Int64
	errs := race(n, func(i int) error {
		added, err := s.AddFirstSigningKey(ctx(t), sealedKey(s, fmt.Sprintf("ed%d", i), "EdDSA"))
		if added {
			stored.Add(1)
		}
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d calls succeeded", ok, n)
	}
	active := activeByAlgorithm(t, s)
	if stored.Load() != 1 || len(active["EdDSA"]) != 1 || len(active["RS256"]) != 1 {
		t.Fatalf("%d calls stored a key, active keys %v; want exactly one EdDSA key and the RS256 key", stored.Load(), active)
	}
}

func firstKey(s *store.Store, id string) (bool, error) {
	return s.AddFirstSigningKey(context.Background(), &store.SigningKey{ID: id, Algorithm: "RS256",
		PrivateKey: []byte("sealed-" + id), CreatedAt: s.Now()})
}

func testFirstKey(t *testing.T, s *store.Store, _ *clock) {
	added, err := firstKey(s, "k1")
	must(t, err, "AddFirstSigningKey on an empty table")
	if !added {
		t.Fatalf("the first key was not stored")
	}
	added, err = firstKey(s, "k2")
	must(t, err, "AddFirstSigningKey with a key present")
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	if added || len(keys) != 1 || keys[0].ID != "k1" || keys[0].RetiredAt != nil {
		t.Fatalf("a second first key: added %v, keys %+v", added, keys)
	}
}

// testRaceFirstKey: replicas starting together on an empty database store
// exactly one first key between them.
func testRaceFirstKey(t *testing.T, s *store.Store, _ *clock) {
	const n = 8
	var stored atomic.Int64
	errs := race(n, func(i int) error {
		added, err := firstKey(s, fmt.Sprintf("k%d", i))
		if added {
			stored.Add(1)
		}
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d calls succeeded", ok, n)
	}
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	if stored.Load() != 1 || len(keys) != 1 {
		t.Fatalf("%d calls stored a key, %d keys stored; want exactly 1", stored.Load(), len(keys))
	}
}

func addKey(t *testing.T, s *store.Store, id string) {
	t.Helper()
	must(t, s.AddSigningKeys(ctx(t), &store.SigningKey{ID: id, Algorithm: "RS256",
		PrivateKey: []byte("sealed-" + id + "\x00\xff"), CreatedAt: s.Now()}), "AddSigningKey "+id)
}

func testKeyRotation(t *testing.T, s *store.Store, c *clock) {
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys on empty store")
	if len(keys) != 0 {
		t.Fatalf("empty store has %d keys", len(keys))
	}
	ids := []string{"k1", "k2", "k3", "k4", "k5"}
	for _, id := range ids {
		addKey(t, s, id)
		c.Advance(time.Hour)
	}
	keys, err = s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	var got []string
	active := 0
	for _, k := range keys {
		got = append(got, k.ID)
		if k.RetiredAt == nil {
			active++
		}
	}
	wantList(t, got, []string{"k5", "k4", "k3", "k2", "k1"}, "SigningKeys order (newest first)")
	if active != 1 || keys[0].RetiredAt != nil {
		t.Fatalf("after %d rotations %d keys are active (newest active: %v), want exactly the newest", len(ids), active, keys[0].RetiredAt == nil)
	}
	// Each key was retired when its successor was added, one hour after it.
	for i, k := range keys[1:] {
		wantTime(t, k.RetiredAt, k.CreatedAt.Add(time.Hour), "retired_at of "+k.ID)
		wantTime(t, &k.CreatedAt, epoch.Add(time.Duration(len(ids)-2-i)*time.Hour), "created_at of "+k.ID)
	}
	if string(keys[0].PrivateKey) != "sealed-k5\x00\xff" || keys[0].Algorithm != "RS256" {
		t.Fatalf("key material did not round-trip: %q %q", keys[0].PrivateKey, keys[0].Algorithm)
	}

	// Two rotations within the same instant still leave exactly one active key.
	addKey(t, s, "k6")
	addKey(t, s, "k7")
	keys, err = s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	var activeIDs []string
	for _, k := range keys {
		if k.RetiredAt == nil {
			activeIDs = append(activeIDs, k.ID)
		}
	}
	wantList(t, activeIDs, []string{"k7"}, "active keys after two rotations in one instant")
}

func testKeyDelete(t *testing.T, s *store.Store, c *clock) {
	for _, id := range []string{"k1", "k2", "k3", "k4"} {
		addKey(t, s, id)
		c.Advance(24 * time.Hour)
	}
	// k1 retired at epoch+24h, k2 at +48h, k3 at +72h; k4 is active.
	must(t, s.DeleteSigningKeysRetiredBefore(ctx(t), epoch.Add(48*time.Hour)), "DeleteSigningKeysRetiredBefore")
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	var got []string
	for _, k := range keys {
		got = append(got, k.ID)
	}
	wantList(t, got, []string{"k4", "k3", "k2"}, "keys left (retired at the cut-off is kept)")
	must(t, s.DeleteSigningKeysRetiredBefore(ctx(t), epoch.Add(1000*time.Hour)), "DeleteSigningKeysRetiredBefore")
	keys, err = s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	if len(keys) != 1 || keys[0].ID != "k4" || keys[0].RetiredAt != nil {
		t.Fatalf("deleting every retired key left %+v, want only the active k4", keys)
	}
}

// certificateOf reads the stored certificate of key id.
func certificateOf(t *testing.T, s *store.Store, id string) string {
	t.Helper()
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	for _, k := range keys {
		if k.ID == id {
			return k.Certificate
		}
	}
	t.Fatalf("no signing key %s", id)
	return ""
}

// testKeyCertificateOnce: a key stored with a certificate keeps it; a key
// stored without one (an earlier release's) gets one, once, and only it.
func testKeyCertificateOnce(t *testing.T, s *store.Store, _ *clock) {
	withCert := sealedKey(s, "es1", "ES256")
	withCert.Certificate = "cert-es1"
	must(t, s.AddSigningKeys(ctx(t), sealedKey(s, "rs1", "RS256"), withCert), "AddSigningKeys")
	if got := certificateOf(t, s, "es1"); got != "cert-es1" {
		t.Fatalf("certificate of es1 = %q, want the one it was stored with", got)
	}
	if got := certificateOf(t, s, "rs1"); got != "" {
		t.Fatalf("certificate of rs1 = %q, want none", got)
	}
	stored, err := s.SetSigningKeyCertificate(ctx(t), "es1", "other")
	must(t, err, "SetSigningKeyCertificate es1")
	if stored || certificateOf(t, s, "es1") != "cert-es1" {
		t.Fatalf("a key's certificate was replaced (stored %v)", stored)
	}
	stored, err = s.SetSigningKeyCertificate(ctx(t), "rs1", "cert-rs1")
	must(t, err, "SetSigningKeyCertificate rs1")
	if !stored || certificateOf(t, s, "rs1") != "cert-rs1" {
		t.Fatalf("the certificate of a key without one was not stored (stored %v)", stored)
	}
	if stored, err = s.SetSigningKeyCertificate(ctx(t), "rs1", "cert-rs1-again"); err != nil || stored ||
		certificateOf(t, s, "rs1") != "cert-rs1" {
		t.Fatalf("a second certificate: stored %v, %v; want the first kept", stored, err)
	}
	if stored, err = s.SetSigningKeyCertificate(ctx(t), "missing", "cert"); err != nil || stored {
		t.Fatalf("certificate of a key that does not exist: stored %v, %v", stored, err)
	}
}

// testRaceKeyCertificate: replicas starting together each make a
// certificate for a key an earlier release stored: exactly one stores its
// own, and that one is the key's certificate.
func testRaceKeyCertificate(t *testing.T, s *store.Store, _ *clock) {
	const n = 8
	must(t, s.AddSigningKeys(ctx(t), sealedKey(s, "rs1", "RS256")), "AddSigningKeys")
	var winners atomic.Int64
	var winner atomic.Value
	errs := race(n, func(i int) error {
		cert := fmt.Sprintf("cert-%d", i)
		stored, err := s.SetSigningKeyCertificate(ctx(t), "rs1", cert)
		if stored {
			winners.Add(1)
			winner.Store(cert)
		}
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d calls succeeded", ok, n)
	}
	if got := certificateOf(t, s, "rs1"); winners.Load() != 1 || got != winner.Load() {
		t.Fatalf("%d calls stored a certificate; the key holds %q, the winner stored %v; want exactly one, the winner's",
			winners.Load(), got, winner.Load())
	}
}

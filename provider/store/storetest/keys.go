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
	must(t, s.AddSigningKey(ctx(t), &store.SigningKey{ID: id, Algorithm: "RS256",
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

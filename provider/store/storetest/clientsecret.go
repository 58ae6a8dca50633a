package storetest

import (
	"bytes"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

var clientSecretCases = []testCase{
	{"Clients/SealedSecret", testClientSealedSecret},
}

// testClientSealedSecret: a client's sealed secret is stored as given and
// read back byte for byte (from the database, not only the cache); a
// rotation replaces it together with the hash, or clears it; a new fast
// hash of the same secret keeps it; ResealAll hands it over with the
// client id and what it returns is read at once; a client without one
// reads nil, and nothing written to one client reaches another.
func testClientSealedSecret(t *testing.T, s *store.Store, c *clock) {
	sealed := func(id string) []byte {
		t.Helper()
		got, err := s.ClientByID(ctx(t), id)
		must(t, err, "ClientByID "+id)
		return got.SecretSealed
	}
	// Every byte value, so that no driver may treat it as text.
	first := make([]byte, 256)
	for i := range first {
		first[i] = byte(i)
	}
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "factor", Mode: store.ModeSecondFactor, SecretHash: "hash-1",
		SecretSealed: first}), "CreateClient factor")
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "plain", SecretHash: "hash-p"}), "CreateClient plain")
	if got := sealed("factor"); !bytes.Equal(got, first) {
		t.Fatalf("sealed secret read back as %x, want %x", got, first)
	}
	if got := sealed("plain"); got != nil {
		t.Fatalf("a client created without a sealed secret reads %x, want nil", got)
	}
	// From the database: past the cache's lifetime, and in the list.
	c.Advance(10e9)
	if got := sealed("factor"); !bytes.Equal(got, first) {
		t.Fatalf("sealed secret read from the database as %x, want %x", got, first)
	}
	list, err := s.ListClients(ctx(t))
	must(t, err, "ListClients")
	if len(list) != 2 || !bytes.Equal(list[0].SecretSealed, first) || list[1].SecretSealed != nil {
		t.Fatalf("ListClients = %+v, want the sealed secret of factor only", list)
	}

	// A rotation replaces the hash and the sealed secret together.
	hash, second := "hash-2", []byte("sealed second secret")
	must(t, s.EditClient(ctx(t), "factor", func(cl *store.Client) (store.ClientUpdate, error) {
		if !bytes.Equal(cl.SecretSealed, first) {
			t.Errorf("the edit saw sealed secret %x, want %x", cl.SecretSealed, first)
		}
		return store.ClientUpdate{SecretHash: &hash, SecretSealed: &second}, nil
	}), "EditClient rotation")
	got, err := s.ClientByID(ctx(t), "factor")
	must(t, err, "ClientByID after rotation")
	if got.SecretHash != "hash-2" || !bytes.Equal(got.SecretSealed, second) {
		t.Fatalf("after the rotation: hash %q sealed %q, want hash-2 and %q", got.SecretHash, got.SecretSealed, second)
	}
	// A new fast hash of the same secret leaves the sealed secret as it is.
	must(t, s.ReplaceClientSecretHash(ctx(t), "factor", "hash-2", "hash-2-fast"), "ReplaceClientSecretHash")
	if got := sealed("factor"); !bytes.Equal(got, second) {
		t.Fatalf("a new hash of the same secret changed the sealed secret to %q", got)
	}
	// An update of anything else keeps it.
	name := "Renamed"
	must(t, s.UpdateClient(ctx(t), "factor", store.ClientUpdate{Name: &name}), "UpdateClient name")
	if got := sealed("factor"); !bytes.Equal(got, second) {
		t.Fatalf("renaming changed the sealed secret to %q", got)
	}

	// ResealAll visits it with its client id; the new value is read at once.
	var seen []string
	_, err = s.ResealAll(ctx(t), func(v store.SealedValue) ([]byte, error) {
		if v.Kind != store.SealedClientSecret {
			return nil, nil
		}
		seen = append(seen, v.ID)
		if !bytes.Equal(v.Sealed, second) {
			t.Errorf("ResealAll handed over %q for client %s, want %q", v.Sealed, v.ID, second)
		}
		return []byte("resealed second secret"), nil
	})
	must(t, err, "ResealAll")
	if len(seen) != 1 || seen[0] != "factor" {
		t.Fatalf("ResealAll visited the client secrets of %q, want factor only", seen)
	}
	if got := sealed("factor"); string(got) != "resealed second secret" {
		t.Fatalf("after ResealAll the sealed secret reads %q", got)
	}

	// A rotation that keeps no secret clears it.
	hash = "hash-3"
	var none []byte
	must(t, s.UpdateClient(ctx(t), "factor", store.ClientUpdate{SecretHash: &hash, SecretSealed: &none}), "UpdateClient clearing")
	c.Advance(10e9)
	if got := sealed("factor"); got != nil {
		t.Fatalf("a cleared sealed secret reads %q, want nil", got)
	}
	if got := sealed("plain"); got != nil {
		t.Fatalf("changes to factor gave plain the sealed secret %q", got)
	}
	visited := 0
	_, err = s.ResealAll(ctx(t), func(v store.SealedValue) ([]byte, error) {
		if v.Kind == store.SealedClientSecret {
			visited++
		}
		return nil, nil
	})
	must(t, err, "ResealAll after clearing")
	if visited != 0 {
		t.Fatalf("ResealAll visited %d client secrets, want none (cleared, or never kept)", visited)
	}
}

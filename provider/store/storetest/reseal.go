package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var resealCases = []testCase{
	{"Reseal/RewritesEverySealedValue", testResealRewrites},
	{"Reseal/FailureMidwayChangesNothing", testResealFailureChangesNothing},
}

// sealedData stores sealed values of every kind: three devices (their
// enrollments leave three flows holding sealed recovery codes), two flows
// with a pending secret, three signing keys, two factor-only clients with
// a sealed secret, and a flow and a client with nothing sealed.
func sealedData(t *testing.T, s *store.Store) {
	t.Helper()
	for i := 1; i <= 3; i++ {
		u, f, d := fmt.Sprintf("u%d", i), fmt.Sprintf("f%d", i), fmt.Sprintf("d%d", i)
		newUser(t, s, u, "user"+u)
		pendingFlow(t, s, f)
		e := enrollment(f, u, d, int64(100*i))
		e.SealedCodes = []byte("sealed codes " + f)
		must(t, s.EnrollDevice(ctx(t), e), "EnrollDevice "+d)
	}
	for _, f := range []string{"p1", "p2"} {
		newFlow(t, s, f)
		must(t, s.OfferSecret(ctx(t), f, []byte("sealed pending "+f), s.Now().Add(10*time.Minute)), "OfferSecret "+f)
	}
	newFlow(t, s, "plain")
	for _, k := range []string{"k1", "k2", "k3"} {
		must(t, s.AddSigningKeys(ctx(t), &store.SigningKey{ID: k, Algorithm: "RS256", PrivateKey: []byte("sealed key " + k),
			CreatedAt: s.Now()}), "AddSigningKey "+k)
	}
	for _, c := range []string{"c1", "c2"} {
		must(t, s.CreateClient(ctx(t), &store.Client{ID: c, Mode: store.ModeSecondFactor, SecretHash: "hash " + c,
			SecretSealed: []byte("sealed secret " + c)}), "CreateClient "+c)
	}
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "c3", SecretHash: "hash c3"}), "CreateClient c3")
}

// sealedSnapshot reads every sealed value by kind and id.
func sealedSnapshot(t *testing.T, s *store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 1; i <= 3; i++ {
		d, err := s.DeviceByUser(ctx(t), fmt.Sprintf("u%d", i))
		must(t, err, "DeviceByUser")
		out["device "+d.ID] = string(d.Secret)
		if d.LastStep != int64(100*i) {
			t.Errorf("device %s last step = %d, want %d", d.ID, d.LastStep, 100*i)
		}
	}
	for _, id := range []string{"f1", "f2", "f3", "p1", "p2", "plain"} {
		f, err := s.FlowByID(ctx(t), id)
		must(t, err, "FlowByID "+id)
		if f.PendingSecret != nil {
			out["pending "+id] = string(f.PendingSecret)
		}
		if f.PendingCodes != nil {
			out["codes "+id] = string(f.PendingCodes)
		}
	}
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	for _, k := range keys {
		out["key "+k.ID] = string(k.PrivateKey)
	}
	clients, err := s.ListClients(ctx(t))
	must(t, err, "ListClients")
	for _, c := range clients {
		if c.SecretSealed != nil {
			out["client "+c.ID] = string(c.SecretSealed)
		}
	}
	return out
}

func testResealRewrites(t *testing.T, s *store.Store, _ *clock) {
	sealedData(t, s)
	before := sealedSnapshot(t, s)
	if len(before) != 3+3+2+3+2 {
		t.Fatalf("fixture holds %d sealed values, want 13: %v", len(before), before)
	}
	var seen []string
	counts, err := s.ResealAll(ctx(t), func(v store.SealedValue) ([]byte, error) {
		seen = append(seen, string(v.Kind)+" "+v.ID)
		if v.Kind == store.SealedDeviceSecret && v.UserID != "u"+strings.TrimPrefix(v.ID, "d") {
			t.Errorf("device %s handed over with user %q", v.ID, v.UserID)
		}
		if v.Kind == store.SealedSigningKey && v.ID == "k2" {
			return nil, nil // already under the new key: left as it is
		}
		return append([]byte("new:"), v.Sealed...), nil
	})
	must(t, err, "ResealAll")
	slices.Sort(seen)
	want := []string{"client secret c1", "client secret c2", "device secret d1", "device secret d2", "device secret d3",
		"pending enrollment secret p1", "pending enrollment secret p2",
		"pending recovery codes f1", "pending recovery codes f2", "pending recovery codes f3",
		"signing key k1", "signing key k2", "signing key k3"}
	if !slices.Equal(seen, want) {
		t.Fatalf("ResealAll visited %q, want each sealed value once: %q", seen, want)
	}
	wantCounts := store.ResealCounts{
		store.SealedDeviceSecret:  {Resealed: 3},
		store.SealedPendingSecret: {Resealed: 2},
		store.SealedPendingCodes:  {Resealed: 3},
		store.SealedSigningKey:    {Resealed: 2, Unchanged: 1},
		store.SealedClientSecret:  {Resealed: 2},
	}
	for kind, c := range wantCounts {
		if counts[kind] != c {
			t.Errorf("counts[%s] = %+v, want %+v", kind, counts[kind], c)
		}
	}
	after := sealedSnapshot(t, s)
	for name, old := range before {
		wantNow := "new:" + old
		if name == "key k2" {
			wantNow = old
		}
		if after[name] != wantNow {
			t.Errorf("%s = %q after ResealAll, want %q", name, after[name], wantNow)
		}
	}
}

// testResealFailureChangesNothing is the crash test: a value that does not
// open (the callback fails) after others were rewritten rolls back the
// whole run, on every kind.
func testResealFailureChangesNothing(t *testing.T, s *store.Store, _ *clock) {
	sealedData(t, s)
	before := sealedSnapshot(t, s)
	broken := errors.New("no key opens it")
	for _, failAt := range []int{1, 4, 7, 11, 13} {
		calls := 0
		_, err := s.ResealAll(ctx(t), func(v store.SealedValue) ([]byte, error) {
			calls++
			if calls == failAt {
				return nil, fmt.Errorf("%s %s: %w", v.Kind, v.ID, broken)
			}
			return append([]byte("new:"), v.Sealed...), nil
		})
		if !errors.Is(err, broken) {
			t.Fatalf("failing at value %d: ResealAll = %v, want the callback's error", failAt, err)
		}
		if calls != failAt {
			t.Errorf("failing at value %d: the walk went on to value %d", failAt, calls)
		}
		after := sealedSnapshot(t, s)
		for name, old := range before {
			if after[name] != old {
				t.Errorf("failing at value %d: %s = %q, want it untouched (%q)", failAt, name, after[name], old)
			}
		}
	}
}

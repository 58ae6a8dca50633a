package provider_test

import (
	"bytes"
	"testing"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// TestSealedAD: the re-seal of every sealed kind binds a value to the
// associated data its writer used, so that a value re-sealed with a new
// key still opens where it is read; every kind has one, distinct from the
// other kinds' for the same id, and an unknown kind is refused.
func TestSealedAD(t *testing.T) {
	writers := map[store.SealedKind][]byte{
		store.SealedDeviceSecret:  signin.DeviceAD("u1", "x1"),
		store.SealedSigningKey:    protocol.SigningKeyAD("x1"),
		store.SealedPendingSecret: signin.PendingAD("x1"),
		store.SealedPendingCodes:  signin.CodesAD("x1"),
		store.SealedClientSecret:  protocol.ClientSecretAD("x1"),
	}
	if len(writers) != len(store.SealedKinds) {
		t.Fatalf("the test knows %d kinds, the store %d: add the new kind's writer here", len(writers), len(store.SealedKinds))
	}
	seen := map[string]store.SealedKind{}
	for _, kind := range store.SealedKinds {
		want, ok := writers[kind]
		if !ok {
			t.Errorf("%s: no writer's associated data in this test", kind)
			continue
		}
		got, err := provider.SealedAD(store.SealedValue{Kind: kind, ID: "x1", UserID: "u1"})
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("SealedAD(%s) = %q, %v; want the writer's %q", kind, got, err, want)
		}
		if other, dup := seen[string(got)]; dup {
			t.Errorf("%s and %s have the same associated data %q", kind, other, got)
		}
		seen[string(got)] = kind
	}
	if ad, err := provider.SealedAD(store.SealedValue{Kind: "webauthn key", ID: "x1"}); err == nil {
		t.Errorf("an unknown kind has associated data %q", ad)
	}
}

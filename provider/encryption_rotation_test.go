package provider_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

func randomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

func sealerOf(t *testing.T, primary []byte, accepted ...[]byte) *credential.Sealer {
	t.Helper()
	s, err := credential.NewSealer(primary, accepted...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReplicasDuringEncryptionKeyRotation runs two replicas in the middle
// of a rollout: A still seals with the old key and accepts the new one, B
// already seals with the new key and accepts the old one. An enrollment
// started on A finishes on B, the data is re-sealed while both serve, and
// then a sign-in on A is finished and its code redeemed on B, whose access
// token A's userinfo accepts: sealed data, codes and opaque tokens made
// under either key work on both replicas.
func TestReplicasDuringEncryptionKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := randomKey(), randomKey()
	a, b := twoServersSealed(t, sealerOf(t, oldKey, newKey), sealerOf(t, newKey, oldKey))
	ctx := context.Background()
	a.addClient("app", appSecret)
	erin := a.addUser("erin", erinPW, "rex")
	a.requireMFA(erin)
	nonce := "n"
	app := a.relyingParty("app", appSecret, &nonce)

	// The enroll page on A offers a secret sealed with the old key; B
	// verifies it and seals the device with the new key.
	br := newBrowser(t)
	p := br.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p.Step() != "enroll" {
		t.Fatalf("want the enroll step on A, got %s", p.Describe())
	}
	e, err := fixtures.Enroll(br.Browser.On(b.srv.URL), p.Page, a.store.Now())
	if err != nil {
		t.Fatalf("enrollment finished on B: %v", err)
	}
	if e.Page.Code() == "" {
		t.Fatalf("enrollment finished on B: want a code, got %s", e.Page.Describe())
	}
	d, err := a.store.DeviceByUser(ctx, erin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := credential.SealedKeyID(d.Secret); id != credential.KeyID(newKey) {
		t.Errorf("device sealed on B with key %s, want the new key %s", id, credential.KeyID(newKey))
	}
	if _, err := sealerOf(t, oldKey).Open(d.Secret, signin.DeviceAD(erin.ID, d.ID)); err == nil {
		t.Error("the old key alone opens the device B sealed")
	}

	// Re-seal everything while both replicas serve.
	counts, err := provider.RotateEncryption(ctx, a.store, sealerOf(t, oldKey, newKey), sealerOf(t, newKey))
	if err != nil {
		t.Fatal(err)
	}
	if c := counts[store.SealedDeviceSecret]; c.Resealed != 0 || c.Unchanged != 1 {
		t.Errorf("device secrets: %+v, want the one B sealed left as it is", c)
	}
	if c := counts[store.SealedSigningKey]; c.Resealed+c.Unchanged != 3 {
		t.Errorf("signing keys: %+v, want the three keys (one per algorithm) visited", c)
	}

	// A sign-in on A (its passcode opens the device with A's accepted key);
	// the code is redeemed on B and B's access token works on A.
	a.clock.Advance(30e9)
	br = newBrowser(t)
	p = br.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p = br.submit(p, map[string]string{"code": a.passcode(t, e.Secret)}); p.Code() == "" {
		t.Fatalf("passcode on A after the rotation: %s", p.Describe())
	}
	status, body := b.tokenRequest(t, codeForm(p.code(t), ""), "app", appSecret)
	access, _ := body["access_token"].(string)
	if status != http.StatusOK || access == "" {
		t.Fatalf("code from A redeemed on B: %d %v", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, a.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("B's access token on A's userinfo: %d, want 200", resp.StatusCode)
	}
}

// TestRotateEncryptionRefusesUnknownValues: a value that no configured key
// opens stops the whole rotation, naming its kind and id, and nothing is
// re-sealed.
func TestRotateEncryptionRefusesUnknownValues(t *testing.T) {
	t.Parallel()
	oldKey, newKey, lostKey := randomKey(), randomKey(), randomKey()
	h := newHarness(t, func(o *provider.Options) { o.Sealer = sealerOf(t, oldKey) })
	ctx := context.Background()
	for _, name := range []string{"ann", "bob"} {
		u := h.addUser(name, erinPW, "rex")
		key := oldKey
		if name == "bob" {
			key = lostKey
		}
		if err := h.store.CreateFlow(ctx, &store.Flow{ID: "f-" + name, FlowRequest: store.FlowRequest{ClientID: "c"},
			PendingEnrollment: store.PendingEnrollment{PendingSecret: []byte("x")}, CreatedAt: h.store.Now(), ExpiresAt: h.store.Now().Add(3600e9)}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.EnrollDevice(ctx, store.Enrollment{FlowID: "f-" + name, Device: &store.Device{ID: "d-" + name, UserID: u.ID,
			Secret: sealerOf(t, key).Seal([]byte("secret"), signin.DeviceAD(u.ID, "d-"+name))}}); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := h.store.DeviceByUser(ctx, mustUser(t, h, "ann").ID)
	_, err := provider.RotateEncryption(ctx, h.store, sealerOf(t, oldKey, newKey), sealerOf(t, newKey))
	if !errors.Is(err, provider.ErrUnopenable) || !strings.Contains(err.Error(), "device secret d-bob") {
		t.Fatalf("RotateEncryption = %v, want ErrUnopenable naming device secret d-bob", err)
	}
	after, _ := h.store.DeviceByUser(ctx, mustUser(t, h, "ann").ID)
	if string(after.Secret) != string(before.Secret) {
		t.Error("a device was re-sealed although the run failed")
	}
}

func mustUser(t *testing.T, h *harness, name string) *store.User {
	t.Helper()
	u, err := h.store.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

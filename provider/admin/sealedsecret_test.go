package admin_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// strongSecret is a secret an administrator gave that is random enough to
// sign with (credential.StrongClientSecret).
const strongSecret = "Xq7vT2nLw9pR4kZs8bYc3mHd6jFg1aEu5oKi0sWe"

func publicKeySet(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// opened is the secret client id's sealed copy opens to, "" when it has none.
func (e *env) opened(id string) string {
	e.t.Helper()
	cl, err := e.store.ClientByID(e.ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	if cl.SecretSealed == nil {
		return ""
	}
	plain, err := e.sealer.Open(cl.SecretSealed, protocol.ClientSecretAD(id))
	if err != nil {
		e.t.Fatalf("the sealed secret of %s does not open with its own associated data: %v", id, err)
	}
	return string(plain)
}

// TestFactorOnlySecretSealed: a factor-only confidential client's secret
// is kept sealed to its id as well as hashed, when added and when rotated,
// so that its HS256 request objects can be verified; every other client's
// secret stays a hash only (least exposure), and so does a weak one.
func TestFactorOnlySecretSealed(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		keys := publicKeySet(t)
		add := func(nc admin.NewClient) *admin.AddedClient {
			t.Helper()
			nc.RedirectURIs = []string{"https://" + nc.ID + ".example/cb"}
			a, err := e.svc.AddClient(e.ctx(), actor, nc)
			if err != nil {
				t.Fatalf("AddClient %s: %v", nc.ID, err)
			}
			return a
		}
		generated := add(admin.NewClient{ID: "idp", SecondFactorOnly: true})
		if got := e.opened("idp"); got == "" || got != generated.Secret {
			t.Fatalf("a factor-only client's generated secret: sealed copy %q, want the secret", got)
		}
		wantClientEvent(t, e, "idp", "created second-factor-only confidential client (secret generated); "+
			"secret kept sealed for HS256 request objects; redirect URIs: https://idp.example/cb; require-mfa on")
		add(admin.NewClient{ID: "given", SecondFactorOnly: true, Secret: strongSecret, JWKS: keys})
		if got := e.opened("given"); got != strongSecret {
			t.Fatalf("a factor-only client's strong given secret: sealed copy %q", got)
		}
		cl, _ := e.store.ClientByID(e.ctx(), "idp")
		if _, err := e.sealer.Open(cl.SecretSealed, protocol.ClientSecretAD("given")); err == nil {
			t.Fatal("a client's sealed secret opens as another client's")
		}

		// Hash only: every other kind of client, and a weak secret.
		plain := add(admin.NewClient{ID: "plain"})
		weak := "a-given-client-secret-123"
		for _, nc := range []admin.NewClient{
			{ID: "given-plain", Secret: strongSecret},
			{ID: "weak", SecondFactorOnly: true, Secret: weak, JWKS: keys},
			{ID: "trusted-weak", SecondFactorOnly: true, TrustLoginHint: true, Secret: weak},
			{ID: "pub", SecondFactorOnly: true, Public: true, JWKS: keys},
			{ID: "pkj", SecondFactorOnly: true, JWKS: keys, PrivateKeyJWT: true},
			{ID: "spa", Public: true},
		} {
			add(nc)
		}
		for _, id := range []string{"plain", "given-plain", "weak", "trusted-weak", "pub", "pkj", "spa"} {
			if cl, _ := e.store.ClientByID(e.ctx(), id); cl.SecretSealed != nil {
				t.Errorf("client %s keeps a sealed secret, want its hash only", id)
			}
		}
		if _, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "weak-only", SecondFactorOnly: true, Secret: weak,
			RedirectURIs: []string{"https://w.example/cb"}}); !isInput(err, "secret", "too weak to sign") {
			t.Errorf("a factor-only client named by HS256 alone with a weak secret: %v, want refused", err)
		}

		// A rotation replaces the sealed copy with the new secret's.
		rotated, err := e.svc.RotateSecret(e.ctx(), actor, "idp")
		if err != nil {
			t.Fatal(err)
		}
		if got := e.opened("idp"); got != rotated || got == generated.Secret {
			t.Fatalf("after the rotation the sealed copy is %q, want the new secret", got)
		}
		// ... and gives one to a factor-only client that had none.
		if rotated, err = e.svc.RotateSecret(e.ctx(), actor, "weak"); err != nil || e.opened("weak") != rotated {
			t.Fatalf("rotating a weak secret: %v; sealed copy %q", err, e.opened("weak"))
		}
		// Other clients stay hash only.
		if _, err := e.svc.RotateSecret(e.ctx(), actor, "plain"); err != nil || e.opened("plain") != "" {
			t.Fatalf("rotating a full sign-in client: %v; sealed copy %q, want none", err, e.opened("plain"))
		}
		// A change that is not a rotation keeps it.
		name := "Renamed"
		if _, err := e.svc.UpdateClient(e.ctx(), actor, "idp", admin.ClientChange{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if e.opened("idp") == "" {
			t.Fatal("renaming the client dropped its sealed secret")
		}
		e.wantNoSecret(generated.Secret, strongSecret, plain.Secret, rotated)
	})
}

// TestHS256RequestObjectsDisplay: client show says whether a client can
// sign HS256 request objects, and how to enable them.
func TestHS256RequestObjectsDisplay(t *testing.T) {
	for _, tc := range []struct {
		cl   store.Client
		want string
	}{
		{store.Client{Mode: store.ModeSecondFactor, SecretHash: "h", SecretSealed: []byte("s")}, "yes"},
		{store.Client{Mode: store.ModeSecondFactor, SecretHash: "h"}, "rotate it to enable"},
		{store.Client{Mode: store.ModeSecondFactor, Public: true}, "no client secret"},
		{store.Client{Mode: store.ModeSecondFactor, JWKS: "{}"}, "no client secret"},
		{store.Client{SecretHash: "h"}, "not a factor-only client"},
	} {
		if got := admin.HS256RequestObjects(&tc.cl); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.cl, got, tc.want)
		}
	}
}

func isInput(err error, field, words string) bool {
	var ie *admin.InputError
	return errors.As(err, &ie) && ie.Field == field && strings.Contains(ie.Message, words)
}

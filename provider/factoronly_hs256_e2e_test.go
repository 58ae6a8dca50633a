package provider_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// hs256Harness is a factor harness whose administrator (the admin service
// over the provider's store and encryption key, as the CLI builds it)
// added the factor-only clients "hs" (named users by HS256 request
// objects only), "both" (registered key k1 too), the public "pubf" (key
// k1, no secret) and "pkj" (key k1, private_key_jwt instead of a secret). "idp" is a client from before HS256: its secret
// is a hash only.
type hs256Harness struct {
	*factorHarness
	admin   *admin.Service
	secrets map[string]string
}

func newHS256Harness(t *testing.T) *hs256Harness {
	t.Helper()
	f := newFactorHarness(t)
	svc, err := admin.New(admin.Options{Store: f.store, Hasher: f.hasher, Sealer: f.sealer, Random: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := &hs256Harness{factorHarness: f, admin: svc, secrets: map[string]string{}}
	for _, nc := range []admin.NewClient{
		{ID: "hs", SecondFactorOnly: true},
		{ID: "both", SecondFactorOnly: true, JWKS: string(set)},
		{ID: "pubf", SecondFactorOnly: true, Public: true, JWKS: string(set)},
		{ID: "pkj", SecondFactorOnly: true, JWKS: string(set), PrivateKeyJWT: true},
	} {
		nc.RedirectURIs = []string{rpRedirect}
		added, err := svc.AddClient(context.Background(), "cli:test", nc)
		if err != nil {
			t.Fatalf("add client %s: %v", nc.ID, err)
		}
		h.secrets[nc.ID] = added.Secret
	}
	return h
}

// hsObject is a request object of client, signed with key (HS256 for a
// []byte, RS256 for an RSA key), naming ada unless claims say otherwise.
func (h *hs256Harness) hsObject(t *testing.T, client string, key any, claims map[string]any) string {
	t.Helper()
	now := h.store.Now()
	base := map[string]any{"iss": client, "client_id": client, "aud": h.issuer, "login_hint": "ada",
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix()}
	return h.signed(t, key, base, claims)
}

// rotate gives client a new secret through the admin service.
func (h *hs256Harness) rotate(t *testing.T, client string) string {
	t.Helper()
	secret, err := h.admin.RotateSecret(context.Background(), "cli:test", client)
	if err != nil {
		t.Fatal(err)
	}
	h.secrets[client] = secret
	return secret
}

// TestFactorOnlyHS256RequestObject: a factor-only client added by an
// administrator names the user by a request object signed HS256 with its
// client secret; the sign-in asks the passcode only and the ID token
// names that user. A client with registered keys and a secret may use
// either.
func TestFactorOnlyHS256RequestObject(t *testing.T) {
	h := newHS256Harness(t)
	ada := h.addUser("ada", "correct-horse-battery", "blue")
	h.addUser("bob", "correct-horse-battery", "green")
	nonce := "n-hs"
	app := h.relyingParty("hs", h.secrets["hs"], &nonce)

	// The request object names ada; the query's login_hint (bob) is ignored.
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, "", rp.WithURLParam("request", h.hsObject(t, "hs", []byte(h.secrets["hs"]), nil)),
		rp.WithURLParam("login_hint", "bob")))
	if p.Step() != "enroll" {
		t.Fatalf("step %q, want enroll (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	p, secret := h.enroll(b, p)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if c := tokens.IDTokenClaims; c.Subject != ada.ID || c.PreferredUsername != "ada" ||
		c.AuthenticationContextClassReference != signin.ACRSecondFactor || c.Nonce != nonce {
		t.Fatalf("ID token: sub %q preferred_username %q acr %q nonce %q", c.Subject, c.PreferredUsername,
			c.AuthenticationContextClassReference, c.Nonce)
	}

	// A client with keys and a secret: HS256 and RS256 both name ada.
	both := h.relyingParty("both", h.secrets["both"], &nonce)
	for name, key := range map[string]any{"HS256": []byte(h.secrets["both"]), "RS256": h.key} {
		h.clock.Advance(30 * time.Second)
		b := newBrowser(t)
		p := b.get(authURL(both, nonce, "", rp.WithURLParam("request", h.hsObject(t, "both", key, nil))))
		if p.Step() != "otp" {
			t.Fatalf("%s request object of a client with both: step %q, want otp (alert %q)", name, p.Step(), p.Alert())
		}
		p = b.submit(p, map[string]string{"code": h.passcode(t, secret)})
		tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), both)
		if err != nil || tokens.IDTokenClaims.PreferredUsername != "ada" {
			t.Fatalf("%s request object of a client with both: %v, %+v", name, err, tokens)
		}
	}
}

// TestFactorOnlyHS256Refusals: an HS256 request object is verified with
// the client's current secret and nothing else. Each case is refused
// with invalid_request at the redirect URI, and no code: another secret,
// the secret before a rotation, the client's public key made an HMAC key
// (the classic algorithm confusion, with its key set, PEM or DER), alg
// none, a client whose secret otpgate keeps as a hash only, a public
// client and one that authenticates with private_key_jwt.
func TestFactorOnlyHS256Refusals(t *testing.T) {
	h := newHS256Harness(t)
	h.addUser("ada", "correct-horse-battery", "blue")
	nonce := "n"
	party := func(id string) rp.RelyingParty { return h.relyingParty(id, h.secrets[id], &nonce) }
	hs, both, idp := party("hs"), party("both"), h.relyingParty("idp", factorSecret, &nonce)
	pubf, pkj := h.relyingParty("pubf", "", &nonce), h.relyingParty("pkj", "", &nonce)
	_, challenge := pkce()
	old := []byte(h.secrets["hs"])

	// What every case changes one thing of is accepted as it is.
	accepted := func(name string, app rp.RelyingParty, client string, key any, challenge string) {
		t.Helper()
		p := newBrowser(t).get(authURL(app, nonce, challenge, rp.WithURLParam("request", h.hsObject(t, client, key, nil))))
		if p.Step() != "enroll" {
			t.Fatalf("%s: step %q, want enroll (status %d, alert %q)", name, p.Step(), p.Status, p.Alert())
		}
	}
	accepted("HS256 with the client secret", hs, "hs", old, "")
	accepted("RS256 of the client with keys and a secret", both, "both", h.key, "")
	accepted("RS256 of the client that predates HS256", idp, "idp", h.key, "")
	accepted("RS256 of the public client", pubf, "pubf", h.key, challenge)
	accepted("RS256 of the private_key_jwt client", pkj, "pkj", h.key, "")

	// The secret is rotated: from now on only the new one signs.
	fresh := []byte(h.rotate(t, "hs"))
	hs = party("hs")
	accepted("HS256 with the rotated secret", hs, "hs", fresh, "")

	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &h.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&h.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for _, tc := range []struct {
		name   string
		url    string
		detail string // in the error description, when it says why
	}{
		{"HS256 with a wrong secret", authURL(hs, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "hs", []byte(strings.ToUpper(string(fresh))), nil))), "signature"},
		{"HS256 with another client's secret", authURL(hs, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "hs", []byte(h.secrets["both"]), nil))), "signature"},
		{"HS256 with the old secret after a rotation", authURL(hs, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "hs", old, nil))), "signature"},
		{"HS256 keyed with the registered key set", authURL(both, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "both", set, nil))), "signature"},
		{"HS256 keyed with the registered key's PEM", authURL(both, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "both", pemKey, nil))), "signature"},
		{"HS256 keyed with the registered key's DER", authURL(both, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "both", der, nil))), "signature"},
		{"HS256 keyed with the key set, client without a sealed secret", authURL(idp, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "idp", set, nil))), "rotate the client secret"},
		{"alg none", authURL(hs, nonce, "", rp.WithURLParam("request", unsignedObject(t, h, "hs"))), ""},
		{"HS256 with the secret of a client without a sealed secret", authURL(idp, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "idp", []byte(factorSecret), nil))), "rotate the client secret"},
		{"HS256 of a public client", authURL(pubf, nonce, challenge, rp.WithURLParam("request",
			h.hsObject(t, "pubf", set, nil))), "public client"},
		{"HS256 of a client without a secret (private_key_jwt)", authURL(pkj, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "pkj", set, nil))), "has no secret"},
		{"HS256 naming the client whose secret signed it, sent as another", authURL(hs, nonce, "", rp.WithURLParam("request",
			h.hsObject(t, "both", []byte(h.secrets["both"]), nil))), "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newBrowser(t).get(tc.url)
			q := p.rpQuery(t)
			if q.Get("error") != "invalid_request" || q.Get("code") != "" {
				t.Fatalf("answer %v, want error invalid_request", q)
			}
			if !strings.Contains(q.Get("error_description"), tc.detail) {
				t.Errorf("error_description %q, want it to say %q", q.Get("error_description"), tc.detail)
			}
		})
	}

	// The older client is enabled by rotating its secret.
	enabled := []byte(h.rotate(t, "idp"))
	accepted("HS256 after the older client's secret was rotated", party("idp"), "idp", enabled, "")
}

// unsignedObject is hs's request object naming ada with alg none.
func unsignedObject(t *testing.T, h *hs256Harness, client string) string {
	t.Helper()
	claims, err := json.Marshal(map[string]any{"iss": client, "client_id": client, "aud": h.issuer, "login_hint": "ada",
		"exp": h.store.Now().Add(5 * time.Minute).Unix(), "iat": h.store.Now().Unix()})
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(claims) + "."
}

// TestFactorOnlyHS256AfterEncryptionKeyRotation: the sealed client secret
// is re-sealed with the new encryption key, and a replica holding only
// the new key verifies the client's HS256 request objects.
func TestFactorOnlyHS256AfterEncryptionKeyRotation(t *testing.T) {
	oldKey, newKey := randomKey(), randomKey()
	a := newHarness(t, func(o *provider.Options) { o.Sealer = sealerOf(t, oldKey) })
	svc, err := admin.New(admin.Options{Store: a.store, Hasher: a.hasher, Sealer: a.sealer, Random: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	added, err := svc.AddClient(context.Background(), "cli:test", admin.NewClient{ID: "hs", SecondFactorOnly: true,
		RedirectURIs: []string{rpRedirect}})
	if err != nil {
		t.Fatal(err)
	}
	a.addUser("ada", "correct-horse-battery", "blue")
	counts, err := provider.RotateEncryption(context.Background(), a.store, sealerOf(t, oldKey, newKey), sealerOf(t, newKey))
	if err != nil {
		t.Fatal(err)
	}
	if c := counts[store.SealedClientSecret]; c.Resealed != 1 {
		t.Fatalf("client secrets: %+v, want the one re-sealed", c)
	}
	b := newHarnessOn(t, a.store, a.clock, func(o *provider.Options) { o.Sealer = sealerOf(t, newKey) })
	f := &factorHarness{harness: b}
	nonce := "n"
	app := b.relyingParty("hs", added.Secret, &nonce)
	now := b.store.Now()
	raw := f.signed(t, []byte(added.Secret), map[string]any{"iss": "hs", "client_id": "hs", "aud": b.issuer,
		"login_hint": "ada", "exp": now.Add(5 * time.Minute).Unix()}, nil)
	if p := newBrowser(t).get(authURL(app, nonce, "", rp.WithURLParam("request", raw))); p.Step() != "enroll" {
		t.Fatalf("HS256 on the replica with the new key only: step %q (alert %q), want enroll", p.Step(), p.Alert())
	}
}

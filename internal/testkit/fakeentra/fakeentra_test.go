package fakeentra_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/otpgate/otpgate/internal/testkit/fakeentra"
)

// get fetches path from the fake and decodes its JSON answer into v,
// returning the status.
func get(t *testing.T, a *fakeentra.Authority, path string, v any) int {
	t.Helper()
	resp, err := a.Client().Get(a.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func TestDiscoveryAndKeys(t *testing.T) {
	t.Parallel()
	a := fakeentra.New(t)
	if !strings.HasPrefix(a.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %s, want https on 127.0.0.1", a.URL())
	}
	tid := a.TenantID()
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if st := get(t, a, "/"+tid+"/v2.0/.well-known/openid-configuration", &doc); st != http.StatusOK {
		t.Fatalf("discovery: status %d", st)
	}
	if doc.Issuer != a.Issuer(tid) || doc.JWKSURI != a.URL()+"/"+tid+"/discovery/v2.0/keys" {
		t.Fatalf("discovery = %+v", doc)
	}
	if n := a.KeyFetches(tid); n != 0 {
		t.Fatalf("discovery counted as %d key fetches", n)
	}
	var set jose.JSONWebKeySet
	if st := get(t, a, "/"+tid+"/discovery/v2.0/keys", &set); st != http.StatusOK {
		t.Fatalf("keys: status %d", st)
	}
	if len(set.Keys) != 1 || set.Keys[0].KeyID != a.KeyID() || set.Keys[0].Use != "sig" || len(set.Keys[0].Certificates) != 1 {
		t.Fatalf("keys = %+v, want the one current key with its certificate", set.Keys)
	}
	newKid := a.Rotate()
	if st := get(t, a, "/"+tid+"/discovery/v2.0/keys", &set); st != http.StatusOK || len(set.Keys) != 2 || a.KeyID() != newKid {
		t.Fatalf("after Rotate: status %d, %d keys, current %s want %s", st, len(set.Keys), a.KeyID(), newKid)
	}
	if n := a.KeyFetches(tid); n != 2 || a.AllKeyFetches() != 2 {
		t.Fatalf("KeyFetches = %d, all %d, want 2", n, a.AllKeyFetches())
	}
	if st := get(t, a, "/not-a-guid/discovery/v2.0/keys", &set); st != http.StatusBadRequest {
		t.Fatalf("a tenant that is not a GUID: status %d, want 400", st)
	}
	a.SetDown(true)
	if st := get(t, a, "/"+tid+"/discovery/v2.0/keys", &set); st != http.StatusServiceUnavailable {
		t.Fatalf("down: status %d, want 503", st)
	}
}

func TestMintHintLooksLikeEntras(t *testing.T) {
	t.Parallel()
	a := fakeentra.New(t)
	iat := time.Unix(1_700_000_000, 0)
	raw := a.MintHint(fakeentra.HintClaims{IssuedAt: iat})
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if h := tok.Headers[0]; h.KeyID != a.KeyID() {
		t.Fatalf("kid = %q, want %q", h.KeyID, a.KeyID())
	}
	var set jose.JSONWebKeySet
	get(t, a, "/"+a.TenantID()+"/discovery/v2.0/keys", &set)
	var c struct {
		jwt.Claims
		Ver string `json:"ver"`
		OID string `json:"oid"`
		TID string `json:"tid"`
	}
	if err := tok.Claims(set.Keys[0].Key, &c); err != nil {
		t.Fatalf("signature: %v", err)
	}
	switch {
	case c.Ver != "2.0", c.Issuer != a.Issuer(a.TenantID()), c.TID != a.TenantID(), c.OID != a.UserOID():
		t.Fatalf("claims = %+v", c)
	case len(c.Audience) != 1 || c.Audience[0] != a.AppID():
		t.Fatalf("aud = %v, want %s", c.Audience, a.AppID())
	case !c.IssuedAt.Time().Equal(iat) || !c.Expiry.Time().Before(iat):
		t.Fatalf("iat %v exp %v: want exp already past at iat", c.IssuedAt.Time(), c.Expiry.Time())
	case c.Subject != a.Subject(a.UserOID(), a.AppID()) || len(c.Subject) != 43:
		t.Fatalf("sub = %q, want the pairwise subject", c.Subject)
	case a.Subject(a.UserOID(), fakeentra.NewGUID()) == c.Subject:
		t.Fatal("the subject is not pairwise")
	}
}

func TestFormRequest(t *testing.T) {
	t.Parallel()
	v := fakeentra.FormRequest("client-1", "hint")
	for k, want := range map[string]string{
		"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "client_id": "client-1",
		"redirect_uri":  "https://login.microsoftonline.com/common/federation/externalauthprovider",
		"id_token_hint": "hint", "claims": fakeentra.ExampleClaims,
	} {
		if got := v.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"nonce", "state", "client-request-id"} {
		if v.Get(k) == "" {
			t.Errorf("%s missing", k)
		}
	}
	if other := fakeentra.FormRequest("client-1", "hint"); other.Get("state") == v.Get("state") {
		t.Error("two requests share a state")
	}
}

package protocol

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	roClient = "idp"
	roIssuer = "https://otpgate.example"
	// roSecret is a generated client secret: 32 random bytes, base64url.
	roSecret = "q3Zt0J9m7bX2c8VfLrN5wKpA1sYhD4eGuT6oIi0lMzQ"
)

var roNow = time.Unix(1_700_000_000, 0)

// roClaims are a valid request object's claims for roClient.
func roClaims() map[string]any {
	return map[string]any{"iss": roClient, "client_id": roClient, "aud": roIssuer, "login_hint": "ada",
		"exp": roNow.Add(5 * time.Minute).Unix(), "iat": roNow.Unix()}
}

func roSign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(roClaims()).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// unsigned is the request object with alg none and no signature.
func unsigned(t *testing.T, alg string) string {
	t.Helper()
	claims, err := json.Marshal(roClaims())
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + "." + enc(claims) + "."
}

// secretOf hands out roSecret, counting the calls and keeping the slices
// handed out (to see that they are cleared after use).
type secretOf struct {
	calls  int
	handed [][]byte
}

func (s *secretOf) open() ([]byte, error) {
	s.calls++
	b := []byte(roSecret)
	s.handed = append(s.handed, b)
	return b, nil
}

// TestRequestObjectAlgorithms: an HS256 request object is verified with
// the client secret only, and an RS256 one with a registered key only.
// The attacks are the classic ones: alg none, a MAC keyed with the
// client's public key (as JWKS JSON, PEM, DER or its modulus: all public),
// a MAC keyed with another secret, and a MAC when otpgate keeps no secret.
func TestRequestObjectAlgorithms(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	both := func(s *secretOf) RequestObjectKeys { return RequestObjectKeys{JWKS: string(jwks), Secret: s.open} }
	secretOnly := func(s *secretOf) RequestObjectKeys { return RequestObjectKeys{Secret: s.open} }
	keysOnly := func(*secretOf) RequestObjectKeys { return RequestObjectKeys{JWKS: string(jwks)} }

	// What every refusal changes one thing of is accepted, by either key.
	for name, tc := range map[string]struct {
		keys func(*secretOf) RequestObjectKeys
		raw  string
	}{
		"HS256 with the secret":                 {secretOnly, roSign(t, jose.HS256, []byte(roSecret), "")},
		"HS256, client with keys too":           {both, roSign(t, jose.HS256, []byte(roSecret), "")},
		"HS256 naming a registered kid":         {both, roSign(t, jose.HS256, []byte(roSecret), "k1")},
		"RS256 with the registered key":         {keysOnly, roSign(t, jose.RS256, key, "k1")},
		"RS256, client with a secret too":       {both, roSign(t, jose.RS256, key, "k1")},
		"PS256 with the registered key, no kid": {keysOnly, roSign(t, jose.PS256, key, "")},
	} {
		s := &secretOf{}
		ro, err := VerifyRequestObject(tc.raw, tc.keys(s), roClient, roIssuer, roNow)
		if err != nil || ro.LoginHint != "ada" {
			t.Errorf("%s: %+v, %v; want it accepted naming ada", name, ro, err)
		}
		wantCalls := 0
		if strings.HasPrefix(name, "HS256") {
			wantCalls = 1
		}
		if s.calls != wantCalls {
			t.Errorf("%s: the secret was opened %d times, want %d (only for HS256)", name, s.calls, wantCalls)
		}
		for _, b := range s.handed {
			if strings.Trim(string(b), "\x00") != "" {
				t.Errorf("%s: the opened secret was not cleared after use", name)
			}
		}
	}

	for name, tc := range map[string]struct {
		keys func(*secretOf) RequestObjectKeys
		raw  string
		want string
	}{
		"alg none":                           {both, unsigned(t, "none"), "unexpected signature algorithm"},
		"alg NONE":                           {both, unsigned(t, "NONE"), "unexpected signature algorithm"},
		"HS256 with no signature":            {both, unsigned(t, "HS256"), "signature"},
		"HS384 with the secret":              {both, roSign(t, jose.HS384, []byte(roSecret+roSecret), ""), "unexpected signature algorithm"},
		"HS256 with another secret":          {both, roSign(t, jose.HS256, []byte(strings.ToUpper(roSecret)), ""), "signature"},
		"HS256 keyed with the JWKS JSON":     {both, roSign(t, jose.HS256, jwks, "k1"), "signature"},
		"HS256 keyed with the PEM key":       {both, roSign(t, jose.HS256, pemKey, "k1"), "signature"},
		"HS256 keyed with the DER key":       {both, roSign(t, jose.HS256, der, "k1"), "signature"},
		"HS256 keyed with the modulus":       {both, roSign(t, jose.HS256, key.N.Bytes(), "k1"), "signature"},
		"HS256 (JWKS JSON), no secret kept":  {keysOnly, roSign(t, jose.HS256, jwks, "k1"), "no secret"},
		"HS256 (the secret), no secret kept": {keysOnly, roSign(t, jose.HS256, []byte(roSecret), ""), "no secret"},
		"RS256, no keys registered":          {secretOnly, roSign(t, jose.RS256, key, "k1"), "registered no keys"},
		"RS256 with an unregistered kid":     {both, roSign(t, jose.RS256, key, "k2"), "did not register"},
	} {
		s := &secretOf{}
		ro, err := VerifyRequestObject(tc.raw, tc.keys(s), roClient, roIssuer, roNow)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %+v, %v; want it refused (%q)", name, ro, err, tc.want)
		}
		if strings.HasPrefix(name, "RS256") && s.calls != 0 {
			t.Errorf("%s: the secret was opened for an RS256 request object", name)
		}
	}
}

// TestRequestObjectSecretUnreadable: a secret that cannot be opened
// refuses the request object, and says so.
func TestRequestObjectSecretUnreadable(t *testing.T) {
	broken := errors.New("message authentication failed")
	keys := RequestObjectKeys{Secret: func() ([]byte, error) { return nil, broken }}
	_, err := VerifyRequestObject(roSign(t, jose.HS256, []byte(roSecret), ""), keys, roClient, roIssuer, roNow)
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("VerifyRequestObject = %v, want the secret's error", err)
	}
	_, err = VerifyRequestObject(roSign(t, jose.HS256, []byte(roSecret), ""), RequestObjectKeys{}, roClient, roIssuer, roNow)
	if !errors.Is(err, ErrNoRequestObjectSecret) {
		t.Fatalf("no secret: %v, want ErrNoRequestObjectSecret", err)
	}
}

// TestClientKeysRefuseSymmetricKeys: a client cannot register a secret
// key as a "public" key, so no registered key is ever an HMAC key.
func TestClientKeysRefuseSymmetricKeys(t *testing.T) {
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: []byte(roSecret), KeyID: "k1", Algorithm: "HS256"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckClientKeys(string(set)); err == nil {
		t.Fatal("a key set holding an oct (HMAC) key was accepted")
	}
}

func TestClientSecretAD(t *testing.T) {
	if string(ClientSecretAD("idp")) == string(ClientSecretAD("idp2")) || string(ClientSecretAD("a:b")) != "client-secret:a:b" {
		t.Fatal("ClientSecretAD does not bind the client id")
	}
}

package fakeentra

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// HintClaims says how MintHint builds a hint. The zero value is a hint as
// Entra issues it to the default user of the default tenant for the
// default application, signed with the current key.
type HintClaims struct {
	// TenantID is tid (and names the issuer); TenantID() when empty.
	TenantID string
	// AppID is aud; AppID() when empty.
	AppID string
	// OID is the user's object id; UserOID() when empty.
	OID string
	// Subject is sub; the pairwise Subject(OID, AppID) when empty.
	Subject string
	// PreferredUsername and Name default to a user of contoso.example.
	PreferredUsername string
	Name              string
	// IssuedAt is iat and nbf (exp is five minutes before it, as Entra
	// issues hints already expired); time.Now() when zero.
	IssuedAt time.Time

	// Set adds claims or replaces any of the above (iss, aud, ver, exp...).
	Set map[string]any
	// Omit removes claims after Set, by name.
	Omit []string

	// Alg is the header alg: "" or "RS256" (sign with the RSA key),
	// "none" (no signature) or "HS256" (HMAC-SHA256 with HMACSecret).
	Alg string
	// HMACSecret is the HS256 secret; random when empty.
	HMACSecret []byte
	// Key signs instead of the current key (an attacker's key); the header
	// still names the current kid unless KeyID says otherwise.
	Key *rsa.PrivateKey
	// KeyID replaces the header kid; NoKeyID leaves kid out.
	KeyID   string
	NoKeyID bool
}

// MintHint returns an id_token_hint in the compact JWS form built as c
// says. The token is built by hand, not with a JOSE library, so that the
// verifier under test is checked against an independent encoding.
func (a *Authority) MintHint(c HintClaims) string {
	a.mu.Lock()
	current := a.keys[len(a.keys)-1]
	a.mu.Unlock()

	tid := or(c.TenantID, a.tenantID)
	appID := or(c.AppID, a.appID)
	oid := or(c.OID, a.userOID)
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	claims := map[string]any{
		"aud":                appID,
		"iss":                a.Issuer(tid),
		"iat":                iat.Unix(),
		"nbf":                iat.Unix(),
		"exp":                iat.Add(-5 * time.Minute).Unix(),
		"aio":                b64(randomBytes(48)),
		"name":               or(c.Name, "Megan Bowen"),
		"oid":                oid,
		"preferred_username": or(c.PreferredUsername, "meganb@contoso.example"),
		"rh":                 "0.A" + b64(randomBytes(40)) + ".",
		"sub":                or(c.Subject, a.Subject(oid, appID)),
		"tid":                tid,
		"uti":                b64(randomBytes(16)),
		"ver":                "2.0",
	}
	for k, v := range c.Set {
		claims[k] = v
	}
	for _, k := range c.Omit {
		delete(claims, k)
	}

	alg := or(c.Alg, "RS256")
	header := map[string]any{"typ": "JWT", "alg": alg}
	if !c.NoKeyID {
		header["kid"] = or(c.KeyID, current.kid)
	}
	signingInput := encodeJSON(header) + "." + encodeJSON(claims)
	var sig []byte
	switch alg {
	case "none":
	case "HS256":
		secret := c.HMACSecret
		if len(secret) == 0 {
			secret = randomBytes(32)
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(signingInput))
		sig = mac.Sum(nil)
	default:
		key := current.priv
		if c.Key != nil {
			key = c.Key
		}
		digest := sha256.Sum256([]byte(signingInput))
		var err error
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
		if err != nil {
			panic(fmt.Sprintf("fakeentra: sign: %v", err))
		}
	}
	return signingInput + "." + b64(sig)
}

// encodeJSON is v as JSON, base64url.
func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("fakeentra: %v", err))
	}
	return b64(b)
}

// pairwiseSubject derives the sub Entra would give user oid for app
// appID: 32 bytes of HMAC, base64url (43 characters, like Entra's).
func pairwiseSubject(secret []byte, oid, appID string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(oid + "\x00" + appID))
	return b64(mac.Sum(nil))
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

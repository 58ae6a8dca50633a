package protocol

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// requestObjectAlgs are the algorithms a client's request object may be
// signed with: RS256, PS256 and ES256 with one of its own registered public
// keys, HS256 with its client secret (OpenID Connect Core 6.1 and 10.1);
// never none.
var requestObjectAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.HS256}

// maxClientKeySet bounds a client's registered key set.
const maxClientKeySet = 64 << 10

// CheckClientKeys refuses a client key set that is not a JSON Web Key Set
// of public RSA (2048 bits or more) or P-256 keys, each with a key id
// when there are several.
func CheckClientKeys(raw string) error {
	_, err := clientKeys(raw)
	return err
}

func clientKeys(raw string) (*jose.JSONWebKeySet, error) {
	if len(raw) > maxClientKeySet {
		return nil, errors.New("the key set is larger than 64 KiB")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %v", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("the key set has no key")
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return nil, errors.New("the key set holds a private key: register public keys only")
		}
		switch pk := k.Key.(type) {
		case *rsa.PublicKey:
			if pk.N.BitLen() < 2048 {
				return nil, errors.New("an RSA key is shorter than 2048 bits")
			}
		case *ecdsa.PublicKey:
			if pk.Curve.Params().Name != "P-256" {
				return nil, errors.New("an EC key is not on P-256")
			}
		default:
			return nil, fmt.Errorf("key %q is neither RSA nor EC P-256", k.KeyID)
		}
		if len(set.Keys) > 1 && k.KeyID == "" {
			return nil, errors.New("every key needs a kid when there are several")
		}
	}
	return &set, nil
}

// RequestObject is what otpgate reads from a verified request object.
type RequestObject struct {
	LoginHint string
}

// RequestObjectKeys are what a client's request objects are verified
// with. The request object's alg picks one of them and never the other:
// RS256, PS256 and ES256 a key of JWKS, HS256 the secret. So a public key
// is never used as an HMAC key (the classic algorithm confusion), and a
// secret never stands in for a registered key.
type RequestObjectKeys struct {
	// JWKS is the client's registered public key set (JSON); "" when it
	// registered none.
	JWKS string
	// Secret returns the client secret, whose UTF-8 octets are the HS256
	// key, in a new slice that VerifyRequestObject clears after use; nil
	// when otpgate keeps no secret of the client it can read (a public
	// client, or one whose secret is kept as a hash only). It is called
	// for HS256 request objects only, so a secret is opened only when one
	// is needed.
	Secret func() ([]byte, error)
}

// ClientSecretAD is the associated data of a client's sealed secret
// (store.Client.SecretSealed): it binds the secret to its client, so a
// sealed secret copied onto another client's row does not open there.
func ClientSecretAD(clientID string) []byte { return []byte("client-secret:" + clientID) }

// ErrNoRequestObjectSecret: the request object is signed HS256, but the
// client has no secret otpgate can verify it with.
var ErrNoRequestObjectSecret = errors.New("request object: signed HS256, but otpgate keeps no secret of this client to verify it with")

// maxRequestObjectLife bounds how long a request object is valid (exp
// after its iat, or after now): it names the user a passcode is asked
// of, and whoever holds a copy could start a sign-in with it until then.
const maxRequestObjectLife = 10 * time.Minute

// VerifyRequestObject checks a request object (RFC 9101) of a factor-only
// client: signed by RS256, PS256 or ES256 with one of the client's
// registered keys, or by HS256 with its secret (keys); iss and client_id
// the client, aud otpgate's issuer; exp in the future and at most ten
// minutes away; a login_hint naming the user.
func VerifyRequestObject(raw string, keys RequestObjectKeys, clientID, issuer string, now time.Time) (*RequestObject, error) {
	if len(raw) > 16<<10 {
		return nil, errors.New("request object too large")
	}
	tok, err := jwt.ParseSigned(raw, requestObjectAlgs)
	if err != nil {
		return nil, fmt.Errorf("request object: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("request object: one signature expected")
	}
	key, err := keys.verificationKey(tok.Headers[0])
	if err != nil {
		return nil, err
	}
	if secret, ok := key.([]byte); ok {
		defer clear(secret)
	}
	var claims struct {
		jwt.Claims
		ClientID  string `json:"client_id"`
		LoginHint string `json:"login_hint"`
	}
	if err := tok.Claims(key, &claims); err != nil {
		return nil, fmt.Errorf("request object: signature: %w", err)
	}
	switch {
	case claims.Issuer != clientID || (claims.ClientID != "" && claims.ClientID != clientID):
		return nil, errors.New("request object: iss and client_id must be the client")
	case !slices.Contains([]string(claims.Audience), issuer):
		return nil, errors.New("request object: aud must be the issuer")
	case claims.Expiry == nil:
		return nil, errors.New("request object: exp is required")
	case !claims.Expiry.Time().After(now):
		return nil, errors.New("request object: expired")
	case claims.Expiry.Time().After(now.Add(maxRequestObjectLife)):
		return nil, errors.New("request object: exp is more than ten minutes away")
	case claims.IssuedAt != nil && claims.IssuedAt.Time().After(now.Add(time.Minute)):
		return nil, errors.New("request object: issued in the future")
	case claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(time.Minute)):
		return nil, errors.New("request object: not valid yet")
	case claims.LoginHint == "" || len(claims.LoginHint) > 320:
		return nil, errors.New("request object: login_hint names no user")
	}
	return &RequestObject{LoginHint: claims.LoginHint}, nil
}

// verificationKey is the key a request object with header h is verified
// with: the client secret for HS256, else the registered key its kid
// names (or the only one, when it names none).
func (keys RequestObjectKeys) verificationKey(h jose.Header) (any, error) {
	alg := jose.SignatureAlgorithm(h.Algorithm)
	if alg == jose.HS256 {
		if keys.Secret == nil {
			return nil, ErrNoRequestObjectSecret
		}
		secret, err := keys.Secret()
		if err != nil {
			return nil, fmt.Errorf("request object: the client secret cannot be read: %w", err)
		}
		return secret, nil
	}
	if keys.JWKS == "" {
		return nil, fmt.Errorf("request object: signed %s, but the client registered no keys", alg)
	}
	set, err := clientKeys(keys.JWKS)
	if err != nil {
		return nil, fmt.Errorf("client keys: %w", err)
	}
	for _, k := range set.Keys {
		if k.KeyID == h.KeyID || (h.KeyID == "" && len(set.Keys) == 1) {
			return k.Key, nil
		}
	}
	return nil, errors.New("request object: signed with a key the client did not register")
}

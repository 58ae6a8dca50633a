package protocol

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultSigningAlgorithm signs the ID tokens of clients that name no
// algorithm: some relying parties and federation partners accept RS256
// only (OpenID Connect Core makes it the one every party must support).
const DefaultSigningAlgorithm = jose.RS256

// SigningAlgorithms are the algorithms ID tokens can be signed with, the
// default first. Each has one current key; all are rotated together and
// published in the key set.
var SigningAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// ErrUnknownAlgorithm is a client setting that names no algorithm of
// SigningAlgorithms.
var ErrUnknownAlgorithm = errors.New("unsupported ID token signing algorithm")

// IDTokenAlgorithm is the algorithm a client's id_token_signed_response_alg
// setting names: empty is DefaultSigningAlgorithm. The names are JOSE's,
// matched exactly (RS256, ES256, EdDSA); any other fails with
// ErrUnknownAlgorithm, in a message listing the accepted names.
func IDTokenAlgorithm(setting string) (jose.SignatureAlgorithm, error) {
	if setting == "" {
		return DefaultSigningAlgorithm, nil
	}
	for _, alg := range SigningAlgorithms {
		if string(alg) == setting {
			return alg, nil
		}
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownAlgorithm, setting, AlgorithmNames())
}

// AlgorithmNames lists SigningAlgorithms for messages: "RS256, ES256, EdDSA".
func AlgorithmNames() string {
	names := make([]string, len(SigningAlgorithms))
	for i, alg := range SigningAlgorithms {
		names[i] = string(alg)
	}
	return strings.Join(names, ", ")
}

type clientAlgorithmKey struct{}

// WithClientAlgorithm returns ctx carrying the id_token_signed_response_alg
// setting of the client a token request comes from. The library asks
// Storage.SigningKey for a key without naming the client; the token
// endpoint, which knows the client, puts its setting here. Without it the
// default algorithm signs.
func WithClientAlgorithm(ctx context.Context, setting string) context.Context {
	return context.WithValue(ctx, clientAlgorithmKey{}, setting)
}

// clientAlgorithm is the algorithm the request's client asked for, or the
// default when ctx names no client.
func clientAlgorithm(ctx context.Context) (jose.SignatureAlgorithm, error) {
	setting, _ := ctx.Value(clientAlgorithmKey{}).(string)
	return IDTokenAlgorithm(setting)
}

// keyKind makes, stores and reads the private keys of one algorithm.
type keyKind struct {
	generate func() (crypto.Signer, error)
	marshal  func(crypto.Signer) ([]byte, error)
	parse    func([]byte) (crypto.Signer, error)
}

// keyKinds holds a kind per algorithm of SigningAlgorithms. RSA keys stay
// PKCS #1, as the releases before ES256 and EdDSA stored them; the others
// are PKCS #8.
var keyKinds = map[jose.SignatureAlgorithm]keyKind{
	jose.RS256: {
		generate: func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) },
		marshal: func(k crypto.Signer) ([]byte, error) {
			return x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey)), nil
		},
		parse: func(der []byte) (crypto.Signer, error) { return x509.ParsePKCS1PrivateKey(der) },
	},
	jose.ES256: {
		generate: func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) },
		marshal:  pkcs8,
		parse: func(der []byte) (crypto.Signer, error) {
			k, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				return nil, err
			}
			ec, ok := k.(*ecdsa.PrivateKey)
			if !ok || ec.Curve != elliptic.P256() {
				return nil, errors.New("not a P-256 key")
			}
			return ec, nil
		},
	},
	jose.EdDSA: {
		generate: func() (crypto.Signer, error) {
			_, k, err := ed25519.GenerateKey(rand.Reader)
			return k, err
		},
		marshal: pkcs8,
		parse: func(der []byte) (crypto.Signer, error) {
			k, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				return nil, err
			}
			ed, ok := k.(ed25519.PrivateKey)
			if !ok {
				return nil, errors.New("not an Ed25519 key")
			}
			return ed, nil
		},
	},
}

func pkcs8(k crypto.Signer) ([]byte, error) { return x509.MarshalPKCS8PrivateKey(k) }

package protocol

import (
	"context"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// SignJWT signs claims (encoded as JSON) as a compact JWT with the current
// signing key of alg, for the tokens otpgate issues outside the OIDC
// library's flows (the ID token of an Entra ID external authentication
// method).
func (k *Keys) SignJWT(ctx context.Context, alg jose.SignatureAlgorithm, claims any) (string, error) {
	key, err := k.signing(ctx, alg)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key.Key(), KeyID: key.ID()}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return obj.CompactSerialize()
}

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// ErrUnopenable is returned by RotateEncryption when a stored value opens
// with no known key; nothing was changed.
var ErrUnopenable = errors.New("cannot be decrypted with any configured key")

// SealedAD returns the associated data a stored sealed value is bound to:
// the same the code that wrote it used.
func SealedAD(v store.SealedValue) ([]byte, error) {
	switch v.Kind {
	case store.SealedDeviceSecret:
		return signin.DeviceAD(v.UserID, v.ID), nil
	case store.SealedSigningKey:
		return protocol.SigningKeyAD(v.ID), nil
	case store.SealedPendingSecret:
		return signin.PendingAD(v.ID), nil
	case store.SealedPendingCodes:
		return signin.CodesAD(v.ID), nil
	case store.SealedClientSecret:
		return protocol.ClientSecretAD(v.ID), nil
	}
	return nil, fmt.Errorf("unknown sealed kind %q", v.Kind)
}

// RotateEncryption re-seals every stored sealed value with to's primary
// key, in one transaction: each value is opened with from (the configured
// keyring, which should accept to's key as well) and sealed again by to. A
// value already sealed by to's key is left as it is, so running again is
// harmless and only re-seals what others wrote with an older key since. A
// value no key of from opens aborts the whole run, changing nothing, with
// an error naming its kind and id (and wrapping ErrUnopenable).
func RotateEncryption(ctx context.Context, st *store.Store, from, to *credential.Sealer) (store.ResealCounts, error) {
	return st.ResealAll(ctx, func(v store.SealedValue) ([]byte, error) {
		ad, err := SealedAD(v)
		if err != nil {
			return nil, err
		}
		if id, ok := credential.SealedKeyID(v.Sealed); ok && id == to.KeyID() {
			if _, err := to.Open(v.Sealed, ad); err == nil {
				return nil, nil
			}
		}
		plain, err := from.Open(v.Sealed, ad)
		if err != nil {
			return nil, fmt.Errorf("%s %s %w", v.Kind, v.ID, ErrUnopenable)
		}
		return to.Seal(plain, ad), nil
	})
}

// EncryptionStatus counts the stored sealed values of each kind by the id
// of the key that sealed them ("legacy" for values written before key
// ids, which carry none).
func EncryptionStatus(ctx context.Context, st *store.Store) (map[store.SealedKind]map[string]int, error) {
	out := map[store.SealedKind]map[string]int{}
	_, err := st.ResealAll(ctx, func(v store.SealedValue) ([]byte, error) {
		id, ok := credential.SealedKeyID(v.Sealed)
		if !ok {
			id = "legacy"
		}
		if out[v.Kind] == nil {
			out[v.Kind] = map[string]int{}
		}
		out[v.Kind][id]++
		return nil, nil
	})
	return out, err
}

// opCrypto is the library's encryption of authorization codes and opaque
// access tokens: with the key derived from the primary encryption key, and
// decrypting with the keys derived from every key of the keyring, so that
// a code or token another replica issued under the previous primary key
// keeps working during a key rotation.
func opCrypto(s *credential.Sealer) op.Crypto {
	keys := s.DeriveAll("op-crypto")
	primary := op.NewAES256GCMCrypto(keys[0], "")
	var decrypters []op.Decrypter
	for _, k := range keys {
		decrypters = append(decrypters, op.NewAES256GCMCrypto(k, ""), op.NewAESDecrypter(k))
	}
	return op.NewCompositeCrypto(primary, decrypters)
}

package protocol

import (
	"context"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// BenchmarkIDTokenSignature measures one ID token signature per algorithm,
// as the library makes it (op.SignerFromKey on the active key).
// Run: go test -run '^$' -bench IDTokenSignature ./provider/protocol/
func BenchmarkIDTokenSignature(b *testing.B) {
	ctx := context.Background()
	st, _ := keysTestStore(b)
	k := NewKeys(st, keysTestSealer(b, 1), time.Hour)
	if err := k.EnsureKey(ctx); err != nil {
		b.Fatal(err)
	}
	claims := []byte(`{"iss":"https://login.example.com","sub":"u_0123456789","aud":["app"],"exp":1700003600,"iat":1700000000,"amr":["pwd","kba","otp","mfa"]}`)
	for _, alg := range SigningAlgorithms {
		b.Run(string(alg), func(b *testing.B) {
			sk, err := k.signing(ctx, alg)
			if err != nil {
				b.Fatal(err)
			}
			signer, err := op.SignerFromKey(sk)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := signer.Sign(claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

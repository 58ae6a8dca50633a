package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
)

// BenchmarkSignIn measures one full sign-in as a relying party sees it:
// authorize, password, security question, and the code exchange with ID
// token verification, on SQLite with the production argon2id parameters
// (credential.OWASP). Run: go test -run '^$' -bench SignIn ./provider/
func BenchmarkSignIn(b *testing.B) {
	owasp := credential.NewHasher(credential.OWASP)
	h := newHarness(b, func(o *provider.Options) { o.Hasher = owasp })
	h.hasher = owasp
	h.addClient("app", appSecret)
	h.addUser("bench", "bench-password-1", "answer")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b.ReportMetric(float64(credential.OWASP.Memory), "argon2-KiB")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		nonce = fmt.Sprint("n", i)
		p := newBrowser(b).signIn(authURL(app, nonce, ""), "bench", "bench-password-1", "answer")
		if _, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(b), app); err != nil {
			b.Fatal(err)
		}
	}
}

package store_test

import (
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

// TestMigrateAddsClientSecretSealed upgrades a database of the release
// before sealed client secrets (version 13) holding a factor-only client:
// it keeps its secret hash and reads with no sealed secret (HS256 request
// objects wait for a rotation), and ResealAll does not visit it; a
// rotation afterwards stores one.
func TestMigrateAddsClientSecretSealed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		must(t, s.MigrateTo(t.Context(), 13))
		must(t, s.ExecScript(t.Context(), `
INSERT INTO clients (id, name, secret_hash, public, redirect_uris, post_logout_redirect_uris, require_mfa, from_config, created_at, updated_at, mode)
    VALUES ('idp', 'IdP', 'hash', false, '["https://idp.example/cb"]', '[]', true, false, '2023-11-14 22:13:20+00:00', '2023-11-14 22:13:20+00:00', 'second_factor');
`))
		must(t, s.Migrate(t.Context()))
		wantHistory(t, s, b.dialect)
		wantNoDrift(t, s)

		idp, err := s.ClientByID(t.Context(), "idp")
		must(t, err)
		if idp.SecretHash != "hash" || idp.Mode != store.ModeSecondFactor || idp.SecretSealed != nil {
			t.Fatalf("upgraded client = %+v, want its hash and mode and no sealed secret", idp)
		}
		_, err = s.ResealAll(t.Context(), func(v store.SealedValue) ([]byte, error) {
			if v.Kind == store.SealedClientSecret {
				t.Errorf("ResealAll visited the client secret of %s, which has none", v.ID)
			}
			return nil, nil
		})
		must(t, err)

		hash, sealed := "new-hash", []byte("sealed")
		must(t, s.UpdateClient(t.Context(), "idp", store.ClientUpdate{SecretHash: &hash, SecretSealed: &sealed}))
		if idp, err = s.ClientByID(t.Context(), "idp"); err != nil || string(idp.SecretSealed) != "sealed" {
			t.Errorf("after a rotation: %+v, %v", idp, err)
		}
	})
}

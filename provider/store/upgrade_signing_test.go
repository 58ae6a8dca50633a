package store_test

import (
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

// TestMigrateAddsIDTokenAlgorithm upgrades a database of the release before
// per-client ID token algorithms (version 7) holding a client and its RS256
// signing keys: the client reads as the default (RS256, an empty
// algorithm), the keys keep their algorithm and material, and the new
// column takes a value afterwards.
func TestMigrateAddsIDTokenAlgorithm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		must(t, s.MigrateTo(t.Context(), 7))
		must(t, s.ExecScript(t.Context(), `
INSERT INTO clients (id, name, secret_hash, public, redirect_uris, post_logout_redirect_uris, require_mfa, from_config, created_at, updated_at)
    VALUES ('app', 'App', 'hash', false, '["https://app.example/cb"]', '[]', true, false, '2023-11-14 22:13:20+00:00', '2023-11-14 22:13:20+00:00');
INSERT INTO signing_keys (id, algorithm, private_key, created_at, retired_at)
    VALUES ('k-old', 'RS256', 'sealed-old', '2023-11-13 22:13:20+00:00', '2023-11-14 22:13:20+00:00');
INSERT INTO signing_keys (id, algorithm, private_key, created_at, retired_at)
    VALUES ('k-new', 'RS256', 'sealed-new', '2023-11-14 22:13:20+00:00', NULL);
`))
		must(t, s.Migrate(t.Context()))
		wantHistory(t, s, b.dialect)
		wantNoDrift(t, s)

		app, err := s.ClientByID(t.Context(), "app")
		must(t, err)
		if app.IDTokenSignedResponseAlg != "" || !app.RequireMFA || app.Name != "App" {
			t.Errorf("upgraded client = %+v, want its fields and no algorithm (RS256)", app)
		}
		keys, err := s.SigningKeys(t.Context())
		must(t, err)
		if len(keys) != 2 || keys[0].ID != "k-new" || keys[0].Algorithm != "RS256" || keys[0].RetiredAt != nil ||
			string(keys[0].PrivateKey) != "sealed-new" || keys[1].Algorithm != "RS256" || keys[1].RetiredAt == nil {
			t.Errorf("upgraded signing keys = %+v, want the RS256 keys as they were", keys)
		}

		alg := "EdDSA"
		must(t, s.UpdateClient(t.Context(), "app", store.ClientUpdate{IDTokenSignedResponseAlg: &alg}))
		if app, err = s.ClientByID(t.Context(), "app"); err != nil || app.IDTokenSignedResponseAlg != "EdDSA" {
			t.Errorf("after setting EdDSA: %+v, %v", app, err)
		}
	})
}

package store_test

import (
	"testing"
)

// TestMigrateAddsSigningKeyCertificates upgrades a database of the release
// before signing key certificates (version 12) holding an active and a
// retired key: both keep their algorithm, material and times, read with
// no certificate, and take one afterwards, once.
func TestMigrateAddsSigningKeyCertificates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		must(t, s.MigrateTo(t.Context(), 12))
		must(t, s.ExecScript(t.Context(), `
INSERT INTO signing_keys (id, algorithm, private_key, created_at, retired_at)
    VALUES ('k-old', 'RS256', 'sealed-old', '2023-11-13 22:13:20+00:00', '2023-11-14 22:13:20+00:00');
INSERT INTO signing_keys (id, algorithm, private_key, created_at, retired_at)
    VALUES ('k-new', 'ES256', 'sealed-new', '2023-11-14 22:13:20+00:00', NULL);
`))
		must(t, s.Migrate(t.Context()))
		wantHistory(t, s, b.dialect)
		wantNoDrift(t, s)

		keys, err := s.SigningKeys(t.Context())
		must(t, err)
		if len(keys) != 2 || keys[0].ID != "k-new" || keys[0].Algorithm != "ES256" || keys[0].RetiredAt != nil ||
			string(keys[0].PrivateKey) != "sealed-new" || keys[1].ID != "k-old" || keys[1].RetiredAt == nil ||
			string(keys[1].PrivateKey) != "sealed-old" {
			t.Fatalf("upgraded signing keys = %+v, want the keys as they were", keys)
		}
		for _, k := range keys {
			if k.Certificate != "" {
				t.Errorf("upgraded key %s has certificate %q, want none", k.ID, k.Certificate)
			}
		}

		if stored, err := s.SetSigningKeyCertificate(t.Context(), "k-new", "cert-new"); err != nil || !stored {
			t.Fatalf("certificate of an upgraded key: stored %v, %v", stored, err)
		}
		if stored, err := s.SetSigningKeyCertificate(t.Context(), "k-new", "cert-other"); err != nil || stored {
			t.Fatalf("a second certificate of an upgraded key: stored %v, %v", stored, err)
		}
		keys, err = s.SigningKeys(t.Context())
		must(t, err)
		if keys[0].Certificate != "cert-new" || keys[1].Certificate != "" {
			t.Errorf("after certifying k-new: %q and %q, want cert-new and none", keys[0].Certificate, keys[1].Certificate)
		}
	})
}

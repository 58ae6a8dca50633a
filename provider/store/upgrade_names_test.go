package store_test

import (
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

// TestMigrateAddsUserNames upgrades a database of the release before given
// and family names (version 10) holding an account with a display name and
// one without: both keep what they had, read with no given or family name,
// and the new columns take values afterwards.
func TestMigrateAddsUserNames(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		must(t, s.MigrateTo(t.Context(), 10))
		must(t, s.ExecScript(t.Context(), `
INSERT INTO users (id, username, username_skeleton, email, name, password_hash, created_at, updated_at)
    VALUES ('u-ada', 'ada', 'ada', 'ada@example.com', 'Ada Lovelace', 'hash', '2023-11-14 22:13:20+00:00', '2023-11-14 22:13:20+00:00');
INSERT INTO users (id, username, username_skeleton, password_hash, created_at, updated_at)
    VALUES ('u-bo', 'bo', 'bo', 'hash', '2023-11-14 22:13:20+00:00', '2023-11-14 22:13:20+00:00');
`))
		must(t, s.Migrate(t.Context()))
		wantHistory(t, s, b.dialect)
		wantNoDrift(t, s)

		ada, err := s.UserByID(t.Context(), "u-ada")
		must(t, err)
		if ada.Name != "Ada Lovelace" || ada.GivenName != "" || ada.FamilyName != "" || ada.Email != "ada@example.com" {
			t.Errorf("upgraded ada = %+v, want her name and address, no given or family name", ada)
		}
		bo, err := s.UserByID(t.Context(), "u-bo")
		must(t, err)
		if bo.Name != "" || bo.GivenName != "" || bo.FamilyName != "" || bo.DisplayName() != "bo" {
			t.Errorf("upgraded bo = %+v, want no names (displayed as the username)", bo)
		}

		given, family := "Ada", "Lovelace"
		must(t, s.SetUserNames(t.Context(), "u-ada", store.UserNames{GivenName: &given, FamilyName: &family}))
		if ada, err = s.UserByID(t.Context(), "u-ada"); err != nil || ada.GivenName != "Ada" || ada.FamilyName != "Lovelace" {
			t.Errorf("after setting the names: %+v, %v", ada, err)
		}
	})
}

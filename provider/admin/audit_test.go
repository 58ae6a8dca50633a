package admin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

func TestAuditLog(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		pat := e.addUser("pat", "")
		e.addUser("quin", "")
		if _, err := e.svc.SetDisabled(e.ctx(), actor, "quin", true); err != nil {
			t.Fatal(err)
		}
		// An older sign-in event that kept only the user id.
		must(t, e.store.Audit(e.ctx(), &store.AuditEvent{At: epoch.Add(-2 * time.Hour), Event: store.EventSignIn, UserID: pat.ID, Actor: "user"}))
		all, err := e.svc.AuditLog(e.ctx(), admin.AuditQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var users []string
		for _, en := range all {
			users = append(users, en.Event+" "+en.User)
		}
		want := []string{"signin.success pat", "admin.user pat", "admin.user quin", "admin.user quin"}
		if len(users) != len(want) {
			t.Fatalf("audit log %q, want %q", users, want)
		}
		for i := range want {
			if users[i] != want[i] {
				t.Fatalf("audit log %q, want %q", users, want)
			}
		}
		mine, err := e.svc.AuditLog(e.ctx(), admin.AuditQuery{Username: "PAT", Limit: 1})
		if err != nil || len(mine) != 1 || mine[0].Event != store.EventAdminUser || mine[0].Actor != actor {
			t.Errorf("pat's newest event: %+v, %v", mine, err)
		}
		recent, err := e.svc.AuditLog(e.ctx(), admin.AuditQuery{Since: time.Hour, Limit: 100})
		if err != nil || len(recent) != 3 {
			t.Errorf("events of the last hour: %d, %v; want the three admin events", len(recent), err)
		}
		if _, err := e.svc.AuditLog(e.ctx(), admin.AuditQuery{Username: "ghost", Limit: 1}); !errors.Is(err, admin.ErrUserNotFound) {
			t.Errorf("unknown user: %v", err)
		}
		if _, err := e.svc.AuditLog(e.ctx(), admin.AuditQuery{}); !errors.Is(err, admin.ErrInvalidInput) {
			t.Errorf("no limit: %v", err)
		}
	})
}

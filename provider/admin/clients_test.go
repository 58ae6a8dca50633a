package admin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

func TestClientLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		added, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "app1", RedirectURIs: []string{"https://app1.example/cb"},
			PostLogoutURIs: []string{"https://app1.example/"}})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := e.svc.Client(e.ctx(), "app1")
		if err != nil || added.Secret == "" {
			t.Fatalf("Client: %v, secret %q", err, added.Secret)
		}
		if ok, _ := e.hasher.VerifyClientSecret(added.Secret, cl.SecretHash); !ok {
			t.Error("the stored hash does not verify the generated secret")
		}
		wantClientEvent(t, e, "app1", "created confidential client (secret generated); redirect URIs: https://app1.example/cb; "+
			"post-logout URIs: https://app1.example/; require-mfa off")

		given := "a-given-client-secret-123"
		if a, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "app2", Secret: given, RequireMFA: true,
			RedirectURIs: []string{"https://app2.example/cb"}}); err != nil || a.Secret != "" {
			t.Fatalf("AddClient with a given secret: %+v, %v", a, err)
		}
		wantClientEvent(t, e, "app2", "created confidential client (secret given); redirect URIs: https://app2.example/cb; require-mfa on")
		if _, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "spa", Public: true,
			RedirectURIs: []string{"https://spa.example/cb"}}); err != nil {
			t.Fatal(err)
		}
		wantClientEvent(t, e, "spa", "created public client; redirect URIs: https://spa.example/cb; require-mfa off")
		if _, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "spa", Public: true,
			RedirectURIs: []string{"https://spa.example/cb"}}); !errors.Is(err, admin.ErrClientExists) {
			t.Errorf("a second spa: %v, want ErrClientExists", err)
		}

		name, on, uris := "App One", true, []string{"https://app1.example/new"}
		secret, err := e.svc.UpdateClient(e.ctx(), actor, "app1", admin.ClientChange{Name: &name, RequireMFA: &on,
			RedirectURIs: &uris, RotateSecret: true})
		if err != nil || secret == "" || secret == added.Secret {
			t.Fatalf("UpdateClient: %q, %v", secret, err)
		}
		cl, _ = e.svc.Client(e.ctx(), "app1")
		if ok, _ := e.hasher.VerifyClientSecret(secret, cl.SecretHash); !ok || cl.Name != "App One" || !cl.RequireMFA ||
			len(cl.RedirectURIs) != 1 || cl.RedirectURIs[0] != uris[0] || len(cl.PostLogoutRedirectURIs) != 1 {
			t.Errorf("after UpdateClient %+v", cl)
		}
		wantClientEvent(t, e, "app1", `redirect URIs replaced: https://app1.example/new; name set to "App One"; set require-mfa on; secret rotated`)
		rotated, err := e.svc.RotateSecret(e.ctx(), actor, "app2")
		if err != nil || rotated == "" {
			t.Fatalf("RotateSecret: %v", err)
		}
		wantClientEvent(t, e, "app2", "secret rotated")
		e.wantNoSecret(added.Secret, given, secret, rotated, cl.SecretHash)

		if err := e.svc.RemoveClient(e.ctx(), actor, "spa"); err != nil {
			t.Fatal(err)
		}
		wantClientEvent(t, e, "spa", "client removed; its tokens revoked")
		if _, err := e.svc.Client(e.ctx(), "spa"); !errors.Is(err, admin.ErrClientNotFound) {
			t.Errorf("removed client: %v", err)
		}
	})
}

// TestClientIDTokenAlgorithm: a client is added with an ID token
// algorithm, changed to another and back to the default; each step is
// audited, and the display names the default.
func TestClientIDTokenAlgorithm(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if _, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "ec", Public: true, IDTokenAlg: "ES256",
			RedirectURIs: []string{"https://ec.example/cb"}}); err != nil {
			t.Fatal(err)
		}
		wantClientEvent(t, e, "ec", "created public client; redirect URIs: https://ec.example/cb; require-mfa off; id-token-alg ES256")
		alg := func() string {
			t.Helper()
			cl, err := e.svc.Client(e.ctx(), "ec")
			if err != nil {
				t.Fatal(err)
			}
			return admin.IDTokenAlg(cl)
		}
		if got := alg(); got != "ES256" {
			t.Errorf("added with ES256: %q", got)
		}
		for _, tc := range []struct{ set, want, event string }{
			{"EdDSA", "EdDSA", "set id-token-alg EdDSA"},
			{"", "RS256 (default)", "set id-token-alg RS256 (default)"},
		} {
			if _, err := e.svc.UpdateClient(e.ctx(), actor, "ec", admin.ClientChange{IDTokenAlg: &tc.set}); err != nil {
				t.Fatal(err)
			}
			wantClientEvent(t, e, "ec", tc.event)
			if got := alg(); got != tc.want {
				t.Errorf("after setting %q: %q, want %q", tc.set, got, tc.want)
			}
		}
	})
}

func wantClientEvent(t *testing.T, e *env, id, detail string) {
	t.Helper()
	if ev := e.lastEvent(); ev.Event != store.EventAdminClient || ev.ClientID != id || ev.UserID != "" || ev.Detail != detail {
		t.Errorf("audit event %+v, want %s %q", ev, id, detail)
	}
}

// clientsEnv has a client declared in the configuration ("cfg") and a
// public one ("pub").
func clientsEnv(t *testing.T) *env {
	e := newEnv(t, openSQLite(t), nil)
	now := e.store.Now()
	must(t, e.store.SaveClient(e.ctx(), &store.Client{ID: "cfg", FromConfig: true, RedirectURIs: store.StringList{"https://c.example/cb"},
		CreatedAt: now, UpdatedAt: now}))
	_, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "pub", Public: true, RedirectURIs: []string{"https://p.example/cb"}})
	must(t, err)
	return e
}

func TestClientRefusals(t *testing.T) {
	e := clientsEnv(t)
	ctx := e.ctx()
	name := "x"
	yes := true
	for _, nc := range []admin.NewClient{
		{ID: "bot", GrantTypes: []string{store.GrantClientCredentials}, Scopes: []string{store.ScopeAdminRead}},
		{ID: "fo", SecondFactorOnly: true, RedirectURIs: []string{"https://f.example/cb"}},
	} {
		_, err := e.svc.AddClient(ctx, actor, nc)
		must(t, err)
	}
	bad := []string{"https://b.example/cb#frag"}
	for _, tc := range []struct {
		name string
		run  func() error
		want error
		// field is the input error's field, when want is ErrInvalidInput.
		field string
	}{
		{"add: no id", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{RedirectURIs: []string{"https://a.example/cb"}})
			return err
		}, admin.ErrInvalidInput, "id"},
		{"add: no redirect URI", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a"})
			return err
		}, admin.ErrInvalidInput, "redirect-uri"},
		{"add: public with secret", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", Public: true, Secret: "a-long-enough-secret",
				RedirectURIs: []string{"https://a.example/cb"}})
			return err
		}, admin.ErrInvalidInput, "secret"},
		{"add: short secret", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", Secret: "short", RedirectURIs: []string{"https://a.example/cb"}})
			return err
		}, admin.ErrInvalidInput, "secret"},
		{"add: the example's placeholder secret", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", Secret: "Replace-With-A-Long-Random-Secret", RedirectURIs: []string{"https://a.example/cb"}})
			return err
		}, admin.ErrInvalidInput, "secret"},
		{"add: a machine client's placeholder secret", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", Secret: "replace_with_a_long_random_secret",
				GrantTypes: []string{store.GrantClientCredentials}, Scopes: []string{store.ScopeAdminRead}})
			return err
		}, admin.ErrInvalidInput, "secret"},
		{"add: bad redirect URI", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", RedirectURIs: bad})
			return err
		}, admin.ErrInvalidInput, "redirect-uri"},
		{"add: bad post-logout URI", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", RedirectURIs: []string{"https://a.example/cb"}, PostLogoutURIs: []string{"relative"}})
			return err
		}, admin.ErrInvalidInput, "post-logout-uri"},
		{"add: unknown ID token algorithm", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", RedirectURIs: []string{"https://a.example/cb"}, IDTokenAlg: "HS256"})
			return err
		}, admin.ErrInvalidInput, "id-token-alg"},
		{"add: ID token algorithm in lower case", func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "a", RedirectURIs: []string{"https://a.example/cb"}, IDTokenAlg: "es256"})
			return err
		}, admin.ErrInvalidInput, "id-token-alg"},
		{"update: unknown ID token algorithm", func() error {
			alg := "none"
			_, err := e.svc.UpdateClient(ctx, actor, "pub", admin.ClientChange{IDTokenAlg: &alg})
			return err
		}, admin.ErrInvalidInput, "id-token-alg"},
		{"update: unknown", func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "nope", admin.ClientChange{Name: &name})
			return err
		}, admin.ErrClientNotFound, ""},
		{"update: from config", func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "cfg", admin.ClientChange{Name: &name})
			return err
		}, admin.ErrClientFromConfig, ""},
		{"update: rotate public", func() error {
			_, err := e.svc.RotateSecret(ctx, actor, "pub")
			return err
		}, admin.ErrPublicClient, ""},
		{"update: remember-browser on a machine client", func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "bot", admin.ClientChange{RememberBrowser: &yes})
			return err
		}, admin.ErrInvalidInput, "remember-browser"},
		{"update: remember-browser on a factor-only client", func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "fo", admin.ClientChange{RememberBrowser: &yes})
			return err
		}, admin.ErrInvalidInput, "remember-browser"},
		{"update: nothing", func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "pub", admin.ClientChange{})
			return err
		}, admin.ErrInvalidInput, ""},
		{"update: bad URI", func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "pub", admin.ClientChange{RedirectURIs: &bad})
			return err
		}, admin.ErrInvalidInput, "redirect-uri"},
		{"remove: unknown", func() error { return e.svc.RemoveClient(ctx, actor, "nope") }, admin.ErrClientNotFound, ""},
		{"remove: from config", func() error { return e.svc.RemoveClient(ctx, actor, "cfg") }, admin.ErrClientFromConfig, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.events())
			err := tc.run()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var ie *admin.InputError
			if tc.want == admin.ErrInvalidInput && (!errors.As(err, &ie) || ie.Field != tc.field) {
				t.Errorf("input error %v, want field %q", err, tc.field)
			}
			if len(e.events()) != before {
				t.Error("a refused action wrote an audit event")
			}
		})
	}
}

// failingAudit is a store whose audit log cannot be written.
type failingAudit struct{ admin.Store }

func (failingAudit) Audit(context.Context, *store.AuditEvent) error {
	return errors.New("audit log unavailable")
}

// TestUnauditedChangeFails: when the event cannot be written, the action
// fails with ErrNotAudited, so no front end reports it as done.
func TestUnauditedChangeFails(t *testing.T) {
	st := openSQLite(t)
	good := newEnv(t, st, nil)
	good.addUser("rita", "")
	if _, err := good.svc.AddClient(good.ctx(), actor, admin.NewClient{ID: "app", Public: true,
		RedirectURIs: []string{"https://app.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, st, func(s admin.Store) admin.Store { return failingAudit{s} })
	ctx := e.ctx()
	for name, run := range map[string]func() error{
		"add user": func() error {
			_, err := e.svc.AddUser(ctx, actor, admin.NewUser{Username: "sam", Password: "tulip-mas-granite-3"})
			return err
		},
		"set password": func() error { _, err := e.svc.SetPassword(ctx, actor, "rita", "another-long-password"); return err },
		"disable":      func() error { _, err := e.svc.SetDisabled(ctx, actor, "rita", true); return err },
		"require-mfa":  func() error { _, err := e.svc.RequireMFA(ctx, actor, "rita", true); return err },
		"unlock":       func() error { _, err := e.svc.Unlock(ctx, actor, "rita"); return err },
		"reset": func() error {
			res, err := e.svc.ResetDevice(ctx, actor, "rita", time.Hour)
			if res != nil {
				t.Error("an unaudited reset returned its code")
			}
			return err
		},
		"add client": func() error {
			_, err := e.svc.AddClient(ctx, actor, admin.NewClient{ID: "c", Public: true, RedirectURIs: []string{"https://c.example/cb"}})
			return err
		},
		"add a redirect URI": func() error {
			_, err := e.svc.UpdateClient(ctx, actor, "app", admin.ClientChange{AddRedirectURIs: []string{"https://app.example/two"}})
			return err
		},
		"record": func() error { return e.svc.Record(ctx, actor, store.AuditEvent{Event: store.EventAdminKeys}) },
	} {
		if err := run(); !errors.Is(err, admin.ErrNotAudited) {
			t.Errorf("%s with the audit log down: %v, want ErrNotAudited", name, err)
		}
	}
}

package ldap_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/slapd"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/connector/ldap"
)

// directory is a connector to srv over transport ("ldaps", "starttls" or
// "plain"), as the README's example configures it.
func directory(t *testing.T, srv *slapd.Server, transport string, edit ...func(*ldap.Config)) *ldap.Connector {
	t.Helper()
	cfg := ldap.Config{ID: "corp-ldap", Name: "Corporate directory", Address: srv.LDAPSHost, RootCAs: srv.CAPool,
		BindDN: slapd.ServiceDN, BindPassword: slapd.ServicePassword, Timeout: 5 * time.Second,
		UserSearch: ldap.UserSearch{BaseDN: slapd.PeopleDN,
			Filter: "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))", Username: "uid", IDAttr: "entryUUID"},
		GroupSearch: ldap.GroupSearch{BaseDN: slapd.GroupsDN, Filter: "(objectClass=groupOfNames)"}}
	switch transport {
	case "starttls":
		cfg.Address, cfg.StartTLS = srv.Host, true
	case "plain":
		cfg.Address, cfg.InsecureNoSSL = srv.Host, true
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := ldap.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoginOverEachTransport(t *testing.T) {
	srv := slapd.Start(t)
	want := srv.EntryUUID(t, slapd.UserDN("alice"))
	for _, transport := range []string{"ldaps", "starttls", "plain"} {
		t.Run(transport, func(t *testing.T) {
			id, err := directory(t, srv, transport).Login(context.Background(), "alice", slapd.AlicePassword)
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != want || id.Username != "alice" || id.Email != "alice@example.org" || id.Name != "Alice Example" {
				t.Fatalf("identity %+v, want subject %s", id, want)
			}
			if !slices.Equal(slices.Sorted(slices.Values(id.Groups)), []string{"admins", "staff"}) {
				t.Fatalf("groups %v, want admins and staff", id.Groups)
			}
		})
	}
}

// TestLoginRefusals: who the directory refuses, and why.
func TestLoginRefusals(t *testing.T) {
	srv := slapd.Start(t)
	dir := directory(t, srv, "ldaps")
	ctx := context.Background()
	// The unchanged request every case alters is accepted.
	if _, err := dir.Login(ctx, "bob", slapd.BobPassword); err != nil {
		t.Fatalf("bob: %v", err)
	}
	for _, tc := range []struct {
		name, user, password string
		want                 error
		policy               connector.PolicyReason
		passwordRight        bool
	}{
		{"wrong password", "bob", "not-" + slapd.BobPassword, connector.ErrInvalidCredentials, "", false},
		{"empty password (an anonymous bind would succeed)", "bob", "", connector.ErrInvalidCredentials, "", false},
		{"unknown user", "nobody", "whatever-1", connector.ErrInvalidCredentials, "", false},
		{"disabled by the filter (her bind would succeed)", "dana", slapd.DanaPassword, connector.ErrInvalidCredentials, "", false},
		{"wildcard username", "*", slapd.BobPassword, connector.ErrInvalidCredentials, "", false},
		{"prefix wildcard", "b*", slapd.BobPassword, connector.ErrInvalidCredentials, "", false},
		{"filter injection", "bob)(uid=*", slapd.BobPassword, connector.ErrInvalidCredentials, "", false},
		{"metacharacters are a prefix of a name", "o*", slapd.OddPassword, connector.ErrInvalidCredentials, "", false},
		{"must change after a reset", "erin", slapd.ErinPassword, nil, connector.MustChange, true},
		{"locked", "frank", slapd.FrankPassword, nil, connector.AccountLocked, false},
		{"expired", "gina", slapd.GinaPassword, nil, connector.PasswordExpired, true},
		{"expired, wrong password", "gina", "not-" + slapd.GinaPassword, connector.ErrInvalidCredentials, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dir.Login(ctx, tc.user, tc.password)
			var pe *connector.PolicyError
			switch {
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			case tc.policy != "" && (!errors.As(err, &pe) || pe.Reason != tc.policy || pe.PasswordRight != tc.passwordRight):
				t.Fatalf("err = %#v, want policy %s (password right %v)", err, tc.policy, tc.passwordRight)
			}
		})
	}
}

// TestLoginNamesThatNeedEscaping: a uid full of filter metacharacters and
// a Japanese name sign in as themselves.
func TestLoginNamesThatNeedEscaping(t *testing.T) {
	srv := slapd.Start(t)
	dir := directory(t, srv, "ldaps")
	id, err := dir.Login(context.Background(), slapd.OddUID, slapd.OddPassword)
	if err != nil || id.Username != slapd.OddUID || !slices.Contains(id.Groups, "odd") {
		t.Fatalf("%q: %+v, %v", slapd.OddUID, id, err)
	}
	id, err = dir.Login(context.Background(), "hanako", slapd.HanakoPassword)
	if err != nil || id.Name != slapd.HanakoCN {
		t.Fatalf("hanako: %+v, %v", id, err)
	}
}

// TestDirectoryUnavailable: a directory that cannot be reached, or that
// refuses the service account, decides nothing about the person.
func TestDirectoryUnavailable(t *testing.T) {
	srv := slapd.Start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		edit func(*ldap.Config)
	}{
		{"wrong service password", func(c *ldap.Config) { c.BindPassword = "wrong" }},
		{"untrusted certificate", func(c *ldap.Config) { c.RootCAs = nil }},
		{"nobody listening", func(c *ldap.Config) { c.Address = "127.0.0.1:1" }},
		{"LDAPS spoken to the plain port", func(c *ldap.Config) { c.Address = srv.Host }},
		{"no such base", func(c *ldap.Config) { c.UserSearch.BaseDN = "ou=nowhere,dc=example,dc=org" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := directory(t, srv, "ldaps", tc.edit)
			if _, err := dir.Login(ctx, "alice", slapd.AlicePassword); !errors.Is(err, connector.ErrUnavailable) {
				t.Fatalf("Login: %v, want ErrUnavailable", err)
			}
			if err := dir.Check(ctx); !errors.Is(err, connector.ErrUnavailable) {
				t.Fatalf("Check: %v, want ErrUnavailable", err)
			}
		})
	}
	if err := directory(t, srv, "starttls").Check(ctx); err != nil {
		t.Fatalf("Check of a working directory: %v", err)
	}
}

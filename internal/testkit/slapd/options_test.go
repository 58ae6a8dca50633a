package slapd_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/otpgate/otpgate/internal/testkit/slapd"
)

func TestTwoServersAtOnce(t *testing.T) {
	t.Parallel()
	a, b := start(t), start(t)
	if a.LDAPURL == b.LDAPURL || a.LDAPSURL == b.LDAPSURL || string(a.CAPEM) == string(b.CAPEM) {
		t.Fatal("two servers share a port or a CA")
	}
	if _, err := ldap.DialURL(b.LDAPSURL, ldap.DialWithTLSConfig(a.TLSConfig())); err == nil {
		t.Fatal("one server's CA verified the other's certificate")
	}
	if err := a.Admin(t).Del(ldap.NewDelRequest(slapd.UserDN("bob"), nil)); err != nil {
		t.Fatalf("delete bob from the first server: %v", err)
	}
	if a.EntryUUID(t, slapd.UserDN("alice")) == b.EntryUUID(t, slapd.UserDN("alice")) {
		t.Fatal("alice has one entryUUID on both servers: slapadd generates them")
	}

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		s, wantBob := a, false
		if i%2 == 1 {
			s, wantBob = b, true
		}
		wg.Go(func() {
			c, err := ldap.DialURL(s.LDAPSURL, ldap.DialWithTLSConfig(s.TLSConfig()))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			err = c.Bind(slapd.UserDN("bob"), slapd.BobPassword)
			if gotBob := err == nil; gotBob != wantBob {
				errs <- fmt.Errorf("bind bob on %s: %v", s.LDAPSURL, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWithLDIF(t *testing.T) {
	t.Parallel()
	const uuid = "0b1d0a5e-0000-4000-8000-000000000001"
	s := start(t, slapd.WithLDIF(`dn: uid=kim,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: kim
cn: Kim Example
sn: Example
userPassword: kim-secret-1
entryUUID: `+uuid+`
pwdReset: TRUE
`))
	if got := s.EntryUUID(t, slapd.UserDN("kim")); got != uuid {
		t.Fatalf("kim's entryUUID = %q, want the fixed %q", got, uuid)
	}
	if ctl, err := bind(t, dial(t, s.LDAPSURL, s.TLSConfig()), "kim", "kim-secret-1"); err != nil || ctl == nil || ctl.Error != ldap.BeheraChangeAfterReset {
		t.Fatalf("bind kim: %v, %v; want changeAfterReset", ctl, err)
	}
	if err := dial(t, s.LDAPSURL, s.TLSConfig()).Bind(slapd.UserDN("alice"), slapd.AlicePassword); err != nil {
		t.Fatalf("the default fixture is gone: %v", err)
	}
}

func TestWithFixture(t *testing.T) {
	t.Parallel()
	fixture := `dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=policies,dc=example,dc=org
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=example,dc=org
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=lee,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: lee
cn: Lee Example
sn: Example
userPassword: lee-secret-1
`
	s := start(t, slapd.WithFixture(fixture))
	c := dial(t, s.LDAPSURL, s.TLSConfig())
	if err := c.Bind(slapd.UserDN("lee"), "lee-secret-1"); err != nil {
		t.Fatalf("bind lee: %v", err)
	}
	if got := search(t, c, slapd.Suffix, "(objectClass=inetOrgPerson)", "uid"); len(got) != 1 || got[0].DN != slapd.UserDN("lee") {
		t.Fatalf("people = %v, want lee alone", got)
	}
	if !strings.Contains(slapd.DefaultFixture(), "uid: alice") {
		t.Fatal("DefaultFixture lacks alice")
	}
}

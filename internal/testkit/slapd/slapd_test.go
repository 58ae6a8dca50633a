package slapd_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/otpgate/otpgate/internal/testkit/slapd"
)

// start is slapd.Start, logging how long it took.
func start(t *testing.T, opts ...slapd.Option) *slapd.Server {
	t.Helper()
	t0 := time.Now()
	s := slapd.Start(t, opts...)
	t.Logf("slapd ready on %s and %s in %s", s.LDAPURL, s.LDAPSURL, time.Since(t0).Round(time.Millisecond))
	return s
}

// dial connects to url with cfg, closed when t ends.
func dial(t *testing.T, url string, cfg *tls.Config) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(url, ldap.DialWithTLSConfig(cfg))
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetTimeout(5 * time.Second)
	t.Cleanup(func() { c.Close() })
	return c
}

// bind binds c as the person uid with the password policy control, and
// returns the control slapd sent (nil if none) and the bind's error.
func bind(t *testing.T, c *ldap.Conn, uid, password string) (*ldap.ControlBeheraPasswordPolicy, error) {
	t.Helper()
	res, err := c.SimpleBind(&ldap.SimpleBindRequest{
		Username: slapd.UserDN(uid),
		Password: password,
		Controls: []ldap.Control{ldap.NewControlBeheraPasswordPolicy()},
	})
	if res == nil {
		t.Fatalf("bind %s: no response: %v", uid, err)
	}
	ctl, _ := ldap.FindControl(res.Controls, ldap.ControlTypeBeheraPasswordPolicy).(*ldap.ControlBeheraPasswordPolicy)
	return ctl, err
}

func TestLDAPSTrustsTheCAAlone(t *testing.T) {
	t.Parallel()
	s := start(t)
	for _, hp := range []struct{ host, url, scheme string }{{s.Host, s.LDAPURL, "ldap://"}, {s.LDAPSHost, s.LDAPSURL, "ldaps://"}} {
		if !strings.HasPrefix(hp.host, "127.0.0.1:") || hp.url != hp.scheme+hp.host {
			t.Fatalf("host %q, URL %q: want %s127.0.0.1:port", hp.host, hp.url, hp.scheme)
		}
	}
	if pem, err := os.ReadFile(s.CAFile); err != nil || string(pem) != string(s.CAPEM) {
		t.Fatalf("CAFile holds %q (%v), want CAPEM", pem, err)
	}
	fromFile := x509.NewCertPool()
	if !fromFile.AppendCertsFromPEM(s.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	for _, name := range []string{"", "127.0.0.1", "localhost"} {
		c := dial(t, s.LDAPSURL, &tls.Config{RootCAs: fromFile, ServerName: name})
		if err := c.Bind(slapd.UserDN("alice"), slapd.AlicePassword); err != nil {
			t.Fatalf("bind over LDAPS (server name %q): %v", name, err)
		}
	}
	if _, err := ldap.DialURL(s.LDAPSURL, ldap.DialWithTLSConfig(&tls.Config{RootCAs: x509.NewCertPool()})); err == nil {
		t.Fatal("LDAPS handshake succeeded without the test CA")
	} else if !errors.As(err, new(x509.UnknownAuthorityError)) {
		t.Fatalf("LDAPS without the test CA: %v, want an unknown authority", err)
	}
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := dial(t, s.LDAPURL, nil)
	if err := c.StartTLS(s.TLSConfig()); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
		t.Fatal("no TLS after StartTLS")
	}
	if err := c.Bind(slapd.UserDN("bob"), slapd.BobPassword); err != nil {
		t.Fatalf("bind after StartTLS: %v", err)
	}
}

func TestWrongPasswordIsResult49(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := dial(t, s.LDAPSURL, s.TLSConfig())
	for _, dn := range []string{slapd.UserDN("alice"), slapd.UserDN("nobody"), slapd.AdminDN} {
		err := c.Bind(dn, "not-the-password")
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Fatalf("bind %s with a wrong password: %v, want result 49", dn, err)
		}
	}
}

// search runs filter under base on c and returns the entries' DNs.
func search(t *testing.T, c *ldap.Conn, base, filter string, attrs ...string) []*ldap.Entry {
	t.Helper()
	res, err := c.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 5, false, filter, attrs, nil))
	if err != nil {
		t.Fatalf("search %s under %s: %v", filter, base, err)
	}
	return res.Entries
}

func TestSearch(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := dial(t, s.LDAPSURL, s.TLSConfig())
	if _, err := c.Search(ldap.NewSearchRequest(slapd.Suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 5, false, "(uid=alice)", nil, nil)); !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Fatalf("an anonymous search: %v, want result 32 (the ACLs hide the tree)", err)
	}
	if err := c.Bind(slapd.ServiceDN, slapd.ServicePassword); err != nil {
		t.Fatalf("bind as the service account: %v", err)
	}

	alice := search(t, c, slapd.PeopleDN, "(uid=alice)", "cn", "mail", "entryUUID", "userPassword")
	if len(alice) != 1 || alice[0].DN != slapd.UserDN("alice") {
		t.Fatalf("(uid=alice) found %v", alice)
	}
	a := alice[0]
	uuid := a.GetAttributeValue("entryUUID")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(uuid) {
		t.Fatalf("alice's entryUUID = %q", uuid)
	}
	if got := s.EntryUUID(t, slapd.UserDN("alice")); got != uuid {
		t.Fatalf("EntryUUID = %q, the search says %q", got, uuid)
	}
	if a.GetAttributeValue("cn") != "Alice Example" || a.GetAttributeValue("mail") != "alice@example.org" || a.GetAttributeValue("userPassword") != "" {
		t.Fatalf("alice = cn %q, mail %q, userPassword %q: want her name and mail, and no password",
			a.GetAttributeValue("cn"), a.GetAttributeValue("mail"), a.GetAttributeValue("userPassword"))
	}

	if got := search(t, c, slapd.PeopleDN, "(cn="+ldap.EscapeFilter(slapd.HanakoCN)+")", "cn"); len(got) != 1 ||
		got[0].DN != slapd.UserDN("hanako") || got[0].GetAttributeValue("cn") != slapd.HanakoCN {
		t.Fatalf("cn=%s found %v", slapd.HanakoCN, got)
	}

	odd := slapd.UserDN(slapd.OddUID)
	if got := search(t, c, slapd.PeopleDN, "(uid="+ldap.EscapeFilter(slapd.OddUID)+")"); len(got) != 1 || got[0].DN != odd {
		t.Fatalf("the escaped filter found %v, want %s", got, odd)
	}
	if got := search(t, c, slapd.PeopleDN, "(uid=o*)"); len(got) != 1 || got[0].DN != odd {
		t.Fatalf("(uid=o*) found %v, want %s: the fixture no longer shows why escaping matters", got, odd)
	}
	if _, err := c.Search(ldap.NewSearchRequest(slapd.PeopleDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 5, false, "(uid="+slapd.OddUID+")", nil, nil)); err == nil {
		t.Fatal("the unescaped filter was accepted")
	}
	if err := dial(t, s.LDAPSURL, s.TLSConfig()).Bind(odd, slapd.OddPassword); err != nil {
		t.Fatalf("bind as %s: %v", odd, err)
	}

	groups := map[string][]string{}
	for _, uid := range []string{"alice", "bob", slapd.OddUID, "hanako", "dana"} {
		for _, g := range search(t, c, slapd.GroupsDN, "(member="+ldap.EscapeFilter(slapd.UserDN(uid))+")", "cn") {
			groups[uid] = append(groups[uid], g.GetAttributeValue("cn"))
		}
	}
	want := map[string][]string{"alice": {"admins", "staff"}, "bob": {"staff"}, slapd.OddUID: {"odd"}, "hanako": {"odd"}}
	if len(groups) != len(want) {
		t.Fatalf("groups = %v, want %v", groups, want)
	}
	for uid, gs := range want {
		if strings.Join(groups[uid], ",") != strings.Join(gs, ",") {
			t.Fatalf("groups = %v, want %v", groups, want)
		}
	}

	dana := search(t, c, slapd.PeopleDN, "(uid=dana)", "employeeType")
	if len(dana) != 1 || dana[0].GetAttributeValue("employeeType") != "disabled" {
		t.Fatalf("dana = %v, want employeeType disabled", dana)
	}
}

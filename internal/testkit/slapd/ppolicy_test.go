package slapd_test

import (
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/otpgate/otpgate/internal/testkit/slapd"
)

// policy is what a bind with the password policy control answered: the
// LDAP result code, and the control's fields as go-ldap decodes them (-1
// for absent), or error noControl when the answer had no control.
type policy struct {
	code                 uint16
	expire, grace, error int64
}

// noControl is policy.error when the answer had no control.
const noControl = -100

// answer is what a bind answered, as a policy.
func answer(t *testing.T, s *slapd.Server, uid, password string) policy {
	t.Helper()
	ctl, err := bind(t, dial(t, s.LDAPSURL, s.TLSConfig()), uid, password)
	var p policy
	if err != nil {
		le, ok := err.(*ldap.Error)
		if !ok {
			t.Fatalf("bind %s: %v", uid, err)
		}
		p.code = le.ResultCode
	}
	if ctl == nil {
		return policy{code: p.code, error: noControl}
	}
	p.expire, p.grace, p.error = ctl.Expire, ctl.Grace, int64(ctl.Error)
	return p
}

// The package documentation states these answers; a change of slapd that
// changes one must change both.
func TestPasswordPolicyAnswers(t *testing.T) {
	t.Parallel()
	s := start(t)
	const ok, invalid = ldap.LDAPResultSuccess, ldap.LDAPResultInvalidCredentials
	none := policy{expire: -1, grace: -1, error: -1}
	with := func(code uint16, error int64) policy { return policy{code: code, expire: -1, grace: -1, error: error} }
	for _, c := range []struct {
		name, uid, password string
		want                policy
	}{
		{"a good bind has an empty control", "alice", slapd.AlicePassword, none},
		{"a disabled mark is no policy's business", "dana", slapd.DanaPassword, none},
		{"a wrong password has an empty control", "alice", "wrong", with(invalid, -1)},
		{"an unknown user has no control", "nobody", "wrong", policy{code: invalid, error: noControl}},
		{"a reset password binds and must be changed", "erin", slapd.ErinPassword, with(ok, ldap.BeheraChangeAfterReset)},
		{"a reset password that is wrong says nothing of the reset", "erin", "wrong", with(invalid, -1)},
		{"a locked account fails as locked", "frank", slapd.FrankPassword, with(invalid, ldap.BeheraAccountLocked)},
		{"a locked account is locked whatever the password", "frank", "wrong", with(invalid, ldap.BeheraAccountLocked)},
		{"an expired password without grace fails as expired", "gina", slapd.GinaPassword, with(invalid, ldap.BeheraPasswordExpired)},
		{"an expired password that is wrong says nothing of expiry", "gina", "wrong", with(invalid, -1)},
		{"an expired password with grace binds and counts down", "gus", slapd.GusPassword, policy{code: ok, expire: -1, grace: 1, error: -1}},
		{"the last grace bind", "gus", slapd.GusPassword, policy{code: ok, expire: -1, grace: 0, error: -1}},
		{"grace spent, the password is expired", "gus", slapd.GusPassword, with(invalid, ldap.BeheraPasswordExpired)},
	} {
		if got := answer(t, s, c.uid, c.password); got != c.want {
			t.Errorf("%s (%s): got %+v, want %+v", c.name, c.uid, got, c.want)
		}
	}

	// ivy's password expires in 2068: the warning counts the seconds left.
	got := answer(t, s, "ivy", slapd.IvyPassword)
	if got.code != ok || got.grace != -1 || got.error != -1 || got.expire < 1_000_000_000 || got.expire > 1<<31 {
		t.Errorf("ivy: got %+v, want success with about 1.3e9 seconds before expiration", got)
	}
}

func TestLockoutAfterThreeFailures(t *testing.T) {
	t.Parallel()
	s := start(t)
	for i := 1; i <= 3; i++ {
		if got, want := answer(t, s, "bob", "wrong"), (policy{code: ldap.LDAPResultInvalidCredentials, expire: -1, grace: -1, error: -1}); got != want {
			t.Fatalf("wrong password %d: got %+v, want %+v", i, got, want)
		}
	}
	locked := policy{code: ldap.LDAPResultInvalidCredentials, expire: -1, grace: -1, error: ldap.BeheraAccountLocked}
	if got := answer(t, s, "bob", slapd.BobPassword); got != locked {
		t.Fatalf("right password after three wrong: got %+v, want %+v", got, locked)
	}
	// An administrator unlocks bob by deleting the lock; slapd deletes the
	// failures with it.
	m := ldap.NewModifyRequest(slapd.UserDN("bob"), nil)
	m.Delete("pwdAccountLockedTime", nil)
	if err := s.Admin(t).Modify(m); err != nil {
		t.Fatalf("unlock bob: %v", err)
	}
	if got, want := answer(t, s, "bob", slapd.BobPassword), (policy{expire: -1, grace: -1, error: -1}); got != want {
		t.Fatalf("bob unlocked: got %+v, want %+v", got, want)
	}
	for i := 1; i <= 2; i++ {
		answer(t, s, "bob", "wrong")
	}
	if got, want := answer(t, s, "bob", slapd.BobPassword), (policy{expire: -1, grace: -1, error: -1}); got != want {
		t.Fatalf("bob after two more failures: got %+v, want %+v (the unlock kept old failures)", got, want)
	}
}

func TestResetPasswordRestrictsTheSession(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := dial(t, s.LDAPSURL, s.TLSConfig())
	if ctl, err := bind(t, c, "erin", slapd.ErinPassword); err != nil || ctl == nil || ctl.Error != ldap.BeheraChangeAfterReset {
		t.Fatalf("bind erin: %v, %v", ctl, err)
	}
	alice := ldap.NewSearchRequest(slapd.PeopleDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 5, false, "(uid=alice)", nil, nil)
	if _, err := c.Search(alice); !ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights) {
		t.Fatalf("erin's search before the change: %v, want result 50", err)
	}
	if who, err := c.WhoAmI(nil); err != nil || who.AuthzID != "dn:"+slapd.UserDN("erin") {
		t.Fatalf("who am I, erin before the change: %+v, %v", who, err)
	}
	if _, err := c.PasswordModify(ldap.NewPasswordModifyRequest("", slapd.ErinPassword, "erin-secret-2")); err != nil {
		t.Fatalf("erin changes her password: %v", err)
	}
	if _, err := c.Search(alice); err != nil {
		t.Fatalf("erin's search after the change: %v", err)
	}
	if got, want := answer(t, s, "erin", "erin-secret-2"), (policy{expire: -1, grace: -1, error: -1}); got != want {
		t.Fatalf("erin's new password: got %+v, want %+v", got, want)
	}
}

func TestExpiredPasswordLeavesTheConnectionBound(t *testing.T) {
	t.Parallel()
	s := start(t)
	// Without a bind, RFC 3062 refuses to change anyone's password.
	if _, err := dial(t, s.LDAPSURL, s.TLSConfig()).PasswordModify(ldap.NewPasswordModifyRequest(
		slapd.UserDN("gina"), slapd.GinaPassword, "gina-secret-2")); !ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired) {
		t.Fatalf("anonymous password change: %v, want result 8", err)
	}
	c := dial(t, s.LDAPSURL, s.TLSConfig())
	if ctl, err := bind(t, c, "gina", slapd.GinaPassword); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) ||
		ctl == nil || ctl.Error != ldap.BeheraPasswordExpired {
		t.Fatalf("bind gina: %v, %v; want result 49 and passwordExpired", ctl, err)
	}
	// The bind failed, yet slapd 2.5 left the connection bound as gina,
	// with her rights.
	if who, err := c.WhoAmI(nil); err != nil || who.AuthzID != "dn:"+slapd.UserDN("gina") {
		t.Fatalf("who am I after gina's failed bind: %+v, %v", who, err)
	}
	if got := search(t, c, slapd.PeopleDN, "(uid=alice)"); len(got) != 1 {
		t.Fatalf("gina's search after her failed bind found %d entries", len(got))
	}
	if _, err := c.PasswordModify(ldap.NewPasswordModifyRequest("", slapd.GinaPassword, "gina-secret-2")); err != nil {
		t.Fatalf("gina changes her expired password: %v", err)
	}
	if got, want := answer(t, s, "gina", "gina-secret-2"), (policy{expire: -1, grace: -1, error: -1}); got != want {
		t.Fatalf("gina's new password: got %+v, want %+v", got, want)
	}
}

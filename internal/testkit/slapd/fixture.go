package slapd

import (
	_ "embed"

	"github.com/go-ldap/ldap/v3"
)

// The directory's names. Suffix is the one database; the administrator
// is its rootdn, outside the tree and above every ACL and password policy.
const (
	Suffix          = "dc=example,dc=org"
	AdminDN         = "cn=admin,dc=example,dc=org"
	AdminPassword   = "admin-secret-1"
	PeopleDN        = "ou=people,dc=example,dc=org"
	GroupsDN        = "ou=groups,dc=example,dc=org"
	DefaultPolicyDN = "cn=default,ou=policies,dc=example,dc=org"
)

// ServiceDN is the account a connector binds as to search for users: it
// reads every entry but no password.
const (
	ServiceDN       = "cn=otpgate,ou=services,dc=example,dc=org"
	ServicePassword = "service-secret-1"
)

// The default fixture's people (uid=<name>,ou=people) and their passwords.
// Under the default policy (DefaultPolicyDN) three wrong passwords in a
// row lock anyone until an administrator unlocks them, so a test that
// counts failures must start its own server.
const (
	// AlicePassword is alice's: Alice Example, alice@example.org, in the
	// groups admins and staff.
	AlicePassword = "alice-secret-1"
	// BobPassword is bob's: in staff only.
	BobPassword = "bob-secret-1"
	// DanaPassword is dana's, who binds like anyone but carries
	// employeeType: disabled, the directory's mark of a disabled account.
	DanaPassword = "dana-secret-1"
	// ErinPassword is erin's, reset by an administrator (pwdReset: TRUE):
	// she must change it.
	ErinPassword = "erin-secret-1"
	// FrankPassword is frank's, whom an administrator locked
	// (pwdAccountLockedTime: 000001010000Z).
	FrankPassword = "frank-secret-1"
	// GinaPassword is gina's, expired since 2000 under a policy with no
	// grace binds.
	GinaPassword = "gina-secret-1"
	// GusPassword is gus's, expired since 2000 under a policy of two
	// grace binds.
	GusPassword = "gus-secret-1"
	// IvyPassword is ivy's, valid until 2068 and warned about on every
	// bind.
	IvyPassword = "ivy-secret-1"
	// HanakoPassword is hanako's, whose cn is HanakoCN.
	HanakoPassword = "hanako-secret-1"
	// OddPassword is the password of the user whose uid is OddUID.
	OddPassword = "odd-secret-1"
)

const (
	// HanakoCN is hanako's cn, which is not ASCII.
	HanakoCN = "山田 花子"
	// OddUID is a uid made of search filter metacharacters: unescaped,
	// (uid=o*(x)) is not a filter, and (uid=o*) matches the entry.
	OddUID = "o*(x)"
)

// fixture is testdata/fixture.ldif.
//
//go:embed testdata/fixture.ldif
var fixture string

// DefaultFixture is the LDIF every server is loaded with unless
// WithFixture replaces it: the suffix, the password policies, the service
// account, the people above, and the groups admins (alice), staff (alice,
// bob) and odd (the OddUID user, hanako).
func DefaultFixture() string { return fixture }

// UserDN is the DN of the person whose uid is uid, escaped as a DN.
func UserDN(uid string) string {
	return "uid=" + ldap.EscapeDN(uid) + "," + PeopleDN
}

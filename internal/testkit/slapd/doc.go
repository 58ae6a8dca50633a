// Package slapd runs a real OpenLDAP server (Debian's slapd 2.5) for the
// tests of otpgate's LDAP and Active Directory connector, so that binds,
// searches, TLS and password policy answers come from the server
// deployments use, not from a fake that agrees with the connector.
//
// Start gives each test its own slapd: a slapd.conf, an mdb database and
// a test CA in the test's temporary directory, ports picked free on
// 127.0.0.1 (plain LDAP with StartTLS, and LDAPS), and the LDIF fixture
// loaded with slapadd before slapd starts, so that operational attributes
// (entryUUID, pwdReset, pwdChangedTime) are as slapd makes them or as the
// fixture pins them. Start returns once an administrator's bind over
// LDAPS succeeds, in about 0.1–0.3 s; slapd is killed when the test ends
// and its log (-d stats: connections, binds, results) shown if the test
// failed. Nothing is shared with a system-wide slapd the package may have
// started: no ldapi socket, no file outside the temporary directory but
// the schemas and modules it reads.
//
// Where slapd is missing (see Available), Start skips the test, unless
// OTPGATE_TEST_REQUIRE_SLAPD=1 (read when the package is initialised,
// before a TestMain clears OTPGATE_*), as CI sets it: there, a check that
// cannot run fails.
//
// # Password policy
//
// The ppolicy overlay runs with ppolicy_use_lockout and the default
// policy DefaultPolicyDN (pwdMustChange, pwdLockout, pwdMaxFailure 3, a
// lock lasting until an administrator deletes pwdAccountLockedTime); a
// few people name a policy of their own (pwdPolicySubentry). A bind that
// carries the Behera password policy request control
// (ldap.NewControlBeheraPasswordPolicy) gets, from slapd 2.5.13, as
// go-ldap v3.4.14 decodes it (result code; the control's Expire, Grace,
// Error, -1 meaning absent):
//
//	alice, right password                 0; -1, -1, -1 (a control, empty)
//	alice, wrong password                49; -1, -1, -1
//	unknown DN                           49; no control at all
//	erin (pwdReset), right password       0; -1, -1, 2 BeheraChangeAfterReset
//	erin, wrong password                 49; -1, -1, -1
//	frank (locked), right or wrong       49; -1, -1, 1 BeheraAccountLocked
//	bob, after three wrong passwords     49; -1, -1, 1 (the third is still -1)
//	gina (expired, no grace), right      49; -1, -1, 0 BeheraPasswordExpired
//	gina, wrong password                 49; -1, -1, -1
//	gus (expired, 2 grace), right         0; -1, 1, -1; then 0; -1, 0, -1;
//	                                     then 49; -1, -1, 0
//	ivy (expires 2068), right             0; seconds left (~1.3e9), -1, -1
//
// What follows the bind:
//   - erin's connection is restricted until she changes her password
//     (Password Modify, RFC 3062, on that connection): anything else but
//     bind, unbind, abandon, StartTLS and Who am I? fails with result 50,
//     insufficientAccessRights. Her new password binds without warning.
//   - gina's bind fails with 49, yet slapd leaves the connection bound as
//     her, with her rights: Who am I? answers her DN, searches run, and a
//     Password Modify there changes her password (an anonymous one fails
//     with 8, strongAuthRequired). A connector must take result 49 as the
//     answer and never reuse the connection.
//   - with ppolicy_use_lockout, accountLocked answers any password, right
//     or wrong: it tells a guesser that the account exists and is locked,
//     which a connector must not pass on before the password is known.
//   - an administrator unlocks by deleting pwdAccountLockedTime; slapd
//     drops pwdFailureTime with it. pwdFailureTime itself cannot be
//     modified, not even by the rootdn.
//
// The fixture's failure counting is per server: three wrong passwords for
// a person lock them for the rest of the test.
//
// # Access
//
// Anonymous clients may bind and read the root DSE and the schema: a
// search of the tree answers 32, noSuchObject. A bound user (ServiceDN
// for a connector's searches) reads every entry but userPassword and may
// change their own password. AdminDN is the rootdn, above ACLs and
// policies.
package slapd

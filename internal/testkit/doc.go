// Package testkit is the one home of otpgate's test machinery, so that the
// provider's end-to-end tests, the command's multi-process tests and the
// load driver share a single implementation of each part:
//
//   - clock: a frozen, concurrency-safe clock that moves only when the test
//     says so, so a 30-second TOTP boundary never falls inside a test by
//     accident;
//   - browser: the HTML browser that fills and submits the real sign-in
//     forms (cookies, CSRF and other hidden fields, redirects up to the
//     relying party) and reads the stable page contract (data-step,
//     role="alert", the setup key, recovery codes);
//   - fixtures: accounts, clients, enrolled devices and passcodes;
//   - fleet: the real otpgate binary built once and run as replicas, on a
//     database of their own or a throwaway PostgreSQL cluster;
//   - dex: Dex built from the Go module proxy and run with a configuration
//     of the test's, for the tests of otpgate as Dex's upstream;
//   - fakeentra: a Microsoft Entra ID authority on the loopback address
//     (tenant discovery and keys over TLS) that mints hints like Entra's,
//     for the tests of otpgate as an external authentication method;
//   - slapd: Debian's OpenLDAP server on the loopback address, private to a
//     test, with TLS from a test CA, the password policy overlay and a
//     fixture of people and groups, for the tests of the LDAP connector.
//
// Production code never imports testkit; tests and tools (cmd/otpgate-load)
// do.
package testkit

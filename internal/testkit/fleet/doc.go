// Package fleet runs the real otpgate binary for multi-process tests: the
// binary built once per test binary, replicas started as subprocesses on
// 127.0.0.1 (killed, signalled and restarted by the test), a database of
// their own on the shared PostgreSQL server or a throwaway PostgreSQL
// cluster the test may restart, and the OAuth calls a relying party makes
// to them.
//
// The long fault tests are opt-in: NeedFaults skips unless
// OTPGATE_TEST_FAULTS=1. Tests that need PostgreSQL call NeedPostgres,
// which skips unless OTPGATE_TEST_POSTGRES_DSN is set. Both variables are
// read when the package is initialised, before a TestMain can clear the
// OTPGATE_* environment.
//
// Requests of a sign-in go to the replica the test names with
// browser.Browser.On: the replicas are 127.0.0.1 on different ports and
// cookies ignore ports, so one jar serves them all.
package fleet

// Package dex builds and runs Dex (github.com/dexidp/dex), the identity
// provider that federates others, for the tests that check otpgate as the
// upstream of Dex's OIDC connector.
//
// Dex is built from the Go module proxy at the pinned Version into the
// test's temporary directory: its own cmd/dex sources, compiled in a
// throwaway module that requires Dex, less the gRPC admin API (see
// withoutAPI). A cold build fetches and compiles a few hundred packages,
// minutes on a clean machine, so the tests are opt-in: Need skips unless
// OTPGATE_TEST_DEX=1 (read when the package is initialised, before a
// TestMain clears the OTPGATE_* environment). Once asked for, a Dex that
// cannot be fetched or built fails the test: the pinned version does not
// change.
//
// Dex listens on 127.0.0.1 only, with in-memory storage, and is killed
// when the test ends.
package dex

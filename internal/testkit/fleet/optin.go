//go:build linux

package fleet

import (
	"os"
	"testing"
)

// postgresDSN and faults are read before any TestMain clears OTPGATE_*.
var (
	postgresDSN = os.Getenv("OTPGATE_TEST_POSTGRES_DSN")
	faults      = os.Getenv("OTPGATE_TEST_FAULTS") == "1"
)

// NeedLong skips a multi-process test in -short mode.
func NeedLong(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("multi-process tests skipped in -short mode")
	}
}

// NeedFaults skips a long fault-injection test unless OTPGATE_TEST_FAULTS=1
// (CI's race and PostgreSQL run sets it).
func NeedFaults(t *testing.T) {
	t.Helper()
	NeedLong(t)
	if !faults {
		t.Skip("fault-injection test (tens of seconds): set OTPGATE_TEST_FAULTS=1 to run it")
	}
}

// NeedPostgres returns the shared server's DSN or skips the test.
func NeedPostgres(t *testing.T) string {
	t.Helper()
	NeedLong(t)
	if postgresDSN == "" {
		t.Skip("set OTPGATE_TEST_POSTGRES_DSN to run the replica tests")
	}
	return postgresDSN
}

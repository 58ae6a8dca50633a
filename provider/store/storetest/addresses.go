package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var addressCases = []testCase{
	{"Addresses/FailuresPerWindow", testAddressFailures},
	{"Concurrency/AddressFailuresExact", testRaceAddressFailures},
}

func testAddressFailures(t *testing.T, s *store.Store, c *clock) {
	key, other := hashOf("198.51.100.7"), hashOf("198.51.100.8")
	count := func(k string) int64 {
		t.Helper()
		n, err := s.AddressFailures(ctx(t), k, time.Minute)
		must(t, err, "AddressFailures")
		return n
	}
	if n := count(key); n != 0 {
		t.Fatalf("a new address has %d failures", n)
	}
	for range 3 {
		must(t, s.RecordAddressFailure(ctx(t), key, time.Minute), "RecordAddressFailure")
		c.Advance(10 * time.Second)
	}
	if n, m := count(key), count(other); n != 3 || m != 0 {
		t.Fatalf("failures %d and %d, want 3 and 0", n, m)
	}
	c.Advance(31 * time.Second) // the window began 61 s ago
	if n := count(key); n != 0 {
		t.Fatalf("a passed window still counts %d", n)
	}
	must(t, s.RecordAddressFailure(ctx(t), key, time.Minute), "RecordAddressFailure in a new window")
	if n := count(key); n != 1 {
		t.Fatalf("a new window starts at %d, want 1", n)
	}
	c.Advance(2 * time.Hour)
	must(t, s.DeleteExpired(ctx(t), time.Hour), "DeleteExpired")
	if n := count(key); n != 0 {
		t.Fatalf("after cleanup: %d", n)
	}
}

func testRaceAddressFailures(t *testing.T, s *store.Store, _ *clock) {
	const n = 20
	key := hashOf("203.0.113.9")
	for i, err := range race(n, func(int) error { return s.RecordAddressFailure(context.Background(), key, time.Minute) }) {
		must(t, err, "RecordAddressFailure "+string(rune('a'+i)))
	}
	got, err := s.AddressFailures(ctx(t), key, time.Minute)
	must(t, err, "AddressFailures")
	if got != n {
		t.Fatalf("%d racing failures counted %d", n, got)
	}
}

package storetest

import (
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

var inputCases = []testCase{
	{"Input/GarbageKeysAreNotFound", testGarbageKeys},
}

// testGarbageKeys: invalid UTF-8, NUL bytes and oversized keys are "not
// found" on every backend, never a database error.
func testGarbageKeys(t *testing.T, s *store.Store, _ *clock) {
	for _, key := range []string{"\xff\xfe", "a\x00b", strings.Repeat("k", 5000)} {
		if _, err := s.UserByID(ctx(t), key); err != store.ErrNotFound {
			t.Errorf("UserByID(%q): %v", key[:2], err)
		}
		if _, err := s.UserByUsername(ctx(t), key); err != store.ErrNotFound {
			t.Errorf("UserByUsername(%q): %v", key[:2], err)
		}
		if _, err := s.ClientByID(ctx(t), key); err != store.ErrNotFound {
			t.Errorf("ClientByID(%q): %v", key[:2], err)
		}
		if _, err := s.FlowByID(ctx(t), key); err != store.ErrNotFound {
			t.Errorf("FlowByID(%q): %v", key[:2], err)
		}
		if err := s.MarkFlow(ctx(t), key, key, store.StepSetup, s.Now()); err != store.ErrStale {
			t.Errorf("MarkFlow(%q): %v", key[:2], err)
		}
		if _, err := s.BindFlow(ctx(t), key, "h"); err != nil {
			t.Errorf("BindFlow(%q): %v", key[:2], err)
		}
		if _, err := s.SessionByID(ctx(t), key); err != store.ErrNotFound {
			t.Errorf("SessionByID(%q): %v", key[:2], err)
		}
		if _, err := s.AccessTokenByID(ctx(t), key); err != store.ErrNotFound {
			t.Errorf("AccessTokenByID(%q): %v", key[:2], err)
		}
		if _, _, err := s.RefreshTokenByHash(ctx(t), key, 0); err != store.ErrNotFound {
			t.Errorf("RefreshTokenByHash(%q): %v", key[:2], err)
		}
	}
}

package credential_test

import (
	"context"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
)

func TestCheckNewPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw      string
		context []string
		want    credential.PasswordProblem
	}{
		{"", nil, credential.PasswordRequired},
		{"short", nil, credential.PasswordTooShort},
		{"ｓｈｏｒｔ", nil, credential.PasswordTooShort},
		{strings.Repeat("x", 1025), nil, credential.PasswordTooLong},
		// Common, breached or patterned.
		{"password1234", nil, credential.PasswordCommon},
		{"passwordpassword", nil, credential.PasswordCommon},
		{"qwertyuiopasdf", nil, credential.PasswordCommon},
		{"123456789012", nil, credential.PasswordCommon},
		{"aaaaaaaaaaaa", nil, credential.PasswordCommon},
		{"1q2w3e4r5t6y", nil, credential.PasswordCommon},
		{"ｐａｓｓｗｏｒｄ１２３４", nil, credential.PasswordCommon},
		// The account's own words, and the product's.
		{"alice-likes-tea-7", []string{"alice", "alice@example.com"}, credential.PasswordContext},
		{"my-ALICE-horse-battery", []string{"alice"}, credential.PasswordContext},
		{"tea-for-wonderland-9", []string{"bob", "wonderland@example.com"}, credential.PasswordContext},
		{"my otpgate login 2026", nil, credential.PasswordContext},
		{"ab-horse-staple-9", []string{"ab"}, ""}, // two letters are no context
		// Accepted: no composition rules.
		{"correct horse battery staple", nil, ""},
		{"kj3h4k5jh34kj5h", nil, ""},
		{"きのうは雨、きょうは公園へ行きます", nil, ""},
		{strings.Repeat("long passphrase ", 8), nil, ""},
	}
	for _, tc := range tests {
		if got := credential.CheckNewPassword(tc.pw, 12, tc.context...); got != tc.want {
			t.Errorf("CheckNewPassword(%q, %q) = %q, want %q", tc.pw, tc.context, got, tc.want)
		}
	}
}

// TestVerifyPasswordNormalises: a password typed in full-width characters
// equals its half-width form, and a hash stored before normalisation (of
// the full-width form as typed) still verifies, marked legacy so that it
// is replaced.
func TestVerifyPasswordNormalises(t *testing.T) {
	t.Parallel()
	h := credential.NewHasher(credential.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	const half, full = "Horse-Battery-9", "Ｈｏｒｓｅ－Ｂａｔｔｅｒｙ－９"
	if credential.NormalizePassword(full) != half {
		t.Fatalf("NFKC(%q) = %q", full, credential.NormalizePassword(full))
	}
	stored := h.Hash(credential.NormalizePassword(full))
	for _, typed := range []string{half, full} {
		ok, legacy, err := h.VerifyPassword(context.Background(), typed, stored)
		if !ok || legacy || err != nil {
			t.Errorf("%q against the normalised hash: ok %v legacy %v err %v", typed, ok, legacy, err)
		}
	}
	old := h.Hash(full) // stored as typed, before normalisation
	if ok, legacy, err := h.VerifyPassword(context.Background(), full, old); !ok || !legacy || err != nil {
		t.Errorf("a pre-normalisation hash: ok %v legacy %v err %v", ok, legacy, err)
	}
	if ok, _, _ := h.VerifyPassword(context.Background(), "Horse-Battery-8", stored); ok {
		t.Error("a wrong password verified")
	}
	if ok, _, _ := h.VerifyPassword(context.Background(), "Ｈｏｒｓｅ－Ｂａｔｔｅｒｙ－８", old); ok {
		t.Error("a wrong full-width password verified against a legacy hash")
	}
}

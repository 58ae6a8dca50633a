package mfa_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/otpgate/otpgate/mfa"
)

// t0 is the frozen "now" of most tests: step 56666666 of 30 s, which runs
// from 1699999980 to 1700000009 inclusive.
var t0 = time.Unix(1_700_000_000, 0)

// testSecret is the RFC 6238 SHA1 seed, reused where any secret will do.
var testSecret = []byte("12345678901234567890")

// code is p.Code that fails the test on error.
func code(t testing.TB, p mfa.TOTP, secret []byte, step int64) string {
	t.Helper()
	c, err := p.Code(secret, step)
	if err != nil {
		t.Fatalf("Code(step %d): %v", step, err)
	}
	return c
}

// TestRFC6238Vectors checks every row of RFC 6238 Appendix B.
func TestRFC6238Vectors(t *testing.T) {
	seeds := map[otp.Algorithm][]byte{
		otp.AlgorithmSHA1:   []byte("12345678901234567890"),
		otp.AlgorithmSHA256: []byte("12345678901234567890123456789012"),
		otp.AlgorithmSHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	tests := []struct {
		unix int64
		alg  otp.Algorithm
		want string
	}{
		{59, otp.AlgorithmSHA1, "94287082"},
		{59, otp.AlgorithmSHA256, "46119246"},
		{59, otp.AlgorithmSHA512, "90693936"},
		{1111111109, otp.AlgorithmSHA1, "07081804"},
		{1111111109, otp.AlgorithmSHA256, "68084774"},
		{1111111109, otp.AlgorithmSHA512, "25091201"},
		{1111111111, otp.AlgorithmSHA1, "14050471"},
		{1111111111, otp.AlgorithmSHA256, "67062674"},
		{1111111111, otp.AlgorithmSHA512, "99943326"},
		{1234567890, otp.AlgorithmSHA1, "89005924"},
		{1234567890, otp.AlgorithmSHA256, "91819424"},
		{1234567890, otp.AlgorithmSHA512, "93441116"},
		{2000000000, otp.AlgorithmSHA1, "69279037"},
		{2000000000, otp.AlgorithmSHA256, "90698825"},
		{2000000000, otp.AlgorithmSHA512, "38618901"},
		{20000000000, otp.AlgorithmSHA1, "65353130"},
		{20000000000, otp.AlgorithmSHA256, "77737706"},
		{20000000000, otp.AlgorithmSHA512, "47863826"},
	}
	if len(tests) != 18 {
		t.Fatalf("RFC 6238 Appendix B has 18 rows, table has %d", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.alg.String()+"/"+time.Unix(tt.unix, 0).UTC().Format(time.RFC3339), func(t *testing.T) {
			p := mfa.TOTP{Period: 30, Digits: otp.DigitsEight, Algorithm: tt.alg}
			now := time.Unix(tt.unix, 0)
			if got := code(t, p, seeds[tt.alg], p.Step(now)); got != tt.want {
				t.Errorf("Code = %s, want %s", got, tt.want)
			}
			// The same vector through Match: the code is accepted for the
			// step it belongs to.
			step, err := p.Match(seeds[tt.alg], tt.want, now, -1<<62)
			if err != nil || step != p.Step(now) {
				t.Errorf("Match = %d, %v, want %d, nil", step, err, p.Step(now))
			}
		})
	}
}

// TestStep pins the step arithmetic at the boundaries.
func TestStep(t *testing.T) {
	p := mfa.Default
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0},
		{29, 0},
		{30, 1},
		{59, 1},
		{1111111109, 37037036},
		{1111111111, 37037037},
		{1699999979, 56666665},
		{1699999980, 56666666},
		{1_700_000_000, 56666666},
		{1700000009, 56666666},
		{1700000010, 56666667},
		{20000000000, 666666666},
	}
	for _, tt := range tests {
		if got := p.Step(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("Step(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

// TestDefaultParameters pins the only settings every listed app honours.
func TestDefaultParameters(t *testing.T) {
	want := mfa.TOTP{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Skew: 1}
	if mfa.Default != want {
		t.Errorf("Default = %+v, want %+v", mfa.Default, want)
	}
	// RFC 4226 Appendix D, counter 1, truncated to six digits.
	if got := code(t, mfa.Default, testSecret, 1); got != "287082" {
		t.Errorf("Default.Code(step 1) = %s, want 287082", got)
	}
}

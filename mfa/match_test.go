package mfa_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/otpgate/otpgate/mfa"
)

// at returns the time of the given Unix second.
func at(unix int64) time.Time { return time.Unix(unix, 0) }

func TestMatch(t *testing.T) {
	p := mfa.Default
	S := p.Step(t0) // 56666666: 1699999980 … 1700000009
	if S != 56666666 {
		t.Fatalf("Step(t0) = %d, want 56666666", S)
	}
	never := S - 100 // a device whose last accepted step is long past

	// Fixture check: the codes of S-3 … S+3 are pairwise different, so that
	// every "wrong step" case below really is a wrong code.
	seen := map[string]int64{}
	for s := S - 3; s <= S+3; s++ {
		c := code(t, p, testSecret, s)
		if prev, dup := seen[c]; dup {
			t.Fatalf("fixture: steps %d and %d share code %s", prev, s, c)
		}
		seen[c] = s
	}

	tests := []struct {
		name     string
		codeStep int64 // the step whose code is typed
		now      time.Time
		lastStep int64
		wantStep int64
		wantErr  error
	}{
		{"current step", S, t0, never, S, nil},
		{"previous step (t-30s)", p.Step(t0.Add(-30 * time.Second)), t0, never, S - 1, nil},
		{"next step (t+30s)", p.Step(t0.Add(30 * time.Second)), t0, never, S + 1, nil},
		{"two steps back (t-60s)", p.Step(t0.Add(-60 * time.Second)), t0, never, 0, mfa.ErrInvalid},
		{"two steps ahead (t+60s)", p.Step(t0.Add(60 * time.Second)), t0, never, 0, mfa.ErrInvalid},
		{"three steps back", S - 3, t0, never, 0, mfa.ErrInvalid},

		// Boundaries: step S is 1699999980 … 1700000009.
		{"own step, first second", S, at(1699999980), never, S, nil},
		{"own step, last second", S, at(1700000009), never, S, nil},
		{"late: last second of next step", S, at(1700000039), never, S, nil},
		{"late: first second two steps on", S, at(1700000040), never, 0, mfa.ErrInvalid},
		{"early: first second of previous step", S, at(1699999950), never, S, nil},
		{"early: last second two steps before", S, at(1699999949), never, 0, mfa.ErrInvalid},
		{"previous code, last second of step", S - 1, at(1700000009), never, S - 1, nil},
		{"previous code, first second of next step", S - 1, at(1700000010), never, 0, mfa.ErrInvalid},

		// Replay refusal: only steps after lastStep are acceptable.
		{"same code again (lastStep = current)", S, t0, S, 0, mfa.ErrReplayed},
		{"previous code after current accepted", S - 1, t0, S, 0, mfa.ErrReplayed},
		{"current code after previous accepted", S, t0, S - 1, S, nil},
		{"previous code again (lastStep = previous)", S - 1, t0, S - 1, 0, mfa.ErrReplayed},
		{"next code after current accepted", S + 1, t0, S, S + 1, nil},
		{"next code again (lastStep = next)", S + 1, t0, S + 1, 0, mfa.ErrReplayed},
		{"current code after next accepted", S, t0, S + 1, 0, mfa.ErrReplayed},
		{"previous code, lastStep two back", S - 1, t0, S - 2, S - 1, nil},
		{"out-of-window code is invalid, not replayed", S - 2, t0, S + 1, 0, mfa.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := code(t, p, testSecret, tt.codeStep)
			step, err := p.Match(testSecret, c, tt.now, tt.lastStep)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Match(code of step %d) error = %v, want %v", tt.codeStep, err, tt.wantErr)
			}
			if err == nil && step != tt.wantStep {
				t.Errorf("Match(code of step %d) step = %d, want %d", tt.codeStep, step, tt.wantStep)
			}
		})
	}
}

func TestMatchRefusesOtherInput(t *testing.T) {
	p := mfa.Default
	S := p.Step(t0)
	good := code(t, p, testSecret, S)
	otherSecret := []byte("abcdefghijabcdefghij")
	tests := []struct {
		name string
		code string
	}{
		{"empty", ""},
		{"prefix", good[:5]},
		{"with extra digit", good + "0"},
		{"with space", good[:3] + " " + good[3:]},
		{"other secret's code", code(t, p, otherSecret, S)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == good {
				t.Fatalf("fixture: %q equals the valid code", tt.code)
			}
			if _, err := p.Match(testSecret, tt.code, t0, S-100); !errors.Is(err, mfa.ErrInvalid) {
				t.Errorf("Match(%q) = %v, want ErrInvalid", tt.code, err)
			}
		})
	}
}

func TestMatchWithoutSkew(t *testing.T) {
	p := mfa.Default
	p.Skew = 0
	S := p.Step(t0)
	for _, tt := range []struct {
		step    int64
		wantErr error
	}{{S, nil}, {S - 1, mfa.ErrInvalid}, {S + 1, mfa.ErrInvalid}} {
		_, err := p.Match(testSecret, code(t, p, testSecret, tt.step), t0, S-100)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Skew 0, code of step %d (current %d): %v, want %v", tt.step, S, err, tt.wantErr)
		}
	}
}

// TestMatchSameCodeAtTwoSteps uses one-digit codes so that two adjacent steps
// sharing a code are easy to find: Match must return the earliest step after
// lastStep, and a code shared with an already used step is still good for the
// later step.
func TestMatchSameCodeAtTwoSteps(t *testing.T) {
	p := mfa.TOTP{Period: 30, Digits: otp.Digits(1), Algorithm: otp.AlgorithmSHA1, Skew: 1}
	start := p.Step(t0)
	s := int64(-1)
	for cand := start; cand < start+10_000; cand++ {
		a, b, c := code(t, p, testSecret, cand), code(t, p, testSecret, cand+1), code(t, p, testSecret, cand+2)
		if a == b && b != c {
			s = cand
			break
		}
	}
	if s < 0 {
		t.Fatal("fixture: no adjacent steps with the same one-digit code")
	}
	shared := code(t, p, testSecret, s)
	now := time.Unix((s+1)*30, 0) // window s … s+2

	tests := []struct {
		name     string
		lastStep int64
		wantStep int64
		wantErr  error
	}{
		{"both unused: earliest", s - 1, s, nil},
		{"first used: the later one", s, s + 1, nil},
		{"both used: replayed", s + 1, 0, mfa.ErrReplayed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, err := p.Match(testSecret, shared, now, tt.lastStep)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Match error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && step != tt.wantStep {
				t.Errorf("Match step = %d, want %d", step, tt.wantStep)
			}
		})
	}
}

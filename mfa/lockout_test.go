package mfa_test

import (
	"math"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
)

func TestLockFor(t *testing.T) {
	std := mfa.Lockout{Threshold: 10, Base: time.Minute, Max: time.Hour}
	tiny := mfa.Lockout{Threshold: 1, Base: time.Nanosecond, Max: math.MaxInt64}
	tests := []struct {
		name  string
		l     mfa.Lockout
		level int
		want  time.Duration
	}{
		{"first lock is Base", std, 0, time.Minute},
		{"second lock doubles", std, 1, 2 * time.Minute},
		{"last lock under the cap", std, 5, 32 * time.Minute},
		{"first doubling past the cap is capped", std, 6, time.Hour},
		{"capped after", std, 7, time.Hour},
		{"no overflow at 63 doublings", std, 63, time.Hour},
		{"no overflow at 64 doublings", std, 64, time.Hour},
		{"no overflow at the largest level", std, math.MaxInt, time.Hour},
		{"negative level counts as 0", std, -1, time.Minute},
		{"most negative level counts as 0", std, math.MinInt, time.Minute},
		{"exactly reaching the cap", mfa.Lockout{Base: time.Minute, Max: 4 * time.Minute}, 2, 4 * time.Minute},
		{"Base above Max is capped", mfa.Lockout{Base: 2 * time.Hour, Max: time.Hour}, 0, time.Hour},
		{"Base equal to Max", mfa.Lockout{Base: time.Hour, Max: time.Hour}, 3, time.Hour},
		{"zero Base locks for nothing", mfa.Lockout{Max: time.Hour}, 5, 0},
		{"negative Base locks for nothing", mfa.Lockout{Base: -time.Minute, Max: time.Hour}, 5, 0},
		{"zero Max locks for nothing", mfa.Lockout{Base: time.Minute}, 0, 0},
		{"negative Max locks for nothing", mfa.Lockout{Base: time.Minute, Max: -time.Hour}, 3, 0},
		{"largest Max: 62 doublings fit", tiny, 62, 1 << 62},
		{"largest Max: 63 doublings are capped", tiny, 63, math.MaxInt64},
		{"largest Max: huge level is capped", tiny, math.MaxInt, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.LockFor(tt.level); got != tt.want {
				t.Errorf("%+v.LockFor(%d) = %v, want %v", tt.l, tt.level, got, tt.want)
			}
		})
	}
}

// TestLockForDoublingWaits pins the default policy's waits: 60 s doubling
// to the one-hour cap.
func TestLockForDoublingWaits(t *testing.T) {
	l := mfa.Lockout{Threshold: 10, Base: time.Minute, Max: time.Hour}
	want := []int64{60, 120, 240, 480, 960, 1920, 3600, 3600}
	for level, w := range want {
		if got := l.LockFor(level); got != time.Duration(w)*time.Second {
			t.Errorf("LockFor(%d) = %v, want %d s", level, got, w)
		}
	}
}

package clock

import (
	"sync"
	"testing"
	"time"
)

func TestFrozenUntilMoved(t *testing.T) {
	t.Parallel()
	c := At(time.Unix(1_700_000_000, 0))
	first := c.Now()
	time.Sleep(2 * time.Millisecond)
	if !c.Now().Equal(first) {
		t.Fatalf("the clock moved on its own: %s then %s", first, c.Now())
	}
	if got := c.Advance(90 * time.Second); !got.Equal(first.Add(90*time.Second)) || !c.Now().Equal(got) {
		t.Fatalf("Advance(90s) = %s, Now %s", got, c.Now())
	}
	c.Set(time.Unix(5, 0))
	if !c.Now().Equal(time.Unix(5, 0)) || c.Now().Location() != time.UTC {
		t.Fatalf("Set: Now = %v", c.Now())
	}
}

func TestNextTOTPStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ from, want int64 }{
		{1_700_000_000, 1_700_000_010}, // 1_700_000_000 is 20 s into its step
		{1_700_000_010, 1_700_000_040}, // at a step's first second: the next one
		{1_700_000_039, 1_700_000_040},
	} {
		c := At(time.Unix(tc.from, 0))
		if got := c.NextTOTPStep(); got.Unix() != tc.want {
			t.Errorf("from %d: NextTOTPStep = %d, want %d", tc.from, got.Unix(), tc.want)
		}
	}
}

func TestNewStartsTheCurrentStep(t *testing.T) {
	t.Parallel()
	now := New().Now()
	if now.Unix()%30 != 0 || now.After(time.Now()) || time.Since(now) > 31*time.Second {
		t.Fatalf("New() = %s (second %d of its step), want the start of the current step", now, now.Unix()%30)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c := At(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Advance(time.Second)
			_ = c.Now()
		}()
	}
	wg.Wait()
	if got := c.Now().Unix(); got != 50 {
		t.Fatalf("50 concurrent Advance(1s) = %d s, want 50", got)
	}
}

package mfa_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
)

// memStore is an in-memory Store: a map of last accepted steps whose
// AdvanceStep is conditional under one mutex, like the SQL UPDATE … WHERE
// last_step < ?.
type memStore struct {
	mu    sync.Mutex
	last  map[string]int64
	calls atomic.Int64
}

var _ mfa.Store = (*memStore)(nil)

func newMemStore(deviceID string, lastStep int64) *memStore {
	return &memStore{last: map[string]int64{deviceID: lastStep}}
}

func (m *memStore) AdvanceStep(_ context.Context, deviceID string, step int64) (bool, error) {
	m.calls.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.last[deviceID]
	if !ok || step <= cur {
		return false, nil
	}
	m.last[deviceID] = step
	return true, nil
}

func (m *memStore) lastStep(deviceID string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last[deviceID]
}

// failingStore cannot write.
type failingStore struct{ err error }

func (f failingStore) AdvanceStep(context.Context, string, int64) (bool, error) { return false, f.err }

// untouchableStore fails the test if it is used at all.
type untouchableStore struct{ t *testing.T }

func (u untouchableStore) AdvanceStep(context.Context, string, int64) (bool, error) {
	u.t.Errorf("AdvanceStep called")
	return false, errors.New("must not be called")
}

func frozen(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestVerify(t *testing.T) {
	ctx := context.Background()
	p := mfa.Default
	S := p.Step(t0)
	dev := mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: S - 10}
	store := newMemStore(dev.ID, dev.LastStep)
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: store}
	current := code(t, p, testSecret, S)

	// Typed with a space, as people do.
	if err := v.Verify(ctx, dev, current[:3]+" "+current[3:]); err != nil {
		t.Fatalf("first Verify: %v", err)
	}
	if got := store.lastStep(dev.ID); got != S {
		t.Fatalf("last step after success = %d, want %d", got, S)
	}

	// The same code again, by a request that read the device before the
	// first one wrote (stale LastStep): refused by the conditional update.
	if err := v.Verify(ctx, dev, current); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("replay with stale LastStep: %v, want ErrReplayed", err)
	}
	// The same code again, with the device re-read: refused by Match.
	dev.LastStep = store.lastStep(dev.ID)
	if err := v.Verify(ctx, dev, current); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("replay with fresh LastStep: %v, want ErrReplayed", err)
	}
	// The previous step's code is also used up.
	if err := v.Verify(ctx, dev, code(t, p, testSecret, S-1)); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("previous code after current: %v, want ErrReplayed", err)
	}
	if got := store.lastStep(dev.ID); got != S {
		t.Errorf("last step after refusals = %d, want %d (unchanged)", got, S)
	}

	// Thirty seconds later the next code is good and moves the step on.
	v.Now = frozen(t0.Add(30 * time.Second))
	if err := v.Verify(ctx, dev, code(t, p, testSecret, S+1)); err != nil {
		t.Errorf("next step's code: %v", err)
	}
	if got := store.lastStep(dev.ID); got != S+1 {
		t.Errorf("last step = %d, want %d", got, S+1)
	}
}

func TestVerifyWrongCodeIsInvalid(t *testing.T) {
	p := mfa.Default
	S := p.Step(t0)
	store := newMemStore("dev-1", S-10)
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: store}
	// The code of a step far away: well-formed, wrong now.
	wrong := code(t, p, testSecret, S+10)
	for s := S - 1; s <= S+1; s++ {
		if code(t, p, testSecret, s) == wrong {
			t.Fatalf("fixture: code of step %d equals that of %d", S+10, s)
		}
	}
	err := v.Verify(context.Background(), mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: S - 10}, wrong)
	if !errors.Is(err, mfa.ErrInvalid) {
		t.Errorf("Verify(wrong) = %v, want ErrInvalid", err)
	}
	if n := store.calls.Load(); n != 0 {
		t.Errorf("a wrong code called AdvanceStep %d times, want 0", n)
	}
}

// TestVerifyConcurrent: twenty requests racing one valid code, each having
// read the device before any wrote, get exactly one success.
func TestVerifyConcurrent(t *testing.T) {
	const n = 20
	p := mfa.Default
	S := p.Step(t0)
	dev := mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: S - 10}
	store := newMemStore(dev.ID, dev.LastStep)
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: store}
	c := code(t, p, testSecret, S)

	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			errs <- v.Verify(context.Background(), dev, c)
		})
	}
	close(start)
	wg.Wait()
	close(errs)

	var ok, replayed, other int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, mfa.ErrReplayed):
			replayed++
		default:
			other++
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || replayed != n-1 || other != 0 {
		t.Errorf("results: %d accepted, %d replayed, %d other; want 1, %d, 0", ok, replayed, other, n-1)
	}
	if got := store.lastStep(dev.ID); got != S {
		t.Errorf("last step = %d, want %d", got, S)
	}
}

// TestVerifyFailsClosed: when the step cannot be recorded, the code is not
// accepted, and the error is neither nil nor one of the "user typed it
// wrong" sentinels.
func TestVerifyFailsClosed(t *testing.T) {
	p := mfa.Default
	S := p.Step(t0)
	storeErr := errors.New("database is locked")
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: failingStore{storeErr}}
	err := v.Verify(context.Background(), mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: S - 10},
		code(t, p, testSecret, S))
	if err == nil {
		t.Fatal("Verify with a failing store = nil, want an error")
	}
	if !errors.Is(err, storeErr) {
		t.Errorf("Verify = %v, want it to wrap the store error", err)
	}
	for _, sentinel := range []error{mfa.ErrInvalid, mfa.ErrReplayed, mfa.ErrMalformed} {
		if errors.Is(err, sentinel) {
			t.Errorf("Verify = %v, which is %v: a storage failure must not look like a user error", err, sentinel)
		}
	}
}

// TestVerifyMalformedNeverTouchesStore: shape errors are decided before any
// storage work (and before any HMAC).
func TestVerifyMalformedNeverTouchesStore(t *testing.T) {
	p := mfa.Default
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: untouchableStore{t}}
	dev := mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: 0}
	for _, in := range []string{"", "12345", "1234567", "12a456", "١٢٣٤٥٦", "123456\n", strings.Repeat("1", 1<<20)} {
		short := in
		if len(short) > 16 {
			short = short[:16] + "…"
		}
		if err := v.Verify(context.Background(), dev, in); !errors.Is(err, mfa.ErrMalformed) {
			t.Errorf("Verify(%q) = %v, want ErrMalformed", short, err)
		}
	}
}

// TestVerifyReplayByMatchNeverTouchesStore: a code already known to be used
// is refused without a write.
func TestVerifyReplayByMatchNeverTouchesStore(t *testing.T) {
	p := mfa.Default
	S := p.Step(t0)
	v := &mfa.Verifier{TOTP: p, Now: frozen(t0), Store: untouchableStore{t}}
	dev := mfa.Device{ID: "dev-1", Secret: testSecret, LastStep: S}
	if err := v.Verify(context.Background(), dev, code(t, p, testSecret, S)); !errors.Is(err, mfa.ErrReplayed) {
		t.Errorf("Verify(used code) = %v, want ErrReplayed", err)
	}
}

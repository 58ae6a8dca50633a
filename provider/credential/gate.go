package credential

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// ErrBusy: every hashing slot stayed taken for the whole wait; the
// request may be retried shortly (HTTP 503 with Retry-After).
var ErrBusy = errors.New("credential: too many password hashes at once")

// Gate bounds how many argon2id computations run at once (each takes 19
// MiB), so that a flood of posts cannot take the process's memory: a
// computation waits for a slot for a short while, then gives up with
// ErrBusy. Waiters marked with Prioritize (a browser that signed in to the
// account before, or work after the first factor) are served before the
// others, so that guessers spread over many addresses queue behind the
// people who sign in.
type Gate struct {
	wait time.Duration

	mu        sync.Mutex
	free      int
	high, low []chan struct{}
}

// NewGate returns a gate of slots concurrent computations whose waiters
// give up after wait.
func NewGate(slots int, wait time.Duration) *Gate {
	return &Gate{free: max(slots, 1), wait: wait}
}

type priorityKey struct{}

// Prioritize marks ctx's hashing as the work of someone the server
// already knows (see Gate).
func Prioritize(ctx context.Context) context.Context {
	return context.WithValue(ctx, priorityKey{}, true)
}

func prioritized(ctx context.Context) bool {
	high, _ := ctx.Value(priorityKey{}).(bool)
	return high
}

// acquire takes a slot, waiting at most the gate's wait (or until ctx
// ends) behind the waiters of equal or higher priority.
func (g *Gate) acquire(ctx context.Context) error {
	high := prioritized(ctx)
	g.mu.Lock()
	if g.free > 0 && len(g.high) == 0 && (high || len(g.low) == 0) {
		g.free--
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if high {
		g.high = append(g.high, ch)
	} else {
		g.low = append(g.low, ch)
	}
	g.mu.Unlock()

	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case <-ch:
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if i := slices.Index(g.high, ch); i >= 0 {
		g.high = slices.Delete(g.high, i, i+1)
		return ErrBusy
	}
	if i := slices.Index(g.low, ch); i >= 0 {
		g.low = slices.Delete(g.low, i, i+1)
		return ErrBusy
	}
	return nil // the slot was handed over as the wait ended: keep it
}

// release hands the slot to the first high waiter, else the first other
// waiter, else frees it.
func (g *Gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case len(g.high) > 0:
		close(g.high[0])
		g.high = g.high[1:]
	case len(g.low) > 0:
		close(g.low[0])
		g.low = g.low[1:]
	default:
		g.free++
	}
}

// Acquire takes a slot for other heavy work, on the same terms as a hash;
// the caller calls release when done.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	if err := g.acquire(ctx); err != nil {
		return nil, err
	}
	return g.release, nil
}

// run runs f in a slot of g (directly when g is nil).
func (g *Gate) run(ctx context.Context, f func()) error {
	if g == nil {
		f()
		return nil
	}
	if err := g.acquire(ctx); err != nil {
		return err
	}
	defer g.release()
	f()
	return nil
}

package credential

import (
	"context"
	"errors"
	"testing"
	"time"
)

// queued waits until the gate has n waiters in all.
func (g *Gate) queued(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		got := len(g.high) + len(g.low)
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGatePriority: with every slot taken, a prioritised waiter is served
// before others that queued earlier; the others follow in order.
func TestGatePriority(t *testing.T) {
	g := NewGate(1, time.Minute)
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	wait := func(name string, ctx context.Context) {
		if err := g.run(ctx, func() { order <- name }); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	go wait("guess-1", context.Background())
	g.queued(t, 1)
	go wait("guess-2", context.Background())
	g.queued(t, 2)
	go wait("owner", Prioritize(context.Background()))
	g.queued(t, 3)
	release()
	for _, want := range []string{"owner", "guess-1", "guess-2"} {
		if got := <-order; got != want {
			t.Fatalf("served %q, want %q", got, want)
		}
	}
}

// TestGateGivesUp: a waiter gives up with ErrBusy after the wait, or when
// its context ends, and leaves the queue; the slot is not lost.
func TestGateGivesUp(t *testing.T) {
	g := NewGate(1, 20*time.Millisecond)
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.run(context.Background(), func() { t.Error("ran without a slot") }); !errors.Is(err, ErrBusy) {
		t.Fatalf("after the wait: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Acquire(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("an ended context: %v, want ErrBusy", err)
	}
	g.queued(t, 0)
	release()
	ran := false
	if err := g.run(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Fatalf("after the release: ran %v, %v", ran, err)
	}
}

// TestHasherLimited: a limited hasher's checks give up with ErrBusy while
// the gate is full, and Hash waits for its slot.
func TestHasherLimited(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	stored := h.Hash("secret-1")
	g := NewGate(1, 10*time.Millisecond)
	h.Limit(g)
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.VerifyContext(context.Background(), "secret-1", stored); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyContext while full: %v", err)
	}
	if _, _, err := h.VerifyPassword(context.Background(), "secret-1", stored); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyPassword while full: %v", err)
	}
	done := make(chan string)
	go func() { done <- h.Hash("secret-2") }()
	g.queued(t, 1)
	release()
	if ok, _ := h.Verify("secret-2", <-done); !ok {
		t.Fatal("the hash made after waiting does not verify")
	}
}

// TestClientsHaveTheirOwnGate: with the sign-in gate full, a client's
// secret check still runs in the clients' gate, and the reverse.
func TestClientsHaveTheirOwnGate(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	stored := h.Hash("client-secret")
	signIns, clients := NewGate(1, 10*time.Millisecond), NewGate(1, 10*time.Millisecond)
	h.Limit(signIns)
	h.LimitClients(clients)
	release, err := signIns.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.VerifyContext(ForClient(context.Background()), "client-secret", stored); !ok || err != nil {
		t.Fatalf("a client's check while sign-ins are full: %v, %v", ok, err)
	}
	release()
	release, err = clients.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := h.VerifyContext(ForClient(context.Background()), "client-secret", stored); !errors.Is(err, ErrBusy) {
		t.Fatalf("a client's check while clients are full: %v", err)
	}
	if ok, err := h.VerifyContext(context.Background(), "client-secret", stored); !ok || err != nil {
		t.Fatalf("a sign-in check while clients are full: %v, %v", ok, err)
	}
}

package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"

	"github.com/otpgate/otpgate/internal/testkit/browser"
)

// driver holds what the operations of a run share.
type driver struct {
	c config
	// next names the replica of the next request, round-robin.
	next func() string
	// transport counts the requests it sends; client sends through it.
	transport http.RoundTripper
	client    *http.Client
	endpoints endpoints
	verifier  *rp.IDTokenVerifier
	// browsers are the accounts' own browsers (-known-browsers).
	browsers []*browser.Browser
	// secrets and schedule are the accounts' device secrets and the
	// passcode schedule (signin-mfa).
	secrets  [][]byte
	schedule *passcodeSchedule
}

// result is what a run measured.
type result struct {
	ok        int
	failures  map[string]int
	latencies []time.Duration
	requests  int64
	elapsed   time.Duration
	// guesses counts the guessers' answers by HTTP status.
	guesses map[int]int
	// servers are the -server-pids processes over the measured window.
	servers []serverUsage
	// throttled counts the two-factor sign-ins that waited for an account
	// whose passcode was unused in the current step, and their wait.
	throttled     int
	throttledTime time.Duration
}

// runLoad prepares the workload (not measured), then runs it with
// c.concurrency workers (and c.guessers guessers) for c.duration.
func runLoad(ctx context.Context, c config) (*result, error) {
	var rr atomic.Uint64
	transport := &http.Transport{MaxIdleConnsPerHost: (c.concurrency + c.guessers) * 2, IdleConnTimeout: time.Minute}
	var requests atomic.Int64
	counting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requests.Add(1)
		return transport.RoundTrip(r)
	})
	d := &driver{c: c, transport: counting, client: &http.Client{Transport: counting, Timeout: c.timeout},
		next:     func() string { return c.replicas[rr.Add(1)%uint64(len(c.replicas))] },
		browsers: make([]*browser.Browser, c.users)}
	if err := d.discover(ctx); err != nil {
		return nil, err
	}
	keys := rp.NewRemoteKeySet(d.client, d.routed(d.endpoints.jwks))
	d.verifier = rp.NewIDTokenVerifier(c.issuer, c.clientID, keys,
		rp.WithNonce(func(ctx context.Context) string { n, _ := ctx.Value(nonceKey{}).(string); return n }))
	op, err := d.prepare(ctx)
	if err != nil {
		return nil, err
	}

	res := &result{failures: map[string]int{}, guesses: map[int]int{}}
	var mu sync.Mutex
	requests.Store(0)
	before := readUsage(c.pids)
	deadline := time.Now().Add(c.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for range c.guessers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				status := d.guess(ctx)
				mu.Lock()
				res.guesses[status]++
				mu.Unlock()
			}
		})
	}
	for w := range c.concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				took, err := op(ctx, w, deadline)
				if errors.Is(err, errStopped) || ctx.Err() != nil {
					return
				}
				mu.Lock()
				if err != nil {
					res.failures[err.Error()]++
				} else {
					res.ok++
					res.latencies = append(res.latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = requests.Load()
	res.servers = usageOver(before, readUsage(c.pids))
	if d.schedule != nil {
		res.throttled, res.throttledTime = d.schedule.throttle()
	}
	return res, ctx.Err()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

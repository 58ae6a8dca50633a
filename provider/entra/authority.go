package entra

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultAuthority is the authority of Entra's global cloud.
const DefaultAuthority = "https://login.microsoftonline.com"

// Defaults of Options.
const (
	DefaultCacheFor     = time.Hour
	DefaultRefetchAfter = time.Minute
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxKeySetBytes bounds a key set answer; Entra's is a few
	// kilobytes.
	DefaultMaxKeySetBytes = 256 << 10
)

// Options configures an Authority. The zero value is Entra's global cloud
// with the defaults above.
type Options struct {
	// BaseURL is the authority, https, without a trailing path:
	// DefaultAuthority when empty. Tests point it at a local fake; another
	// cloud (login.microsoftonline.us, login.partner.microsoftonline.cn)
	// needs an Authority of its own, since the hint's issuer names it.
	BaseURL string
	// Client makes the key requests; when nil, a client of its own with
	// FetchTimeout as its timeout.
	Client *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// CacheFor is how long a tenant's fetched keys are used.
	CacheFor time.Duration
	// RefetchAfter is the least time between two fetches of one tenant's
	// keys prompted by an unknown key id (a key rollover).
	RefetchAfter time.Duration
	// FetchTimeout bounds one fetch, whatever the caller's context.
	FetchTimeout time.Duration
	// MaxKeySetBytes bounds the size of a key set answer.
	MaxKeySetBytes int64
}

// Authority fetches and caches the signing keys of Entra tenants and
// verifies the hints they sign. It is safe for concurrent use; concurrent
// requests for one tenant's keys share one fetch.
type Authority struct {
	base         string
	client       *http.Client
	now          func() time.Time
	cacheFor     time.Duration
	refetchAfter time.Duration
	fetchTimeout time.Duration
	maxBytes     int64

	mu      sync.Mutex
	tenants map[string]*tenantKeys // by canonical tenant id; only allow-listed ones
}

// tenantKeys is one tenant's cached key set. Its fields other than fetching
// are guarded by Authority.mu.
type tenantKeys struct {
	// fetching holds one token: whoever holds it may fetch.
	fetching chan struct{}
	keys     map[string]*rsa.PublicKey // by kid; nil before the first success
	// fetchedAt is the time of the last successful fetch, attemptedAt of
	// the last attempt.
	fetchedAt, attemptedAt time.Time
	// attempts counts fetch attempts and lastErr is the last one's error,
	// so that requests that waited for a fetch share its outcome.
	attempts int
	lastErr  error
}

// NewAuthority returns an Authority configured by o, or an error when the
// base URL is not an absolute https URL without query or fragment.
func NewAuthority(o Options) (*Authority, error) {
	base := strings.TrimSuffix(o.BaseURL, "/")
	if base == "" {
		base = DefaultAuthority
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("entra: authority %q is not an https URL", o.BaseURL)
	}
	a := &Authority{
		base:         base,
		client:       o.Client,
		now:          o.Now,
		cacheFor:     o.CacheFor,
		refetchAfter: o.RefetchAfter,
		fetchTimeout: o.FetchTimeout,
		maxBytes:     o.MaxKeySetBytes,
		tenants:      make(map[string]*tenantKeys),
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.cacheFor <= 0 {
		a.cacheFor = DefaultCacheFor
	}
	if a.refetchAfter <= 0 {
		a.refetchAfter = DefaultRefetchAfter
	}
	if a.fetchTimeout <= 0 {
		a.fetchTimeout = DefaultFetchTimeout
	}
	if a.maxBytes <= 0 {
		a.maxBytes = DefaultMaxKeySetBytes
	}
	if a.client == nil {
		a.client = &http.Client{Timeout: a.fetchTimeout}
	}
	return a, nil
}

// BaseURL returns the authority's base URL, without a trailing slash.
func (a *Authority) BaseURL() string { return a.base }

// Issuer returns the issuer the authority's hints for tenant tid carry:
// {BaseURL}/{tid}/v2.0.
func (a *Authority) Issuer(tid string) string {
	return a.base + "/" + tid + "/v2.0"
}

// errUnknownKey is the reason a hint signed by a key the tenant does not
// publish is refused.
var errUnknownKey = errors.New("signing key not published by the tenant")

// key returns tenant tid's key kid. tid must be canonical and allow-listed
// (the cache holds no other tenant). Fresh keys are used from the cache;
// stale or missing keys are fetched; an unknown kid prompts a fetch at
// most once per RefetchAfter. Errors wrap ErrUnavailable or, for an
// unknown kid, ErrInvalidHint.
func (a *Authority) key(ctx context.Context, tid, kid string) (*rsa.PublicKey, error) {
	a.mu.Lock()
	e := a.tenants[tid]
	if e == nil {
		e = &tenantKeys{fetching: make(chan struct{}, 1)}
		a.tenants[tid] = e
	}
	k, fetch := e.lookup(kid, a.now(), a.cacheFor, a.refetchAfter)
	seen := e.attempts
	a.mu.Unlock()
	if !fetch {
		if k == nil {
			return nil, fmt.Errorf("%w: %w (kid %q)", ErrInvalidHint, errUnknownKey, kid)
		}
		return k, nil
	}

	select {
	case e.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: wait for keys of tenant %s: %w", ErrUnavailable, tid, ctx.Err())
	}
	defer func() { <-e.fetching }()

	a.mu.Lock()
	if e.attempts != seen {
		// Another request fetched while this one waited: share its outcome.
		k, err := e.keys[kid], e.lastErr
		a.mu.Unlock()
		switch {
		case err != nil:
			return nil, err
		case k == nil:
			return nil, fmt.Errorf("%w: %w (kid %q)", ErrInvalidHint, errUnknownKey, kid)
		}
		return k, nil
	}
	a.mu.Unlock()

	keys, err := a.fetch(ctx, tid)
	now := a.now()
	a.mu.Lock()
	e.attempts++
	e.attemptedAt = now
	e.lastErr = err
	if err == nil {
		e.keys, e.fetchedAt = keys, now
	}
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if k := keys[kid]; k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %w (kid %q)", ErrInvalidHint, errUnknownKey, kid)
}

// lookup returns the cached key kid when the cache is fresh at now, and
// whether a fetch is needed: the cache is empty or stale, or kid is
// unknown and the last attempt is at least refetchAfter old.
func (e *tenantKeys) lookup(kid string, now time.Time, cacheFor, refetchAfter time.Duration) (*rsa.PublicKey, bool) {
	if e.keys == nil || !now.Before(e.fetchedAt.Add(cacheFor)) {
		return nil, true
	}
	if k := e.keys[kid]; k != nil {
		return k, false
	}
	return nil, !now.Before(e.attemptedAt.Add(refetchAfter))
}

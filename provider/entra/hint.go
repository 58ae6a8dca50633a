package entra

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultAuthority is Entra ID's public cloud.
const DefaultAuthority = "https://login.microsoftonline.com"

// Errors of VerifyHint.
var (
	// ErrInvalidHint: the hint is not a valid Entra ID token for the
	// client (the error wraps the reason); the answer is access_denied.
	ErrInvalidHint = errors.New("entra: invalid id_token_hint")
	// ErrUnavailable: the tenant's keys could not be fetched; the answer
	// is temporarily_unavailable.
	ErrUnavailable = errors.New("entra: authority unavailable")
)

// Policy is what a client accepts of a hint.
type Policy struct {
	// AppID is the Entra application id the hint must be issued to (aud).
	AppID string
	// Tenants are the tenant ids allowed (GUIDs, any case).
	Tenants []string
	// MaxAge bounds how long ago the hint was issued (0: DefaultMaxAge).
	MaxAge time.Duration
}

// DefaultMaxAge is how old a hint may be: Entra abandons an attempt about
// five minutes after it sent the browser, and the passcode comes after
// the hint is checked.
const DefaultMaxAge = 10 * time.Minute

// maxFuture is how far in the future a hint's iat may be (clock skew).
const maxFuture = 5 * time.Minute

// Hint is what a verified hint says of the user.
type Hint struct {
	// Subject is the hint's sub (pairwise per application): the answer's
	// sub must equal it.
	Subject string
	// OID and TenantID name the user for good; PreferredUsername, UPN and
	// Name are for display (and a first link by name, when allowed).
	OID, TenantID          string
	PreferredUsername, UPN string
	Name                   string
	IssuedAt               time.Time
}

// hintClaims are the claims read from a hint.
type hintClaims struct {
	Version           string           `json:"ver"`
	Issuer            string           `json:"iss"`
	Audience          jwt.Audience     `json:"aud"`
	Subject           string           `json:"sub"`
	OID               string           `json:"oid"`
	TenantID          string           `json:"tid"`
	IssuedAt          *jwt.NumericDate `json:"iat"`
	PreferredUsername string           `json:"preferred_username"`
	UPN               string           `json:"upn"`
	Name              string           `json:"name"`
}

// Authority verifies hints against the keys of an Entra authority,
// fetched per tenant and cached. It is safe for concurrent use.
type Authority struct {
	base   string
	client *http.Client
	now    func() time.Time
	// KeysFor is how long a tenant's fetched keys are used before they
	// are fetched again; RefetchAfter is the least time between fetches
	// caused by an unknown key id.
	KeysFor, RefetchAfter time.Duration

	mu      sync.Mutex
	tenants map[string]*tenantKeys
}

type tenantKeys struct {
	set       jose.JSONWebKeySet
	fetchedAt time.Time
	fetching  sync.Mutex
}

// NewAuthority returns a verifier for the authority at base (e.g.
// DefaultAuthority), fetching keys with client (nil: a client with a
// 10-second timeout) and telling time with now (nil: time.Now).
func NewAuthority(base string, client *http.Client, now func() time.Time) *Authority {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Authority{base: strings.TrimRight(base, "/"), client: client, now: now,
		KeysFor: time.Hour, RefetchAfter: time.Minute, tenants: map[string]*tenantKeys{}}
}

// maxHint bounds a hint before it is parsed; maxKeySet a tenant's key set.
const (
	maxHint   = 16 << 10
	maxKeySet = 1 << 20
)

// VerifyHint checks an id_token_hint: RS256 with a key id; a tenant on
// p's allow-list (before any key is fetched); the tenant's key's
// signature; iss {authority}/{tid}/v2.0; aud p.AppID; ver 2.0; sub, oid
// and tid present; iat within p.MaxAge (exp is not checked: Entra issues
// the hint expired).
func (a *Authority) VerifyHint(ctx context.Context, raw string, p Policy) (*Hint, error) {
	if raw == "" || len(raw) > maxHint {
		return nil, invalid("missing or oversized")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, invalid("not an RS256 JWT: " + err.Error())
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, invalid("no key id")
	}
	var unverified hintClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, invalid("claims: " + err.Error())
	}
	tid := strings.ToLower(unverified.TenantID)
	if tid == "" || !slices.ContainsFunc(p.Tenants, func(t string) bool { return strings.EqualFold(t, tid) }) {
		return nil, invalid("tenant not allowed")
	}
	key, err := a.key(ctx, tid, tok.Headers[0].KeyID)
	if err != nil {
		return nil, err
	}
	var c hintClaims
	if err := tok.Claims(key, &c); err != nil {
		return nil, invalid("signature: " + err.Error())
	}
	now := a.now()
	maxAge := p.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	switch {
	case c.Version != "2.0":
		return nil, invalid("ver is not 2.0")
	case c.Issuer != a.base+"/"+tid+"/v2.0" && c.Issuer != a.base+"/"+c.TenantID+"/v2.0":
		return nil, invalid("issuer")
	case p.AppID == "" || !slices.ContainsFunc(c.Audience, func(aud string) bool { return strings.EqualFold(aud, p.AppID) }):
		return nil, invalid("audience")
	case c.Subject == "" || c.OID == "" || c.TenantID == "":
		return nil, invalid("sub, oid or tid missing")
	case c.IssuedAt == nil:
		return nil, invalid("iat missing")
	case c.IssuedAt.Time().Before(now.Add(-maxAge)):
		return nil, invalid("issued too long ago")
	case c.IssuedAt.Time().After(now.Add(maxFuture)):
		return nil, invalid("issued in the future")
	}
	return &Hint{Subject: c.Subject, OID: c.OID, TenantID: c.TenantID, PreferredUsername: c.PreferredUsername,
		UPN: c.UPN, Name: c.Name, IssuedAt: c.IssuedAt.Time()}, nil
}

func invalid(why string) error { return fmt.Errorf("%w: %s", ErrInvalidHint, why) }

// key is the tenant's signing key kid: from the cache while it is fresh,
// else fetched; an unknown kid fetches again at most once per
// RefetchAfter (a key rollover).
func (a *Authority) key(ctx context.Context, tid, kid string) (*jose.JSONWebKey, error) {
	a.mu.Lock()
	t := a.tenants[tid]
	if t == nil {
		t = &tenantKeys{}
		a.tenants[tid] = t
	}
	a.mu.Unlock()
	t.fetching.Lock()
	defer t.fetching.Unlock()
	now := a.now()
	fresh := !t.fetchedAt.IsZero() && now.Sub(t.fetchedAt) < a.KeysFor
	if k := signingKey(t.set, kid); k != nil && fresh {
		return k, nil
	}
	if fresh && now.Sub(t.fetchedAt) < a.RefetchAfter {
		return nil, invalid("unknown key id")
	}
	set, err := a.fetch(ctx, tid)
	if err != nil {
		if k := signingKey(t.set, kid); k != nil {
			// The authority is down but the key is known: use it.
			return k, nil
		}
		return nil, err
	}
	t.set, t.fetchedAt = set, now
	if k := signingKey(t.set, kid); k != nil {
		return k, nil
	}
	return nil, invalid("unknown key id")
}

// signingKey is the RSA signing key kid of set (nil when none).
func signingKey(set jose.JSONWebKeySet, kid string) *jose.JSONWebKey {
	for _, k := range set.Key(kid) {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if _, ok := k.Key.(*rsa.PublicKey); ok {
			return &k
		}
	}
	return nil
}

// fetch reads the tenant's key set.
func (a *Authority) fetch(ctx context.Context, tid string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/"+tid+"/discovery/v2.0/keys", nil)
	if err != nil {
		return set, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return set, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return set, fmt.Errorf("%w: keys answered %s", ErrUnavailable, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySet+1))
	if err != nil || len(body) > maxKeySet {
		return set, fmt.Errorf("%w: keys unreadable or too large", ErrUnavailable)
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return set, fmt.Errorf("%w: keys: %v", ErrUnavailable, err)
	}
	return set, nil
}

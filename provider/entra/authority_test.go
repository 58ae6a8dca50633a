package entra_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/clock"
	"github.com/otpgate/otpgate/internal/testkit/fakeentra"
	"github.com/otpgate/otpgate/provider/entra"
)

// verifyNow mints a hint issued now (with c's other fields) and verifies it.
func verifyNow(t *testing.T, a *entra.Authority, fake *fakeentra.Authority, clk *clock.Clock, c fakeentra.HintClaims) error {
	t.Helper()
	c.IssuedAt = clk.Now()
	_, err := a.VerifyHint(context.Background(), fake.MintHint(c), policyFor(fake))
	return err
}

func TestKeysAreCachedPerTenant(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	clk := clock.At(t0)
	a := newAuthority(t, fake, clk)
	second := fakeentra.NewGUID()
	p := entra.Policy{AppID: fake.AppID(), Tenants: []string{fake.TenantID(), second}}
	for _, step := range []struct {
		advance time.Duration
		tid     string
		fetches int
	}{
		{0, fake.TenantID(), 1},
		{time.Second, fake.TenantID(), 1},
		{59 * time.Minute, fake.TenantID(), 1}, // 59 min 1 s after the fetch: still cached
		{0, second, 2},                         // another tenant has keys of its own
		{time.Minute, fake.TenantID(), 2 + 1},  // an hour after the first fetch: fetched again
		{time.Minute, fake.TenantID(), 3},
	} {
		clk.Advance(step.advance)
		raw := fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now(), TenantID: step.tid})
		if _, err := a.VerifyHint(context.Background(), raw, p); err != nil {
			t.Fatalf("at %s, tenant %s: %v", clk.Now().Sub(t0), step.tid, err)
		}
		if got := fake.AllKeyFetches(); got != step.fetches {
			t.Fatalf("at %s: %d fetches, want %d", clk.Now().Sub(t0), got, step.fetches)
		}
	}
	if fake.KeyFetches(second) != 1 {
		t.Fatalf("second tenant fetched %d times, want 1", fake.KeyFetches(second))
	}
}

func TestRolloverRefetchesAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	clk := clock.At(t0)
	a := newAuthority(t, fake, clk)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); err != nil {
		t.Fatal(err)
	}
	fake.Rotate()
	clk.Advance(30 * time.Second)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); !errors.Is(err, entra.ErrInvalidHint) {
		t.Fatalf("a new key 30 s after a fetch: err = %v, want refused without a fetch", err)
	}
	if n := fake.AllKeyFetches(); n != 1 {
		t.Fatalf("%d fetches within a minute, want 1", n)
	}
	clk.Advance(31 * time.Second)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); err != nil {
		t.Fatalf("a new key a minute after the fetch: %v", err)
	}
	if n := fake.AllKeyFetches(); n != 2 {
		t.Fatalf("%d fetches, want 2 (the rollover)", n)
	}
	// A kid nobody publishes: refused, and it cannot make us fetch more
	// than once a minute however often it is sent.
	for range 5 {
		clk.Advance(10 * time.Second)
		if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{KeyID: "dW5rbm93bg"}); !errors.Is(err, entra.ErrInvalidHint) {
			t.Fatalf("unknown kid: err = %v", err)
		}
	}
	if n := fake.AllKeyFetches(); n != 2 {
		t.Fatalf("%d fetches after 50 s of unknown kids, want 2", n)
	}
	clk.Advance(20 * time.Second)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{KeyID: "dW5rbm93bg"}); !errors.Is(err, entra.ErrInvalidHint) {
		t.Fatalf("unknown kid: err = %v", err)
	}
	if n := fake.AllKeyFetches(); n != 3 {
		t.Fatalf("%d fetches, want 3 (a minute after the last)", n)
	}
	// The old key still verifies from the cache.
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); err != nil || fake.AllKeyFetches() != 3 {
		t.Fatalf("current key: err %v, %d fetches", err, fake.AllKeyFetches())
	}
}

func TestConcurrentVerificationsShareOneFetch(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	clk := clock.At(t0)
	a := newAuthority(t, fake, clk)
	raw := fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now()})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.VerifyHint(context.Background(), raw, policyFor(fake))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.AllKeyFetches(); n != 1 {
		t.Fatalf("50 concurrent verifications made %d fetches, want 1", n)
	}
}

func TestAuthorityDownThenBack(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	clk := clock.At(t0)
	a := newAuthority(t, fake, clk)
	fake.SetDown(true)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); !errors.Is(err, entra.ErrUnavailable) {
		t.Fatalf("down: err = %v, want ErrUnavailable", err)
	}
	// A failure is not cached: the next request asks again.
	fake.SetDown(false)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); err != nil {
		t.Fatalf("back: %v", err)
	}
	// Keys past their hour are not used while the authority is down.
	fake.SetDown(true)
	clk.Advance(time.Hour)
	if err := verifyNow(t, a, fake, clk, fakeentra.HintClaims{}); !errors.Is(err, entra.ErrUnavailable) {
		t.Fatalf("down with stale keys: err = %v, want ErrUnavailable", err)
	}
	if n := fake.AllKeyFetches(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
}

// loopbackTLS starts a TLS server on 127.0.0.1 with handler h.
func loopbackTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// relay serves the fake's key set rewritten by rewrite, as another
// authority would; hints must then name the relay as their issuer.
func relay(t *testing.T, fake *fakeentra.Authority, rewrite func([]byte) []byte) *httptest.Server {
	t.Helper()
	return loopbackTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := fake.Client().Get(fake.URL() + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(rewrite(body))
	}))
}

func TestUnusableAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler func(fake *fakeentra.Authority) http.Handler
		opts    entra.Options
		reason  string
	}{
		{name: "too slow", reason: "deadline", opts: entra.Options{FetchTimeout: 100 * time.Millisecond},
			handler: func(*fakeentra.Authority) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-r.Context().Done():
					case <-time.After(10 * time.Second):
					}
				})
			}},
		{name: "too large", reason: "larger", opts: entra.Options{MaxKeySetBytes: 1024},
			handler: func(*fakeentra.Authority) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = w.Write([]byte(`{"keys":[` + strings.Repeat(" ", 2048) + `]}`))
				})
			}},
		{name: "not JSON", reason: "not a key set",
			handler: func(*fakeentra.Authority) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = w.Write([]byte(`<html>maintenance</html>`))
				})
			}},
		{name: "error status", reason: "status 500",
			handler: func(*fakeentra.Authority) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "oops", http.StatusInternalServerError)
				})
			}},
		{name: "keys for encryption only", reason: "no usable signing key",
			handler: func(fake *fakeentra.Authority) http.Handler {
				return relay(t, fake, func(b []byte) []byte {
					return bytes.ReplaceAll(b, []byte(`"use":"sig"`), []byte(`"use":"enc"`))
				}).Config.Handler
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := fakeentra.New(t)
			srv := loopbackTLS(t, tc.handler(fake))
			clk := clock.At(t0)
			opts := tc.opts
			opts.BaseURL, opts.Client, opts.Now = srv.URL, srv.Client(), clk.Now
			a, err := entra.NewAuthority(opts)
			if err != nil {
				t.Fatal(err)
			}
			raw := fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now(), Set: map[string]any{"iss": srv.URL + "/" + fake.TenantID() + "/v2.0"}})
			start := time.Now()
			_, err = a.VerifyHint(context.Background(), raw, policyFor(fake))
			if !errors.Is(err, entra.ErrUnavailable) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v, want ErrUnavailable naming %q", err, tc.reason)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}

func TestKeySetToleratesKeysItCannotUse(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	// An EC key, a key of an unknown type and an encryption key beside
	// the signing key: the signing key is still found.
	srv := relay(t, fake, func(b []byte) []byte {
		return bytes.Replace(b, []byte(`{"keys":[`), []byte(`{"keys":[`+
			`{"kty":"EC","crv":"P-256","kid":"ec","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},`+
			`{"kty":"OKP+","kid":"odd"},`), 1)
	})
	clk := clock.At(t0)
	a, err := entra.NewAuthority(entra.Options{BaseURL: srv.URL, Client: srv.Client(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	raw := fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now(), Set: map[string]any{"iss": srv.URL + "/" + fake.TenantID() + "/v2.0"}})
	if _, err := a.VerifyHint(context.Background(), raw, policyFor(fake)); err != nil {
		t.Fatal(err)
	}
	raw = fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now(), KeyID: "ec", Set: map[string]any{"iss": srv.URL + "/" + fake.TenantID() + "/v2.0"}})
	if _, err := a.VerifyHint(context.Background(), raw, policyFor(fake)); !errors.Is(err, entra.ErrInvalidHint) {
		t.Fatalf("a hint naming the EC key: err = %v, want ErrInvalidHint", err)
	}
}

func TestAuthorityUnreachable(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	srv := loopbackTLS(t, http.NotFoundHandler())
	base, client := srv.URL, srv.Client()
	srv.Close()
	clk := clock.At(t0)
	a, err := entra.NewAuthority(entra.Options{BaseURL: base, Client: client, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	raw := fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now(), Set: map[string]any{"iss": base + "/" + fake.TenantID() + "/v2.0"}})
	if _, err := a.VerifyHint(context.Background(), raw, policyFor(fake)); !errors.Is(err, entra.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestNewAuthority(t *testing.T) {
	t.Parallel()
	a, err := entra.NewAuthority(entra.Options{})
	if err != nil || a.BaseURL() != entra.DefaultAuthority {
		t.Fatalf("default: %v, %v", a, err)
	}
	if got, want := a.Issuer("72f988bf-86f1-41af-91ab-2d7cd011db47"),
		"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"; got != want {
		t.Fatalf("Issuer = %s, want %s", got, want)
	}
	if a, err := entra.NewAuthority(entra.Options{BaseURL: "https://login.microsoftonline.us/"}); err != nil || a.BaseURL() != "https://login.microsoftonline.us" {
		t.Fatalf("trailing slash: %v, %v", a, err)
	}
	for _, bad := range []string{"http://login.microsoftonline.com", "login.microsoftonline.com", "https://", "https://x?y=1", "https://u:p@x", "https://x#f"} {
		if _, err := entra.NewAuthority(entra.Options{BaseURL: bad}); err == nil {
			t.Errorf("NewAuthority(%q) accepted", bad)
		}
	}
}

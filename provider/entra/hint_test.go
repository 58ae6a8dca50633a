package entra_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/clock"
	"github.com/otpgate/otpgate/internal/testkit/fakeentra"
	"github.com/otpgate/otpgate/provider/entra"
)

// t0 is the frozen time the tests run at.
var t0 = time.Unix(1_700_000_000, 0)

// newAuthority returns an Authority asking fake, on clk.
func newAuthority(t *testing.T, fake *fakeentra.Authority, clk *clock.Clock) *entra.Authority {
	t.Helper()
	a, err := entra.NewAuthority(entra.Options{BaseURL: fake.URL(), Client: fake.Client(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// policyFor allows the fake's default application and tenant.
func policyFor(fake *fakeentra.Authority) entra.Policy {
	return entra.Policy{AppID: fake.AppID(), Tenants: []string{fake.TenantID()}}
}

// mintFunc mints a case's hint; base is issued now for the case's tenant.
type mintFunc func(f *fakeentra.Authority, base fakeentra.HintClaims) string

// minted returns a mintFunc for the base hint changed by change.
func minted(change func(f *fakeentra.Authority, c *fakeentra.HintClaims)) mintFunc {
	return func(f *fakeentra.Authority, c fakeentra.HintClaims) string {
		if change != nil {
			change(f, &c)
		}
		return f.MintHint(c)
	}
}

// set replaces claims of a hint.
func set(claims map[string]any) func(*fakeentra.Authority, *fakeentra.HintClaims) {
	return func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.Set = claims }
}

// omit removes claims from a hint.
func omit(names ...string) func(*fakeentra.Authority, *fakeentra.HintClaims) {
	return func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.Omit = names }
}

// issuedAgo mints a hint issued d before the test's time.
func issuedAgo(d time.Duration) mintFunc {
	return minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.IssuedAt = c.IssuedAt.Add(-d) })
}

// foreignTenant is the tenant of the foreign-tenant case, on no allow-list.
var foreignTenant = fakeentra.NewGUID()

func TestVerifyHint(t *testing.T) {
	t.Parallel()
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	shared := fakeentra.New(t)
	for _, tc := range []struct {
		name   string
		mint   mintFunc
		policy func(p *entra.Policy, tid string)
		// isolated cases change the authority (a rotation, an outage)
		// and get one of their own.
		isolated bool
		down     bool
		// wantErr is nil for an accepted hint; reason is a fragment of
		// the refusal, so a case fails for the reason it names.
		wantErr error
		reason  string
		// fetches is how many key sets the verification fetched.
		fetches int
	}{
		{name: "a hint as Entra issues it, already expired", mint: minted(nil), fetches: 1},
		{name: "exp long past is ignored", mint: minted(set(map[string]any{"exp": 1})), fetches: 1},
		{name: "no exp and no nbf", mint: minted(omit("exp", "nbf")), fetches: 1},
		{name: "allow-list in upper case", fetches: 1, mint: minted(nil),
			policy: func(p *entra.Policy, tid string) {
				p.Tenants = []string{fakeentra.NewGUID(), strings.ToUpper(tid)}
			}},
		{name: "application id in upper case", fetches: 1, mint: minted(nil),
			policy: func(p *entra.Policy, _ string) { p.AppID = strings.ToUpper(p.AppID) }},
		{name: "aud a list holding the application", fetches: 1, mint: minted(func(f *fakeentra.Authority, c *fakeentra.HintClaims) {
			c.Set = map[string]any{"aud": []string{fakeentra.NewGUID(), f.AppID()}}
		})},
		{name: "issued 9 minutes ago", mint: issuedAgo(9 * time.Minute), fetches: 1},
		{name: "issued 4 minutes ahead (skew)", mint: issuedAgo(-4 * time.Minute), fetches: 1},
		{name: "signed by a newly rotated key", fetches: 1, isolated: true, mint: func(f *fakeentra.Authority, c fakeentra.HintClaims) string {
			f.Rotate()
			return f.MintHint(c)
		}},

		{name: "signed by another key under the tenant's kid", wantErr: entra.ErrInvalidHint, reason: "signature", fetches: 1,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.Key = attacker })},
		{name: "payload changed after signing", wantErr: entra.ErrInvalidHint, reason: "signature", fetches: 1,
			mint: func(f *fakeentra.Authority, c fakeentra.HintClaims) string {
				good := strings.Split(f.MintHint(c), ".")
				c.OID = fakeentra.NewGUID()
				other := strings.Split(f.MintHint(c), ".")
				return good[0] + "." + other[1] + "." + good[2]
			}},
		{name: "a kid the tenant does not publish", wantErr: entra.ErrInvalidHint, reason: "not published", fetches: 1,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.KeyID = "bm90LWEta2V5" })},
		{name: "alg none", wantErr: entra.ErrInvalidHint, reason: `alg "none"`,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.Alg = "none" })},
		{name: "HS256 signed with a secret", wantErr: entra.ErrInvalidHint, reason: `alg "HS256"`,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) {
				c.Alg, c.HMACSecret = "HS256", []byte("a secret shared with nobody we trust")
			})},
		{name: "RS512", wantErr: entra.ErrInvalidHint, reason: `alg "RS512"`,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.Alg = "RS512" })},
		{name: "alg in lower case", wantErr: entra.ErrInvalidHint, reason: `alg "rs256"`,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.Alg = "rs256" })},
		{name: "no kid", wantErr: entra.ErrInvalidHint, reason: "no kid",
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.NoKeyID = true })},
		{name: "foreign tenant, no key fetch", wantErr: entra.ErrInvalidHint, reason: "not allowed",
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.TenantID = foreignTenant })},
		{name: "empty allow-list", wantErr: entra.ErrInvalidHint, reason: "not allowed", mint: minted(nil),
			policy: func(p *entra.Policy, _ string) { p.Tenants = nil }},
		{name: "tid not a GUID", wantErr: entra.ErrInvalidHint, reason: "not allowed",
			mint: minted(set(map[string]any{"tid": "contoso.onmicrosoft.com"}))},
		{name: "tid a path", wantErr: entra.ErrInvalidHint, reason: "not allowed",
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) {
				c.Set = map[string]any{"tid": c.TenantID + "/../common"}
			})},
		{name: "missing tid", wantErr: entra.ErrInvalidHint, reason: "no tid", mint: minted(omit("tid"))},
		{name: "wrong audience", wantErr: entra.ErrInvalidHint, reason: "aud", fetches: 1,
			mint: minted(func(_ *fakeentra.Authority, c *fakeentra.HintClaims) { c.AppID = fakeentra.NewGUID() })},
		{name: "aud a list without the application", wantErr: entra.ErrInvalidHint, reason: "aud", fetches: 1,
			mint: minted(set(map[string]any{"aud": []string{fakeentra.NewGUID(), fakeentra.NewGUID()}}))},
		{name: "no aud", wantErr: entra.ErrInvalidHint, reason: "aud", fetches: 1, mint: minted(omit("aud"))},
		{name: "Microsoft's issuer from a test authority", wantErr: entra.ErrInvalidHint, reason: "iss", fetches: 1,
			mint: minted(func(f *fakeentra.Authority, c *fakeentra.HintClaims) {
				c.Set = map[string]any{"iss": "https://login.microsoftonline.com/" + c.TenantID + "/v2.0"}
			})},
		{name: "issuer of another tenant", wantErr: entra.ErrInvalidHint, reason: "iss", fetches: 1,
			mint: minted(func(f *fakeentra.Authority, c *fakeentra.HintClaims) {
				c.Set = map[string]any{"iss": f.Issuer(fakeentra.NewGUID())}
			})},
		{name: "issuer with a trailing slash", wantErr: entra.ErrInvalidHint, reason: "iss", fetches: 1,
			mint: minted(func(f *fakeentra.Authority, c *fakeentra.HintClaims) {
				c.Set = map[string]any{"iss": f.Issuer(c.TenantID) + "/"}
			})},
		{name: "v1.0 token", wantErr: entra.ErrInvalidHint, reason: "ver", fetches: 1, mint: minted(set(map[string]any{"ver": "1.0"}))},
		{name: "no ver", wantErr: entra.ErrInvalidHint, reason: "ver", fetches: 1, mint: minted(omit("ver"))},
		{name: "stale iat", wantErr: entra.ErrInvalidHint, reason: "ago", fetches: 1, mint: issuedAgo(11 * time.Minute)},
		{name: "older than the policy's max age", wantErr: entra.ErrInvalidHint, reason: "ago", fetches: 1,
			mint:   issuedAgo(2 * time.Minute),
			policy: func(p *entra.Policy, _ string) { p.MaxAge = time.Minute }},
		{name: "iat in the future", wantErr: entra.ErrInvalidHint, reason: "future", fetches: 1, mint: issuedAgo(-6 * time.Minute)},
		{name: "no iat", wantErr: entra.ErrInvalidHint, reason: "no iat", fetches: 1, mint: minted(omit("iat"))},
		{name: "missing oid", wantErr: entra.ErrInvalidHint, reason: "no oid", fetches: 1, mint: minted(omit("oid"))},
		{name: "oid not a GUID", wantErr: entra.ErrInvalidHint, reason: "oid", fetches: 1,
			mint: minted(set(map[string]any{"oid": "meganb"}))},
		{name: "missing sub", wantErr: entra.ErrInvalidHint, reason: "no sub", fetches: 1, mint: minted(omit("sub"))},
		{name: "empty sub", wantErr: entra.ErrInvalidHint, reason: "no sub", fetches: 1, mint: minted(set(map[string]any{"sub": ""}))},
		{name: "not a JWS", wantErr: entra.ErrInvalidHint, reason: "compact",
			mint: func(*fakeentra.Authority, fakeentra.HintClaims) string { return "not-a-token" }},
		{name: "a JWE (five parts)", wantErr: entra.ErrInvalidHint, reason: "compact",
			mint: func(f *fakeentra.Authority, c fakeentra.HintClaims) string { return f.MintHint(c) + "..x" }},
		{name: "the JSON serialization", wantErr: entra.ErrInvalidHint, reason: "compact",
			mint: func(*fakeentra.Authority, fakeentra.HintClaims) string { return `{"payload":"e30","signatures":[]}` }},
		{name: "empty", wantErr: entra.ErrInvalidHint, reason: "compact",
			mint: func(*fakeentra.Authority, fakeentra.HintClaims) string { return "" }},
		{name: "too long", wantErr: entra.ErrInvalidHint, reason: "longer",
			mint: minted(set(map[string]any{"padding": strings.Repeat("x", entra.MaxHintLength)}))},
		{name: "authority down", down: true, isolated: true, wantErr: entra.ErrUnavailable, fetches: 1, mint: minted(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := shared
			if tc.isolated {
				fake = fakeentra.New(t)
			}
			// Each case has a tenant of its own, so the fake's fetch
			// count for it is the case's alone.
			tid := fakeentra.NewGUID()
			clk := clock.At(t0)
			a := newAuthority(t, fake, clk)
			p := entra.Policy{AppID: fake.AppID(), Tenants: []string{tid}}
			if tc.policy != nil {
				tc.policy(&p, tid)
			}
			raw := tc.mint(fake, fakeentra.HintClaims{IssuedAt: clk.Now(), TenantID: tid})
			fake.SetDown(tc.down)

			h, err := a.VerifyHint(context.Background(), raw, p)
			if got := fake.KeyFetches(tid) + fake.KeyFetches(foreignTenant); got != tc.fetches {
				t.Errorf("%d key set fetches, want %d", got, tc.fetches)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("err = %v, want %v naming %q", err, tc.wantErr, tc.reason)
				}
				if h != nil {
					t.Fatalf("a refused hint returned %+v", h)
				}
				other := entra.ErrUnavailable
				if tc.wantErr == entra.ErrUnavailable {
					other = entra.ErrInvalidHint
				}
				if errors.Is(err, other) {
					t.Fatalf("err = %v is also %v", err, other)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyHint: %v", err)
			}
			want := fake.Subject(fake.UserOID(), fake.AppID())
			if h.Subject != want || h.OID != fake.UserOID() || h.TenantID != tid ||
				h.PreferredUsername != "meganb@contoso.example" || h.Name != "Megan Bowen" {
				t.Fatalf("hint = %+v", h)
			}
			if d := clk.Now().Sub(h.IssuedAt); d < -5*time.Minute || d > 10*time.Minute {
				t.Fatalf("IssuedAt %v, now %v", h.IssuedAt, clk.Now())
			}
		})
	}
}

func TestVerifyHintCanonicalIDs(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	clk := clock.At(t0)
	a := newAuthority(t, fake, clk)
	// Entra writes ids in lower case; should a hint carry them in upper
	// case, the binding (tid + oid) must not change.
	upperOID := strings.ToUpper(fake.UserOID())
	h, err := a.VerifyHint(context.Background(), fake.MintHint(fakeentra.HintClaims{
		IssuedAt: clk.Now(), OID: upperOID, Subject: "s", Set: map[string]any{"upn": "meganb@contoso.example"},
	}), policyFor(fake))
	if err != nil {
		t.Fatal(err)
	}
	if h.OID != fake.UserOID() || h.TenantID != fake.TenantID() || h.UPN != "meganb@contoso.example" {
		t.Fatalf("hint = %+v, want lower-case ids", h)
	}
}

func TestVerifyHintNeedsAnApplication(t *testing.T) {
	t.Parallel()
	fake := fakeentra.New(t)
	clk := clock.At(t0)
	a := newAuthority(t, fake, clk)
	p := policyFor(fake)
	p.AppID = ""
	_, err := a.VerifyHint(context.Background(), fake.MintHint(fakeentra.HintClaims{IssuedAt: clk.Now()}), p)
	if err == nil || fake.AllKeyFetches() != 0 {
		t.Fatalf("a policy without an application: err %v, %d fetches", err, fake.AllKeyFetches())
	}
}

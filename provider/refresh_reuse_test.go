package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
)

// reuseInterval is tokens.refresh_reuse_interval's default.
const reuseInterval = 5 * time.Second

func withRefreshReuse(o *provider.Options) { o.Lifetimes.RefreshReuse = reuseInterval }

// TestParallelRefreshKeepsTheFamily: a relying party that refreshes on
// every request that finds the token due (mod_auth_openidc, oauth2-proxy)
// presents one refresh token several times at once. Within the reuse
// interval each presentation gets a valid answer, on one replica or
// spread over two, and the family lives on; after it, presenting the old
// token again is a replay and revokes the family.
func TestParallelRefreshKeepsTheFamily(t *testing.T) {
	t.Parallel()
	for _, replicas := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d replicas", replicas), func(t *testing.T) {
			var hs []*harness
			if replicas == 1 {
				hs = []*harness{newHarness(t, withRefreshReuse)}
			} else {
				a, b := twoServers(t, withRefreshReuse)
				hs = []*harness{a, b}
			}
			h := hs[0]
			h.addClient("app", appSecret)
			h.addUser("erin", erinPW, "Rex")
			nonce := "n"
			app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
			code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
			first, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
			if err != nil || first.RefreshToken == "" {
				t.Fatalf("no refresh token: %v", err)
			}
			refresh := func(h *harness, token string) (int, map[string]any) {
				return h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}, "app", appSecret)
			}

			const n = 8
			statuses, bodies := make([]int, n), make([]map[string]any, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { statuses[i], bodies[i] = refresh(hs[i%len(hs)], first.RefreshToken) })
			}
			wg.Wait()
			successors := map[string]bool{}
			for i := range n {
				if statuses[i] != http.StatusOK {
					t.Fatalf("parallel refresh %d: %d %v", i, statuses[i], bodies[i])
				}
				token, _ := bodies[i]["refresh_token"].(string)
				access, _ := bodies[i]["access_token"].(string)
				if token == "" || token == first.RefreshToken || successors[token] {
					t.Fatalf("parallel refresh %d: refresh token %q", i, token)
				}
				successors[token] = true
				if st := hs[(i+1)%len(hs)].userinfoStatus(t, access); st != http.StatusOK {
					t.Fatalf("parallel refresh %d: its access token gets %d at userinfo", i, st)
				}
			}
			// The family lives on: a successor refreshes, on either replica.
			var kept string
			for token := range successors {
				kept = token
				break
			}
			status, body := refresh(hs[len(hs)-1], kept)
			if status != http.StatusOK {
				t.Fatalf("a successor after the parallel refreshes: %d %v", status, body)
			}
			latest, _ := body["refresh_token"].(string)

			// Once the interval has passed, the first token is a replay.
			h.clock.Advance(reuseInterval + time.Second)
			if status, body := refresh(h, first.RefreshToken); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Fatalf("the first token after the interval: %d %v", status, body)
			}
			if status, _ := refresh(hs[len(hs)-1], latest); status != http.StatusBadRequest {
				t.Fatalf("the family survived a replay after the interval: %d", status)
			}
		})
	}
}

// TestRefreshReuseIsPerClient: within the interval, another client
// presenting the rotated token is refused as before.
func TestRefreshReuseIsPerClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withRefreshReuse)
	h.addClient("app", appSecret)
	h.addClient("other", "other-secret-0123456789")
	h.addUser("erin", erinPW, "Rex")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
	first, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
	if status, body := h.tokenRequest(t, form, "app", appSecret); status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, body)
	}
	if status, body := h.tokenRequest(t, form, "other", "other-secret-0123456789"); status == http.StatusOK {
		t.Fatalf("another client reused the rotated token: %d %v", status, body)
	}
}

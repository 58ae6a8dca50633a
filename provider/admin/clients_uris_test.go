package admin_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/otpgate/otpgate/provider/admin"
)

// TestClientAddRemoveURIs: single redirect and post-logout URIs are added
// and removed with the others kept, each change audited with the URIs it
// added and removed; the last redirect URI can go only when another comes
// in the same change, while post-logout URIs may all go.
func TestClientAddRemoveURIs(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if _, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "app", RedirectURIs: []string{"https://a.example/one"},
			PostLogoutURIs: []string{"https://a.example/"}}); err != nil {
			t.Fatal(err)
		}
		lists := func() ([]string, []string) {
			t.Helper()
			cl, err := e.svc.Client(e.ctx(), "app")
			if err != nil {
				t.Fatal(err)
			}
			return cl.RedirectURIs, cl.PostLogoutRedirectURIs
		}
		for _, tc := range []struct {
			name               string
			change             admin.ClientChange
			redirects, logouts []string
			event              string
		}{
			{"add two redirect URIs", admin.ClientChange{AddRedirectURIs: []string{"https://a.example/two", "https://a.example/three"}},
				[]string{"https://a.example/one", "https://a.example/two", "https://a.example/three"}, []string{"https://a.example/"},
				"redirect URIs added: https://a.example/two https://a.example/three"},
			{"remove one from the middle", admin.ClientChange{RemoveRedirectURIs: []string{"https://a.example/two"}},
				[]string{"https://a.example/one", "https://a.example/three"}, []string{"https://a.example/"},
				"redirect URIs removed: https://a.example/two"},
			{"swap the last two for a new one", admin.ClientChange{
				RemoveRedirectURIs: []string{"https://a.example/one", "https://a.example/three"},
				AddRedirectURIs:    []string{"https://a.example/new"}},
				[]string{"https://a.example/new"}, []string{"https://a.example/"},
				"redirect URIs added: https://a.example/new; redirect URIs removed: https://a.example/one https://a.example/three"},
			{"post-logout URIs, with a name", admin.ClientChange{AddPostLogoutURIs: []string{"https://a.example/bye"},
				RemovePostLogoutURIs: []string{"https://a.example/"}, Name: ptr("App")},
				[]string{"https://a.example/new"}, []string{"https://a.example/bye"},
				`post-logout URIs added: https://a.example/bye; post-logout URIs removed: https://a.example/; name set to "App"`},
			{"the last post-logout URI may go", admin.ClientChange{RemovePostLogoutURIs: []string{"https://a.example/bye"}},
				[]string{"https://a.example/new"}, []string{},
				"post-logout URIs removed: https://a.example/bye"},
		} {
			if _, err := e.svc.UpdateClient(e.ctx(), actor, "app", tc.change); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			redirects, logouts := lists()
			if !slices.Equal(redirects, tc.redirects) || !slices.Equal(logouts, tc.logouts) {
				t.Errorf("%s: redirect URIs %q, post-logout URIs %q; want %q, %q", tc.name, redirects, logouts, tc.redirects, tc.logouts)
			}
			wantClientEvent(t, e, "app", tc.event)
		}
	})
}

// TestClientURIRefusals: adding a URI the client has, removing one it
// lacks, removing its last redirect URI, a URI given twice or both added
// and removed, an added URI the rule refuses, and a whole list with single
// URIs are refused, naming the input, and change nothing.
func TestClientURIRefusals(t *testing.T) {
	e := clientsEnv(t) // "pub" has https://p.example/cb
	ctx := e.ctx()
	one := []string{"https://p.example/other"}
	for _, tc := range []struct {
		name    string
		change  admin.ClientChange
		field   string
		message string
	}{
		{"add one it has", admin.ClientChange{AddRedirectURIs: []string{"https://p.example/cb"}}, "add-redirect-uri",
			`add-redirect-uri "https://p.example/cb" is already a redirect URI of client "pub"`},
		{"remove one it lacks", admin.ClientChange{RemoveRedirectURIs: []string{"https://p.example/nope"}}, "remove-redirect-uri",
			`remove-redirect-uri "https://p.example/nope" is not a redirect URI of client "pub"`},
		{"remove the last", admin.ClientChange{RemoveRedirectURIs: []string{"https://p.example/cb"}}, "remove-redirect-uri",
			`remove-redirect-uri would leave client "pub" without a redirect URI (at least one is required); add its replacement in the same change`},
		{"remove a post-logout URI it lacks", admin.ClientChange{RemovePostLogoutURIs: []string{"https://p.example/"}},
			"remove-post-logout-redirect-uri", `remove-post-logout-redirect-uri "https://p.example/" is not a post-logout URI of client "pub"`},
		{"add twice", admin.ClientChange{AddRedirectURIs: []string{one[0], one[0]}}, "add-redirect-uri",
			`add-redirect-uri "https://p.example/other" is given twice`},
		{"remove twice", admin.ClientChange{RemovePostLogoutURIs: []string{one[0], one[0]}}, "remove-post-logout-redirect-uri",
			`remove-post-logout-redirect-uri "https://p.example/other" is given twice`},
		{"add and remove", admin.ClientChange{AddRedirectURIs: one, RemoveRedirectURIs: one}, "add-redirect-uri",
			`add-redirect-uri "https://p.example/other" is also given to remove-redirect-uri`},
		{"add a bad URI", admin.ClientChange{AddRedirectURIs: []string{"https://p.example/cb#frag"}}, "add-redirect-uri",
			`add-redirect-uri "https://p.example/cb#frag": must not have a fragment`},
		{"add a bad post-logout URI", admin.ClientChange{AddPostLogoutURIs: []string{"relative"}}, "add-post-logout-redirect-uri",
			`add-post-logout-redirect-uri "relative": must be an absolute URI`},
		{"whole list and single URIs", admin.ClientChange{RedirectURIs: &one, AddRedirectURIs: []string{"https://p.example/x"}}, "redirect-uri",
			"redirect-uri replaces the whole list and cannot go with add-redirect-uri or remove-redirect-uri"},
		{"whole post-logout list and single URIs", admin.ClientChange{PostLogoutURIs: &one, RemovePostLogoutURIs: one}, "post-logout-uri",
			"post-logout-uri replaces the whole list and cannot go with add-post-logout-redirect-uri or remove-post-logout-redirect-uri"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.events())
			_, err := e.svc.UpdateClient(ctx, actor, "pub", tc.change)
			var ie *admin.InputError
			if !errors.As(err, &ie) || ie.Field != tc.field || ie.Message != tc.message {
				t.Fatalf("got %v, want the input error %s: %s", err, tc.field, tc.message)
			}
			if len(e.events()) != before {
				t.Error("a refused change wrote an audit event")
			}
			cl, err := e.svc.Client(ctx, "pub")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cl.RedirectURIs, []string{"https://p.example/cb"}) || len(cl.PostLogoutRedirectURIs) != 0 {
				t.Errorf("a refused change left %q, %q", cl.RedirectURIs, cl.PostLogoutRedirectURIs)
			}
		})
	}
	// A client of the configuration file is changed there, single URIs too.
	if _, err := e.svc.UpdateClient(ctx, actor, "cfg", admin.ClientChange{AddRedirectURIs: one}); !errors.Is(err, admin.ErrClientFromConfig) {
		t.Errorf("adding to a client of the configuration file: %v", err)
	}
	if _, err := e.svc.UpdateClient(ctx, actor, "ghost", admin.ClientChange{AddRedirectURIs: one}); !errors.Is(err, admin.ErrClientNotFound) {
		t.Errorf("adding to an unknown client: %v", err)
	}
}

// TestClientURIsRacingAdministrators: administrators adding URIs to one
// client at the same time all succeed, every URI is kept and every change
// is audited once.
func TestClientURIsRacingAdministrators(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		const n = 12
		if _, err := e.svc.AddClient(e.ctx(), actor, admin.NewClient{ID: "app", Public: true,
			RedirectURIs: []string{"https://a.example/0"}}); err != nil {
			t.Fatal(err)
		}
		before := len(e.events())
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = e.svc.UpdateClient(e.ctx(), actor, "app",
					admin.ClientChange{AddRedirectURIs: []string{fmt.Sprintf("https://a.example/%d", i+1)}})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("administrator %d: %v", i, err)
			}
		}
		cl, err := e.svc.Client(e.ctx(), "app")
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(cl.RedirectURIs))
		want := []string{"https://a.example/0"}
		for i := range n {
			want = append(want, fmt.Sprintf("https://a.example/%d", i+1))
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("redirect URIs %q, want %q", got, want)
		}
		if events := len(e.events()) - before; events != n {
			t.Errorf("%d audit events, want %d", events, n)
		}
	})
}

func ptr[T any](v T) *T { return &v }

package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var clientCases = []testCase{
	{"Clients/CreateAndLookup", testClientCreate},
	{"Clients/Duplicate", testClientDuplicate},
	{"Clients/ListOrder", testClientList},
	{"Clients/Update", testClientUpdate},
	{"Clients/Edit", testClientEdit},
	{"Clients/SaveUpserts", testClientSave},
	{"Clients/DeleteRevokesTokens", testClientDelete},
	{"Clients/StringListRoundTrip", testStringListRoundTrip},
	{"Clients/IDTokenAlgorithm", testClientIDTokenAlg},
}

// testClientIDTokenAlg: a client's ID token algorithm is stored, changed
// and cleared through every write path; a client without one reads "".
func testClientIDTokenAlg(t *testing.T, s *store.Store, _ *clock) {
	alg := func(id string) string {
		t.Helper()
		c, err := s.ClientByID(ctx(t), id)
		must(t, err, "ClientByID "+id)
		return c.IDTokenSignedResponseAlg
	}
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "plain"}), "CreateClient plain")
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "ec", IDTokenSignedResponseAlg: "ES256"}), "CreateClient ec")
	if got := alg("plain"); got != "" {
		t.Fatalf("a client created without an algorithm reads %q, want \"\"", got)
	}
	if got := alg("ec"); got != "ES256" {
		t.Fatalf("created with ES256, reads %q", got)
	}
	ed := "EdDSA"
	must(t, s.UpdateClient(ctx(t), "ec", store.ClientUpdate{IDTokenSignedResponseAlg: &ed}), "UpdateClient")
	if got := alg("ec"); got != "EdDSA" {
		t.Fatalf("updated to EdDSA, reads %q", got)
	}
	if got := alg("plain"); got != "" {
		t.Fatalf("an update of another client changed this one to %q", got)
	}
	none := ""
	must(t, s.UpdateClient(ctx(t), "ec", store.ClientUpdate{IDTokenSignedResponseAlg: &none}), "UpdateClient to the default")
	if got := alg("ec"); got != "" {
		t.Fatalf("set back to the default, reads %q", got)
	}
	must(t, s.SaveClient(ctx(t), &store.Client{ID: "cfg", FromConfig: true, IDTokenSignedResponseAlg: "EdDSA"}), "SaveClient")
	must(t, s.SaveClient(ctx(t), &store.Client{ID: "cfg", FromConfig: true, IDTokenSignedResponseAlg: "ES256"}), "SaveClient again")
	if got := alg("cfg"); got != "ES256" {
		t.Fatalf("saved with ES256, reads %q", got)
	}
}

func testClientCreate(t *testing.T, s *store.Store, _ *clock) {
	c := &store.Client{ID: "app", Name: "App", SecretHash: "secret-hash",
		RedirectURIs:           store.StringList{"https://app.example/cb", "http://127.0.0.1:8080/cb"},
		PostLogoutRedirectURIs: store.StringList{"https://app.example/"}, RequireMFA: true}
	must(t, s.CreateClient(ctx(t), c), "CreateClient")
	got, err := s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID")
	if got.Name != "App" || got.SecretHash != "secret-hash" || got.Public || !got.RequireMFA || got.FromConfig {
		t.Fatalf("ClientByID = %+v, want the fields of %+v", got, c)
	}
	wantList(t, got.RedirectURIs, c.RedirectURIs, "redirect URIs")
	wantList(t, got.PostLogoutRedirectURIs, c.PostLogoutRedirectURIs, "post-logout redirect URIs")
	_, err = s.ClientByID(ctx(t), "other")
	wantErr(t, err, store.ErrNotFound, "ClientByID of unknown id")
}

func testClientDuplicate(t *testing.T, s *store.Store, _ *clock) {
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "app", Name: "first"}), "CreateClient")
	err := s.CreateClient(ctx(t), &store.Client{ID: "app", Name: "second"})
	wantErr(t, err, store.ErrConflict, "CreateClient with taken id")
	got, err := s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID")
	if got.Name != "first" {
		t.Fatalf("a refused duplicate changed the client: name %q", got.Name)
	}
}

func testClientList(t *testing.T, s *store.Store, _ *clock) {
	for _, id := range []string{"web", "cli", "mobile", "api"} {
		must(t, s.CreateClient(ctx(t), &store.Client{ID: id}), "CreateClient "+id)
	}
	clients, err := s.ListClients(ctx(t))
	must(t, err, "ListClients")
	var ids []string
	for _, c := range clients {
		ids = append(ids, c.ID)
	}
	wantList(t, ids, []string{"api", "cli", "mobile", "web"}, "ListClients order")
}

func testClientUpdate(t *testing.T, s *store.Store, _ *clock) {
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "app", Name: "App", RequireMFA: true, SecretHash: "old-hash",
		RedirectURIs: store.StringList{"https://a.example/cb"}, PostLogoutRedirectURIs: store.StringList{"https://a.example/"}}), "CreateClient")
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "other", Name: "Other", RequireMFA: true}), "CreateClient")
	off := false
	uris := store.StringList{"https://b.example/cb", "https://c.example/cb"}
	must(t, s.UpdateClient(ctx(t), "app", store.ClientUpdate{RequireMFA: &off, RedirectURIs: &uris}), "UpdateClient")
	got, err := s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID")
	if got.RequireMFA || got.Name != "App" || got.SecretHash != "old-hash" {
		t.Fatalf("after UpdateClient got %+v", got)
	}
	wantList(t, got.RedirectURIs, []string{"https://b.example/cb", "https://c.example/cb"}, "updated redirect URIs")
	wantList(t, got.PostLogoutRedirectURIs, []string{"https://a.example/"}, "untouched post-logout URIs")

	name, secret := "Renamed", "new-hash"
	var none store.StringList
	must(t, s.UpdateClient(ctx(t), "app", store.ClientUpdate{Name: &name, SecretHash: &secret, PostLogoutRedirectURIs: &none}),
		"UpdateClient name, secret, no post-logout URIs")
	got, err = s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID")
	if got.Name != "Renamed" || got.SecretHash != "new-hash" || got.RequireMFA {
		t.Fatalf("after the second UpdateClient got %+v", got)
	}
	wantList(t, got.PostLogoutRedirectURIs, nil, "emptied post-logout URIs")
	wantList(t, got.RedirectURIs, uris, "redirect URIs kept")
	must(t, s.UpdateClient(ctx(t), "app", store.ClientUpdate{}), "empty UpdateClient of an existing client")

	other, err := s.ClientByID(ctx(t), "other")
	must(t, err, "ClientByID other")
	if !other.RequireMFA || other.Name != "Other" {
		t.Fatalf("UpdateClient(app) changed another client")
	}
	err = s.UpdateClient(ctx(t), "nobody", store.ClientUpdate{Name: &name})
	wantErr(t, err, store.ErrNotFound, "UpdateClient of unknown id")
	err = s.UpdateClient(ctx(t), "nobody", store.ClientUpdate{})
	wantErr(t, err, store.ErrNotFound, "empty UpdateClient of unknown id")
}

// testClientEdit: an edit sees the stored client and applies the update
// it returns; an edit that fails writes nothing and its error comes back
// as is; an unknown client is ErrNotFound without calling the edit.
func testClientEdit(t *testing.T, s *store.Store, _ *clock) {
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "app", Name: "App",
		RedirectURIs: store.StringList{"https://a.example/cb"}}), "CreateClient")
	// Read once, so that the edit must not see a cached row.
	_, err := s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID")
	must(t, s.EditClient(ctx(t), "app", func(c *store.Client) (store.ClientUpdate, error) {
		uris := append(store.StringList{}, c.RedirectURIs...)
		uris = append(uris, "https://b.example/cb")
		return store.ClientUpdate{RedirectURIs: &uris}, nil
	}), "EditClient")
	got, err := s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID after EditClient")
	wantList(t, got.RedirectURIs, []string{"https://a.example/cb", "https://b.example/cb"}, "edited redirect URIs")
	if got.Name != "App" {
		t.Fatalf("EditClient changed the name to %q", got.Name)
	}

	refused := errors.New("refused")
	err = s.EditClient(ctx(t), "app", func(c *store.Client) (store.ClientUpdate, error) {
		name := "Changed"
		return store.ClientUpdate{Name: &name}, refused
	})
	if err != refused {
		t.Fatalf("EditClient returned %v, want the edit's own error", err)
	}
	if got, _ := s.ClientByID(ctx(t), "app"); got.Name != "App" {
		t.Fatalf("a refused edit wrote the name %q", got.Name)
	}
	must(t, s.EditClient(ctx(t), "app", func(*store.Client) (store.ClientUpdate, error) { return store.ClientUpdate{}, nil }),
		"empty EditClient")

	called := false
	err = s.EditClient(ctx(t), "nobody", func(*store.Client) (store.ClientUpdate, error) {
		called = true
		return store.ClientUpdate{}, nil
	})
	wantErr(t, err, store.ErrNotFound, "EditClient of unknown id")
	if called {
		t.Fatal("EditClient called the edit for an unknown client")
	}
	wantErr(t, s.EditClient(ctx(t), "bad\x00id", func(*store.Client) (store.ClientUpdate, error) { return store.ClientUpdate{}, nil }),
		store.ErrNotFound, "EditClient of an id no row can have")
}

func testClientSave(t *testing.T, s *store.Store, _ *clock) {
	must(t, s.SaveClient(ctx(t), &store.Client{ID: "cfg", Name: "v1", FromConfig: true, RequireMFA: true,
		RedirectURIs: store.StringList{"https://v1.example/cb"}}), "SaveClient insert")
	got, err := s.ClientByID(ctx(t), "cfg")
	must(t, err, "ClientByID after insert")
	if got.Name != "v1" || !got.FromConfig || !got.RequireMFA {
		t.Fatalf("after SaveClient insert got %+v", got)
	}
	must(t, s.SaveClient(ctx(t), &store.Client{ID: "cfg", Name: "v2", FromConfig: true, Public: true,
		RedirectURIs: store.StringList{"https://v2.example/cb"}}), "SaveClient replace")
	got, err = s.ClientByID(ctx(t), "cfg")
	must(t, err, "ClientByID after replace")
	if got.Name != "v2" || !got.Public || got.RequireMFA || !got.FromConfig {
		t.Fatalf("after SaveClient replace got %+v", got)
	}
	wantList(t, got.RedirectURIs, []string{"https://v2.example/cb"}, "replaced redirect URIs")
	clients, err := s.ListClients(ctx(t))
	must(t, err, "ListClients")
	if len(clients) != 1 {
		t.Fatalf("SaveClient twice left %d clients, want 1", len(clients))
	}
}

func testClientDelete(t *testing.T, s *store.Store, c *clock) {
	must(t, s.CreateClient(ctx(t), &store.Client{ID: testClient}), "CreateClient")
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "client-b"}), "CreateClient")
	newUser(t, s, "u1", "judy")
	codeFlow(t, s, "f1", "u1")
	mine := tokens(s, "f1", "u1", "fam1", "1")
	must(t, s.IssueFromCode(ctx(t), "f1", mine), "issue")
	codeFlow(t, s, "f2", "u1")
	theirs := tokens(s, "f2", "u1", "fam2", "2")
	theirs.Access.ClientID, theirs.Refresh.ClientID = "client-b", "client-b"
	must(t, s.IssueFromCode(ctx(t), "f2", theirs), "issue other client")

	c.Advance(time.Second)
	must(t, s.DeleteClient(ctx(t), testClient), "DeleteClient")
	_, err := s.ClientByID(ctx(t), testClient)
	wantErr(t, err, store.ErrNotFound, "ClientByID after DeleteClient")
	wantRevoked(t, s, mine, "tokens of the deleted client")
	wantLive(t, s, theirs, "tokens of another client")
	wantErr(t, s.DeleteClient(ctx(t), testClient), store.ErrNotFound, "DeleteClient twice")
}

func testStringListRoundTrip(t *testing.T, s *store.Store, _ *clock) {
	lists := map[string]store.StringList{
		"nil":     nil,
		"empty":   {},
		"one":     {"https://app.example/cb"},
		"blank":   {""},
		"unicode": {"https://例え.jp/コールバック", "ログイン", "Ünïcödé", "🔐", "全角　スペース"},
		"escapes": {`quote " and \ backslash`, "comma, [bracket]", "<tag>&amp;", "tab\tnewline\n", "null"},
	}
	for name, list := range lists {
		c := &store.Client{ID: "c-" + name, RedirectURIs: list, PostLogoutRedirectURIs: list}
		must(t, s.CreateClient(ctx(t), c), "CreateClient "+name)
	}
	for name, list := range lists {
		got, err := s.ClientByID(ctx(t), "c-"+name)
		must(t, err, "ClientByID "+name)
		wantList(t, got.RedirectURIs, list, name+" list round trip")
		wantList(t, got.PostLogoutRedirectURIs, list, name+" list round trip")
	}
}

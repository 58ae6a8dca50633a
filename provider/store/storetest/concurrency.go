package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
)

var concurrencyCases = []testCase{
	{"Concurrency/IssueFromCodeOnce", testRaceIssueFromCode},
	{"Concurrency/RotateRefreshTokenOnce", testRaceRotate},
	{"Concurrency/RotateWithinReuseInterval", testRaceRotateWithinReuse},
	{"Concurrency/BindFlowOnce", testRaceBindFlow},
	{"Concurrency/CreateUserUnique", testRaceCreateUser},
	{"Concurrency/AddSigningKeyOneActive", testRaceAddSigningKey},
	{"Concurrency/EditClientNoneLost", testRaceEditClient},
}

// testRaceEditClient: edits that each add one redirect URI to the same
// client, racing, all succeed and all their URIs are kept: each edit saw
// the list the one before it wrote.
func testRaceEditClient(t *testing.T, s *store.Store, _ *clock) {
	const n = 20
	must(t, s.CreateClient(ctx(t), &store.Client{ID: "app", RedirectURIs: store.StringList{"https://a.example/0"}}), "CreateClient")
	errs := race(n, func(i int) error {
		return s.EditClient(ctx(t), "app", func(c *store.Client) (store.ClientUpdate, error) {
			uris := append(store.StringList{}, c.RedirectURIs...)
			uris = append(uris, fmt.Sprintf("https://a.example/%d", i+1))
			return store.ClientUpdate{RedirectURIs: &uris}, nil
		})
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d edits succeeded", ok, n)
	}
	c, err := s.ClientByID(ctx(t), "app")
	must(t, err, "ClientByID")
	want := []string{"https://a.example/0"}
	for i := range n {
		want = append(want, fmt.Sprintf("https://a.example/%d", i+1))
	}
	got := slices.Clone([]string(c.RedirectURIs))
	slices.Sort(got)
	slices.Sort(want)
	wantList(t, got, want, "redirect URIs after racing edits")
}

// race runs fn(i) for i in [0, n) on n goroutines released together and
// returns the errors by index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts nil results and results matching want; any other error
// fails the test.
func tally(t *testing.T, errs []error, want error) (ok, matched int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, want):
			matched++
		default:
			t.Errorf("goroutine %d: unexpected error: %v", i, err)
		}
	}
	return ok, matched
}

func testRaceIssueFromCode(t *testing.T, s *store.Store, _ *clock) {
	const n = 10
	codeFlow(t, s, "f1", "u1")
	sets := make([]store.TokenSet, n)
	for i := range sets {
		sets[i] = tokens(s, "f1", "u1", fmt.Sprintf("fam%d", i), fmt.Sprint(i))
	}
	errs := race(n, func(i int) error { return s.IssueFromCode(ctx(t), "f1", sets[i]) })
	ok, used := tally(t, errs, store.ErrAlreadyUsed)
	if ok != 1 || used != n-1 {
		t.Fatalf("%d concurrent redemptions of one code: %d succeeded, %d got ErrAlreadyUsed; want 1 and %d", n, ok, used, n-1)
	}
	// Exactly the winner's refresh token was stored, and the replays revoked it.
	stored := 0
	for i, set := range sets {
		row, err := s.RefreshTokenRowByID(ctx(t), set.Refresh.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		must(t, err, "RefreshTokenRowByID")
		stored++
		if errs[i] != nil {
			t.Errorf("goroutine %d lost but its refresh token was stored", i)
		}
		if row.RevokedAt == nil {
			t.Errorf("the winner's refresh token is not revoked after %d replays", n-1)
		}
		if _, err := s.AccessTokenByID(ctx(t), set.Access.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the winner's access token: got %v, want ErrNotFound", err)
		}
	}
	if stored != 1 {
		t.Fatalf("%d refresh tokens stored for one code, want 1", stored)
	}
}

func testRaceRotate(t *testing.T, s *store.Store, _ *clock) {
	const n = 10
	first := issued(t, s, "g1")
	sets := make([]store.TokenSet, n)
	for i := range sets {
		sets[i] = tokens(s, "g1", "u1", "fam-g1", fmt.Sprintf("next%d", i))
	}
	errs := race(n, func(i int) error { return s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, sets[i], 0) })
	ok, used := tally(t, errs, store.ErrAlreadyUsed)
	if ok != 1 || used != n-1 {
		t.Fatalf("%d concurrent rotations of one token: %d succeeded, %d got ErrAlreadyUsed; want 1 and %d", n, ok, used, n-1)
	}
	stored := 0
	for i, set := range sets {
		row, err := s.RefreshTokenRowByID(ctx(t), set.Refresh.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		must(t, err, "RefreshTokenRowByID")
		stored++
		if errs[i] != nil {
			t.Errorf("goroutine %d lost but its successor was stored", i)
		}
		if row.RevokedAt == nil {
			t.Errorf("the winner's successor is not revoked although reuse was detected")
		}
		if _, err := s.AccessTokenByID(ctx(t), set.Access.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the winner's access token: got %v, want ErrNotFound", err)
		}
	}
	if stored != 1 {
		t.Fatalf("%d successors stored, want 1", stored)
	}
	if _, err := s.AccessTokenByID(ctx(t), first.Access.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the family's first access token: got %v, want ErrNotFound", err)
	}
}

func testRaceBindFlow(t *testing.T, s *store.Store, _ *clock) {
	const n = 20
	newFlow(t, s, "f1")
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = hashOf(fmt.Sprintf("browser-%d", i))
	}
	var bound atomic.Int64
	errs := race(n, func(i int) error {
		did, err := s.BindFlow(ctx(t), "f1", hashes[i])
		if did {
			bound.Add(1)
		}
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d concurrent BindFlow calls succeeded", ok, n)
	}
	if bound.Load() != 1 {
		t.Fatalf("%d concurrent BindFlow calls report binding the flow, want exactly 1", bound.Load())
	}
	got, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if !slices.Contains(hashes, got.BrowserHash) {
		t.Fatalf("flow bound to %q, which is none of the %d browsers", got.BrowserHash, n)
	}
	// The binding never moves afterwards.
	if did, err := s.BindFlow(ctx(t), "f1", hashOf("late")); err != nil || did {
		t.Fatalf("a late BindFlow: bound %v, %v; want nothing bound", did, err)
	}
	again, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if again.BrowserHash != got.BrowserHash {
		t.Fatalf("binding moved from %q to %q", got.BrowserHash, again.BrowserHash)
	}
}

func testRaceCreateUser(t *testing.T, s *store.Store, _ *clock) {
	const distinct, same = 16, 8
	spellings := []string{"shared", "SHARED", "Shared", "sHaReD"}
	errs := race(distinct+same, func(i int) error {
		u := &store.User{ID: fmt.Sprintf("u%02d", i), PasswordHash: "x"}
		if i < distinct {
			u.Username = fmt.Sprintf("user%02d", i)
		} else {
			u.Username = spellings[i%len(spellings)]
		}
		return s.CreateUser(ctx(t), u)
	})
	ok, conflicts := tally(t, errs[:distinct], store.ErrConflict)
	if ok != distinct {
		t.Fatalf("%d of %d users with distinct names were created (%d conflicts)", ok, distinct, conflicts)
	}
	ok, conflicts = tally(t, errs[distinct:], store.ErrConflict)
	if ok != 1 || conflicts != same-1 {
		t.Fatalf("%d concurrent creations of one name: %d succeeded, %d got ErrConflict; want 1 and %d", same, ok, conflicts, same-1)
	}
	users, err := s.ListUsers(ctx(t))
	must(t, err, "ListUsers")
	if len(users) != distinct+1 {
		t.Fatalf("%d users stored, want %d", len(users), distinct+1)
	}
}

func testRaceAddSigningKey(t *testing.T, s *store.Store, _ *clock) {
	const n = 8
	addKey(t, s, "k0")
	errs := race(n, func(i int) error {
		return s.AddSigningKeys(ctx(t), &store.SigningKey{ID: fmt.Sprintf("k%d", i+1), Algorithm: "RS256",
			PrivateKey: []byte("sealed"), CreatedAt: s.Now()})
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d concurrent AddSigningKey calls succeeded", ok, n)
	}
	keys, err := s.SigningKeys(ctx(t))
	must(t, err, "SigningKeys")
	var active []string
	for _, k := range keys {
		if k.RetiredAt == nil {
			active = append(active, k.ID)
		}
	}
	if len(keys) != n+1 || len(active) != 1 {
		t.Fatalf("after %d concurrent rotations: %d keys, active %q; want %d keys and exactly one active", n, len(keys), active, n+1)
	}
}

// testRaceRotateWithinReuse: a relying party that refreshes on several
// requests at once presents one token n times: with a reuse interval
// every presentation gets its own successor and nothing is revoked.
func testRaceRotateWithinReuse(t *testing.T, s *store.Store, _ *clock) {
	const n = 8
	first := issued(t, s, "g1")
	sets := make([]store.TokenSet, n)
	for i := range sets {
		sets[i] = tokens(s, "g1", "u1", "fam-g1", fmt.Sprintf("next%d", i))
	}
	errs := race(n, func(i int) error { return s.RotateRefreshToken(ctx(t), first.Refresh.TokenHash, sets[i], reuse) })
	for i, err := range errs {
		must(t, err, fmt.Sprintf("concurrent rotation %d within the interval", i))
	}
	for i, set := range sets {
		wantLive(t, s, set, fmt.Sprintf("successor %d", i))
	}
}

package provider_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/otpgate/otpgate/internal/testkit/clock"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

// twoServers starts two providers, each with its own connection pool, on
// one database (a PostgreSQL schema when OTPGATE_TEST_POSTGRES_DSN is set,
// else one SQLite file) and one encryption key: two replicas.
func twoServers(t *testing.T, edit ...func(*provider.Options)) (*harness, *harness) {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, _ := credential.NewSealer(key)
	return twoServersSealed(t, sealer, sealer, edit...)
}

// twoServersSealed is twoServers with a sealer (keyring) per replica.
func twoServersSealed(t *testing.T, sealA, sealB *credential.Sealer, edit ...func(*provider.Options)) (*harness, *harness) {
	t.Helper()
	driver, dsn := "sqlite", filepath.Join(t.TempDir(), "shared.db")
	if pg := os.Getenv("OTPGATE_TEST_POSTGRES_DSN"); pg != "" {
		driver, dsn = "postgres", storetest.PostgresSchema(t, pg)
	}
	open := func() *store.Store {
		st, err := store.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	}
	shared := clock.New()
	a := newHarnessOn(t, open(), shared, append(edit, func(o *provider.Options) { o.Sealer = sealA })...)
	b := newHarnessOn(t, open(), shared, append(edit, func(o *provider.Options) { o.Sealer = sealB })...)
	return a, b
}

// TestReplicasShareLockoutCounters alternates wrong passcodes between two
// replicas: the account locks at exactly the threshold, on both.
func TestReplicasShareLockoutCounters(t *testing.T) {
	t.Parallel()
	a, b := twoServers(t)
	a.addClient("app", appSecret)
	a.addUser("erin", erinPW, "rex")
	erin, _ := a.store.UserByUsername(context.Background(), "erin")
	a.requireMFA(erin)
	nonce := "n"
	appA := a.relyingParty("app", appSecret, &nonce)
	appB := b.relyingParty("app", appSecret, &nonce)
	// Enrol through replica A.
	br := newBrowser(t)
	p, secret := a.enroll(br, br.toSecondFactor(authURL(appA, nonce, ""), "erin", erinPW, "rex"))
	p.code(t)
	// One sign-in on each replica, both at the passcode step.
	onA, onB := newBrowser(t), newBrowser(t)
	pa := onA.toSecondFactor(authURL(appA, nonce, ""), "erin", erinPW, "rex")
	pb := onB.toSecondFactor(authURL(appB, nonce, ""), "erin", erinPW, "rex")
	if pa.Step() != "otp" || pb.Step() != "otp" {
		t.Fatalf("steps %q %q", pa.Step(), pb.Step())
	}
	for i := range 4 {
		if i%2 == 0 {
			pa = onA.submit(pa, map[string]string{"code": a.wrongCode(t, secret)})
		} else {
			pb = onB.submit(pb, map[string]string{"code": b.wrongCode(t, secret)})
		}
	}
	if pa.Step() != "otp" || pb.Step() != "otp" {
		t.Fatalf("locked too early: %q %q", pa.Step(), pb.Step())
	}
	pb = onB.submit(pb, map[string]string{"code": b.wrongCode(t, secret)})
	if pb.Step() != "locked" || pb.Status != http.StatusForbidden {
		t.Fatalf("fifth failure on replica B: step %q", pb.Step())
	}
	// Replica A sees the lock too.
	if pa = onA.submit(pa, map[string]string{"code": a.passcode(t, secret)}); pa.Step() != "locked" {
		t.Fatalf("replica A after the lock: step %q", pa.Step())
	}
	u, _ := a.store.UserByID(context.Background(), erin.ID)
	if u.OTPFailures != 5 || !u.OTPLocked {
		t.Fatalf("shared counters: failures %d locked %v", u.OTPFailures, u.OTPLocked)
	}
}

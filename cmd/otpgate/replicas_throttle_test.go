//go:build linux

package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// TestReplicasKnownBrowserBudget: the device-cookie budget across two
// replicas of the real binary on one PostgreSQL. A stranger's wrong
// passwords on replica A lock unknown browsers, and that lock holds on
// replica B, even for the right password; the owner's browser, known
// since its sign-in on replica B, still signs in on either replica
// (issue 10, finding 3).
func TestReplicasKnownBrowserBudget(t *testing.T) {
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	f := fleet.New(t, fleet.PostgresDatabase(t, pg), 2)
	f.StartAll()
	A, B := f.Replicas[0].Base, f.Replicas[1].Base
	app := f.AddClient("app")
	st := f.OpenStore()
	hal := f.AddUser(st, "hal", false)

	owner := fleet.NewBrowser()
	p, err := fleet.FirstFactor(owner, func() string { return B }, fleet.NewAuth(f.Issuer, app, "openid"), hal)
	if err != nil || !p.ToRP() {
		t.Fatalf("the owner's first sign-in on B: %v %s", err, p.Describe())
	}

	stranger := fleet.NewBrowser()
	p, err = stranger.On(A).Get(fleet.NewAuth(f.Issuer, app, "openid").URL)
	if err != nil || p.Step() != "password" {
		t.Fatalf("the stranger's sign-in on A: %v", err)
	}
	for i := range 12 {
		if p, err = stranger.On(A).Submit(p, map[string]string{"username": "hal", "password": fmt.Sprint("wrong-password-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if p.Status != http.StatusTooManyRequests || p.Step() != "password" {
		t.Fatalf("the stranger on A after 12 wrong passwords: %s", p.Describe())
	}
	// The lock from A holds on B for an unknown browser, right password or not.
	p, err = stranger.On(B).Submit(p, map[string]string{"username": "hal", "password": hal.Password})
	if err != nil || p.Status != http.StatusTooManyRequests {
		t.Fatalf("the stranger on B with the right password: %v %s", err, p.Describe())
	}
	// The owner's known browser signs in on both replicas.
	for _, base := range []string{B, A} {
		a := fleet.NewAuth(f.Issuer, app, "openid")
		a.URL += "&prompt=login"
		p, err := fleet.FirstFactor(owner, func() string { return base }, a, hal)
		if err != nil || !p.ToRP() {
			t.Fatalf("the owner's known browser on %s while strangers are locked: %v %s", base, err, p.Describe())
		}
	}
}

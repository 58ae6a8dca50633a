package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

var deviceCases = []testCase{
	{"Devices/EnrollOnce", testEnrollOnce},
	{"Devices/AdvanceStepOnlyIncreases", testAdvanceStep},
	{"Devices/SetSecret", testSetDeviceSecret},
	{"Concurrency/AdvanceStepOnce", testRaceAdvanceStep},
	{"Concurrency/EnrollDeviceOnce", testRaceEnrollDevice},
}

// pendingFlow is a flow in the middle of an enrollment.
func pendingFlow(t *testing.T, s *store.Store, id string) {
	t.Helper()
	newFlow(t, s, id)
	must(t, s.OfferSecret(ctx(t), id, []byte("sealed pending secret"), s.Now().Add(10*time.Minute)), "OfferSecret")
}

func enrollment(flowID, userID, deviceID string, step int64) store.Enrollment {
	return store.Enrollment{FlowID: flowID, CodeHashes: []string{"hash-a", "hash-b"}, SealedCodes: []byte("sealed codes"),
		Device: &store.Device{ID: deviceID, UserID: userID, App: "authy", Secret: []byte("sealed " + deviceID), LastStep: step}}
}

func testEnrollOnce(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	_, err := s.DeviceByUser(ctx(t), "u1")
	wantErr(t, err, store.ErrNotFound, "DeviceByUser before enrollment")
	pendingFlow(t, s, "f1")
	must(t, s.EnrollDevice(ctx(t), enrollment("f1", "u1", "d1", 100)), "EnrollDevice")
	d, err := s.DeviceByUser(ctx(t), "u1")
	must(t, err, "DeviceByUser")
	if d.ID != "d1" || d.LastStep != 100 || d.App != "authy" || string(d.Secret) != "sealed d1" {
		t.Fatalf("device = %+v", d)
	}
	f, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if f.EnrolledAt == nil || f.OTPAt == nil || f.PendingSecret != nil || string(f.PendingCodes) != "sealed codes" {
		t.Fatalf("flow after enrollment: enrolled %v otp %v pending %q codes %q", f.EnrolledAt, f.OTPAt, f.PendingSecret, f.PendingCodes)
	}
	if n, err := s.CountRecoveryCodes(ctx(t), "u1"); n != 2 || err != nil {
		t.Fatalf("CountRecoveryCodes = %d, %v", n, err)
	}
	// The same flow cannot enrol again; another flow cannot give the user a second device.
	wantErr(t, s.EnrollDevice(ctx(t), enrollment("f1", "u1", "d2", 200)), store.ErrStale, "EnrollDevice on an enrolled flow")
	pendingFlow(t, s, "f2")
	wantErr(t, s.EnrollDevice(ctx(t), enrollment("f2", "u1", "d3", 200)), store.ErrConflict, "second device for a user")
	f2, _ := s.FlowByID(ctx(t), "f2")
	if f2.EnrolledAt != nil {
		t.Fatal("a refused enrollment marked its flow enrolled")
	}
	// A flow without a pending secret cannot enrol.
	newUser(t, s, "u2", "bob")
	newFlow(t, s, "f3")
	wantErr(t, s.EnrollDevice(ctx(t), enrollment("f3", "u2", "d4", 1)), store.ErrStale, "EnrollDevice without a pending secret")
}

func testAdvanceStep(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	pendingFlow(t, s, "f1")
	must(t, s.EnrollDevice(ctx(t), enrollment("f1", "u1", "d1", 100)), "EnrollDevice")
	for _, tc := range []struct {
		step int64
		want bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {100, false}, {103, true}, {102, false}} {
		ok, err := s.AdvanceStep(ctx(t), "d1", tc.step)
		must(t, err, "AdvanceStep")
		if ok != tc.want {
			t.Fatalf("AdvanceStep(%d) = %v, want %v", tc.step, ok, tc.want)
		}
	}
	d, _ := s.DeviceByUser(ctx(t), "u1")
	if d.LastStep != 103 || d.LastUsedAt == nil || !d.LastUsedAt.Equal(c.Now()) {
		t.Fatalf("device after steps: last step %d last used %v", d.LastStep, d.LastUsedAt)
	}
	if ok, err := s.AdvanceStep(ctx(t), "no-such-device", 1000); ok || err != nil {
		t.Fatalf("AdvanceStep of an unknown device = %v, %v", ok, err)
	}
}

func testSetDeviceSecret(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	pendingFlow(t, s, "f1")
	must(t, s.EnrollDevice(ctx(t), enrollment("f1", "u1", "d1", 1)), "EnrollDevice")
	must(t, s.SetDeviceSecret(ctx(t), "d1", []byte("resealed")), "SetDeviceSecret")
	d, _ := s.DeviceByUser(ctx(t), "u1")
	if string(d.Secret) != "resealed" {
		t.Fatalf("secret = %q", d.Secret)
	}
	wantErr(t, s.SetDeviceSecret(ctx(t), "nope", []byte("x")), store.ErrNotFound, "SetDeviceSecret of an unknown device")
}

// testRaceAdvanceStep: 20 requests present the same code (the same step)
// at once; exactly one is accepted.
func testRaceAdvanceStep(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	pendingFlow(t, s, "f1")
	must(t, s.EnrollDevice(ctx(t), enrollment("f1", "u1", "d1", 100)), "EnrollDevice")
	errNotAccepted := errors.New("not accepted")
	errs := race(20, func(int) error {
		ok, err := s.AdvanceStep(ctx(t), "d1", 101)
		if err == nil && !ok {
			return errNotAccepted
		}
		return err
	})
	if ok, lost := tally(t, errs, errNotAccepted); ok != 1 || lost != 19 {
		t.Fatalf("%d accepted, %d refused; want 1 and 19", ok, lost)
	}
}

// testRaceEnrollDevice: the same verification submitted many times at once
// enrols exactly one device.
func testRaceEnrollDevice(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	for i := range 10 {
		pendingFlow(t, s, fmt.Sprint("f", i))
	}
	errs := race(10, func(i int) error {
		err := s.EnrollDevice(ctx(t), enrollment(fmt.Sprint("f", i%2), "u1", fmt.Sprint("d", i), 5))
		if errors.Is(err, store.ErrStale) {
			return store.ErrConflict
		}
		return err
	})
	if ok, refused := tally(t, errs, store.ErrConflict); ok != 1 || refused != 9 {
		t.Fatalf("%d enrolled, %d refused; want 1 and 9", ok, refused)
	}
}

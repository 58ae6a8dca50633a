package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/net/html"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// wrongCode is a well-formed passcode that is not the current one.
func (h *harness) wrongCode(t testing.TB, secret []byte) string {
	return fmt.Sprintf("%06d", (atoi(h.passcode(t, secret))+500000)%1000000)
}

// TestPasscodeLockoutAdminResetAndProof: five wrong passcodes lock the
// account (shown only after a correct password and answer, even with a
// right passcode afterwards); an administrator's reset issues a proof; the
// user enrols again with it and signs in.
func TestPasscodeLockoutAdminResetAndProof(t *testing.T) {
	t.Parallel()
	h, clock, secret := enrolled(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	for i := range 4 {
		p = b.submit(p, map[string]string{"code": h.wrongCode(t, secret)})
		if p.Step() != "otp" || p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong passcode %d: step %q status %d", i+1, p.Step(), p.Status)
		}
		// A counted retry: the person sees how many tries are left.
		if want := fmt.Sprintf("locked: %d.", 4-i); !strings.Contains(p.Alert(), want) {
			t.Fatalf("wrong passcode %d: alert %q does not say %q", i+1, p.Alert(), want)
		}
	}
	p = b.submit(p, map[string]string{"code": h.wrongCode(t, secret)})
	if p.Step() != "locked" || p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "too many failed passcode") {
		t.Fatalf("fifth wrong passcode: step %q status %d alert %q", p.Step(), p.Status, p.Alert())
	}
	// Locked: a stranger's wrong password reveals nothing; the owner's right
	// password and answer lead to the locked page; a right passcode is refused.
	if q := newBrowser(t).get(authURL(app, nonce, "")); q.Step() != "password" {
		t.Fatalf("locked account: a new sign-in starts at %q", q.Step())
	}
	clock.NextTOTPStep()
	b2 := newBrowser(t)
	q := b2.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if q.Step() != "locked" {
		t.Fatalf("locked account after the first factor: step %q", q.Step())
	}
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/login/otp", strings.NewReader("code="+h.passcode(t, secret)+"&authRequestID="+q.URL.Query().Get("authRequestID")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if r := b2.do(req); strings.Contains(r.Location, "code=") || r.Step() != "locked" {
		t.Fatalf("right passcode while locked: step %q location %q", r.Step(), r.Location)
	}
	u, _ := h.store.UserByID(ctx, erin.ID)
	if !u.OTPLocked || u.OTPFailures != 5 {
		t.Fatalf("counters: locked %v failures %d", u.OTPLocked, u.OTPFailures)
	}

	// The administrator resets the device (what `otpgate user reset-otp` does).
	proof := "abcd-efgh-jkmn"
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash(mfa.NormalizeRecoveryCode(proof)), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Password and answer alone do not let anyone enrol: the proof is asked.
	nonce = "n2"
	b3 := newBrowser(t)
	p = b3.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p.Step() != "enroll-proof" {
		t.Fatalf("after admin reset: step %q, want enroll-proof", p.Step())
	}
	p = b3.submit(p, map[string]string{"proof": "wxyz-wxyz-wxyz"})
	if p.Step() != "enroll-proof" || p.Status != http.StatusUnauthorized || p.Alert() == "" {
		t.Fatalf("wrong proof: step %q status %d", p.Step(), p.Status)
	}
	p = b3.submit(p, map[string]string{"proof": "ABCD EFGH JKMN"})
	// Right after the proof, before enrolling: a new password and answer.
	p, _ = h.enroll(b3, h.setNewCredentials(b3, p))
	c := exchange(t, app, p)
	if c.AuthenticationContextClassReference != signin.ACRMFA {
		t.Fatalf("acr %q", c.AuthenticationContextClassReference)
	}
	// The proof is single-use.
	u, _ = h.store.UserByID(ctx, erin.ID)
	if u.ProofHash != "" || u.OTPLocked || u.OTPFailures != 0 {
		t.Fatalf("after re-enrollment: proof %q locked %v failures %d", u.ProofHash, u.OTPLocked, u.OTPFailures)
	}
}

// lostDevice brings a browser to the lost-device page of erin's sign-in.
func lostDevice(t *testing.T, h *harness, b *browser, app rp.RelyingParty, nonce string) *page {
	t.Helper()
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	link := find(p.Doc, func(n *html.Node) bool { return attr(n, "id") == "lost-device" })
	if link == nil {
		t.Fatalf("no lost-device link on %q", p.Step())
	}
	target, _ := p.URL.Parse(attr(link, "href"))
	p = b.get(target.String())
	if p.Step() != "reset" {
		t.Fatalf("lost-device page: step %q", p.Step())
	}
	return p
}

// TestLostDeviceRecoveryCode: a recovery code resets the device (revoking
// the old refresh token) and the user enrols a new one in the same sign-in.
func TestLostDeviceRecoveryCode(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	p, secret, codes := h.enrollWithCodes(b, p)
	old, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil || old.RefreshToken == "" {
		t.Fatalf("first sign-in: %v", err)
	}

	nonce = "n2"
	b2 := newBrowser(t)
	p = lostDevice(t, h, b2, app, nonce)
	// A wrong recovery code counts toward the lockout.
	p = b2.submit(p, map[string]string{"recovery_code": "zzzz-zzzz-zzzz"})
	if p.Step() != "reset" || p.Status != http.StatusUnauthorized || p.Alert() == "" {
		t.Fatalf("wrong recovery code: step %q status %d", p.Step(), p.Status)
	}
	if u, _ := h.store.UserByID(ctx, erin.ID); u.OTPFailures != 1 {
		t.Fatalf("wrong recovery code not counted: %d", u.OTPFailures)
	}
	p = b2.submit(p, map[string]string{"recovery_code": strings.ToUpper(codes[3])})
	p, newSecret := h.enroll(b2, p)
	c := exchange(t, app, p)
	if !strings.Contains(strings.Join(c.AuthenticationMethodsReferences, " "), "otp") {
		t.Fatalf("amr %v", c.AuthenticationMethodsReferences)
	}
	if slices := string(newSecret) == string(secret); slices {
		t.Fatal("the new device has the old secret")
	}
	// The old refresh token died with the reset.
	nonce = ""
	if _, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, app, old.RefreshToken, "", ""); err == nil {
		t.Fatal("refresh token issued before the reset still works")
	}
	// The used code cannot reset again (the reset also replaced all codes).
	nonce = "n3"
	b3 := newBrowser(t)
	p = lostDevice(t, h, b3, app, nonce)
	if p = b3.submit(p, map[string]string{"recovery_code": codes[3]}); p.Step() != "reset" || p.Status != http.StatusUnauthorized {
		t.Fatalf("reused recovery code: step %q status %d", p.Step(), p.Status)
	}
}

// fakeNotifier records what would be mailed.
type fakeNotifier struct {
	mu    sync.Mutex
	links []string
	sent  []string
}

func (f *fakeNotifier) ResetLink(_ context.Context, u *store.User, link string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links = append(f.links, link)
	f.sent = append(f.sent, "reset-link:"+u.Email)
	return nil
}

func (f *fakeNotifier) EnrollLink(_ context.Context, u *store.User, link string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links = append(f.links, link)
	f.sent = append(f.sent, "enroll-link:"+u.Email)
	return nil
}

func (f *fakeNotifier) SignInLink(_ context.Context, u *store.User, link string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links = append(f.links, link)
	f.sent = append(f.sent, "signin-link:"+u.Email)
	return nil
}

func (f *fakeNotifier) record(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, what)
	return nil
}

func (f *fakeNotifier) DeviceReset(_ context.Context, u *store.User) error {
	return f.record("reset:" + u.Email)
}
func (f *fakeNotifier) DeviceEnrolled(_ context.Context, u *store.User, _ string) error {
	return f.record("enrolled:" + u.Email)
}
func (f *fakeNotifier) AccountLocked(_ context.Context, u *store.User) error {
	return f.record("locked:" + u.Email)
}

func (f *fakeNotifier) AccountChanged(_ context.Context, u *store.User, change string) error {
	return f.record(change + ":" + u.Email)
}

func TestLostDeviceEmailedLink(t *testing.T) {
	t.Parallel()
	notes := &fakeNotifier{}
	h, _, _ := enrolled(t, func(o *provider.Options) { o.Notifier = notes })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := lostDevice(t, h, b, app, nonce)
	form := find(p.Doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/login/reset/email" })
	if form == nil {
		t.Fatal("no email-me-a-link form")
	}
	p = b.postForm(p, "/login/reset/email", nil)
	if p.Step() != "reset" || len(notes.links) != 1 || !strings.HasPrefix(notes.links[0], h.issuer+"/login/reset/link?token=") {
		t.Fatalf("after asking for a link: step %q links %v", p.Step(), notes.links)
	}
	// The link opened in another browser (the phone that reads the mail)
	// shows a code to type in the sign-in's browser: it signs nobody in
	// there, and the link keeps working in its own browser.
	if q := newBrowser(t).get(notes.links[0]); q.Status != http.StatusOK || q.Step() != "link-code" ||
		strings.Contains(q.Location, "code=") || len(strings.Fields(q.Text("link-code"))) != 2 {
		t.Fatalf("link in another browser: status %d step %q code %q", q.Status, q.Step(), q.Text("link-code"))
	}
	// In the sign-in's own browser it resets the device; enrollment follows.
	p = b.get(notes.links[0])
	p, _ = h.enroll(b, p)
	exchange(t, app, p)
	// The link is single-use.
	if q := b.get(notes.links[0]); q.Status != http.StatusBadRequest || q.Step() != "error" {
		t.Fatalf("second use of the link: status %d step %q", q.Status, q.Step())
	}
	if got := strings.Join(notes.sent, " "); !strings.Contains(got, "reset:erin@example.com") || !strings.Contains(got, "enrolled:erin@example.com") {
		t.Fatalf("notifications: %v", notes.sent)
	}
}

// TestLostDeviceLinkCode: the emailed link opened on another device shows
// a short code; typed in the sign-in's own browser, it resets the device
// once. A wrong code is refused and counted: five kill the code (a new
// one needs the link opened again); a code names only its own sign-in; a
// browser that merely passed the password and answer elsewhere gets
// nothing from it.
func TestLostDeviceLinkCode(t *testing.T) {
	t.Parallel()
	notes := &fakeNotifier{}
	h, _, _ := enrolled(t, func(o *provider.Options) { o.Notifier = notes })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := lostDevice(t, h, b, app, nonce)
	p = b.postForm(p, "/login/reset/email", nil)
	if p.Step() != "reset" || len(notes.links) != 1 {
		t.Fatalf("after asking for a link: step %q links %v", p.Step(), notes.links)
	}
	phone := newBrowser(t)
	code := func() string {
		q := phone.get(notes.links[0])
		if q.Step() != "link-code" {
			t.Fatalf("link on the phone: step %q status %d", q.Step(), q.Status)
		}
		return strings.ReplaceAll(q.Text("link-code"), " ", "")
	}
	first := code()
	wrong := fmt.Sprintf("%06d", (atoi(first)+1)%1_000_000)

	// Another sign-in of the same account, in another browser, cannot use it.
	other := newBrowser(t)
	op := lostDevice(t, h, other, app, nonce)
	if q := other.postForm(op, "/login/reset/code", map[string]string{"link_code": first}); q.Step() != "reset" || q.Status != http.StatusBadRequest {
		t.Fatalf("the code in another sign-in: step %q status %d", q.Step(), q.Status)
	}
	// Four wrong codes, then the right one still works; a fifth wrong one
	// would have killed it, so a second phone visit makes a new one.
	for range 4 {
		if q := b.postForm(p, "/login/reset/code", map[string]string{"link_code": wrong}); q.Step() != "reset" || q.Status != http.StatusBadRequest ||
			!strings.Contains(q.Alert(), "code is not valid") {
			t.Fatalf("wrong code: step %q status %d alert %q", q.Step(), q.Status, q.Alert())
		}
	}
	if q := b.postForm(p, "/login/reset/code", map[string]string{"link_code": wrong}); q.Status != http.StatusBadRequest {
		t.Fatalf("fifth wrong code: %d", q.Status)
	}
	if q := b.postForm(p, "/login/reset/code", map[string]string{"link_code": first}); q.Status != http.StatusBadRequest {
		t.Fatalf("the right code after five wrong ones: %d, want it dead", q.Status)
	}
	second := code()
	p = b.postForm(p, "/login/reset/code", map[string]string{"link_code": second[:3] + " " + second[3:]})
	p, _ = h.enroll(b, p)
	exchange(t, app, p)
	if got := strings.Join(notes.sent, " "); !strings.Contains(got, "reset:erin@example.com") {
		t.Fatalf("notifications: %v", notes.sent)
	}
	// Used once: the code and the link are done.
	if q := b.get(notes.links[0]); q.Step() != "error" {
		t.Fatalf("the link after the code was used: step %q", q.Step())
	}
}

func TestAdminOnlyReset(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t, func(o *provider.Options) { o.AdminOnlyReset = true; o.Notifier = &fakeNotifier{} })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := lostDevice(t, h, b, app, nonce)
	if find(p.Doc, func(n *html.Node) bool { return n.Data == "form" }) != nil {
		t.Fatal("reset forms offered although resets are for administrators only")
	}
	if q := b.postForm(p, "/login/reset", map[string]string{"recovery_code": "abcd-efgh-jkmn"}); q.Status != http.StatusForbidden {
		t.Fatalf("recovery code post: %d", q.Status)
	}
}

// TestPasswordLockoutIsTemporaryAndHidden: ten wrong passwords or answers
// lock the account (for unknown browsers) for a minute; while locked even
// the right password gets "too many attempts", exactly the answer a name
// that is no account gets after as many failures, and the lock is not
// extended.
func TestPasswordLockoutIsTemporaryAndHidden(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	clock := h.clock
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	for range 5 {
		p = b.submit(p, map[string]string{"username": "erin", "password": "wrong-password-1"})
	}
	p = b.submit(p, map[string]string{"username": "erin", "password": erinPW})
	for range 5 {
		p = b.submit(p, map[string]string{"answer": "wrong"})
	}
	if p.Step() != "question" {
		t.Fatalf("step %q", p.Step())
	}
	// Locked now (10 failures): the right answer and the right password are refused...
	p = b.submit(p, map[string]string{"answer": "rex"})
	unknown := newBrowser(t)
	u := unknown.get(authURL(app, nonce, ""))
	for range 10 {
		u = unknown.submit(u, map[string]string{"username": "nobody", "password": "wrong-password-1"})
	}
	u = unknown.submit(u, map[string]string{"username": "nobody", "password": erinPW})
	locked := newBrowser(t)
	l := locked.submit(locked.get(authURL(app, nonce, "")), map[string]string{"username": "erin", "password": erinPW})
	if p.Step() != "question" || l.Step() != "password" || l.Status != u.Status || l.Alert() != u.Alert() ||
		l.Status != http.StatusTooManyRequests || !strings.Contains(l.Alert(), "Try again in 1 minute") {
		t.Fatalf("locked: question %q; locked %d %q; unknown %d %q", p.Step(), l.Status, l.Alert(), u.Status, u.Alert())
	}
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	until := erin.LoginLockedUntil
	if until == 0 || erin.LoginLockLevel != 1 {
		t.Fatalf("lock: until %d level %d", until, erin.LoginLockLevel)
	}
	if e, _ := h.store.UserByID(context.Background(), erin.ID); e.LoginLockedUntil != until {
		t.Fatal("attempts while locked extended the lock")
	}
	// ...until the minute has passed.
	clock.NextTOTPStep()
	clock.NextTOTPStep()
	clock.NextTOTPStep()
	nonce = "n2"
	exchange(t, app, newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"))
}

// TestSprayingGets429 sprays one password over many accounts from one IP:
// the limiter answers 429 long before any account could lock.
func TestSprayingGets429(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.AttemptsPerMinute = 5 })
	h.addClient("app", appSecret)
	for i := range 8 {
		h.addUser(fmt.Sprint("user", i), "a-real-password-1", "rex")
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	statuses := []int{}
	for i := range 8 {
		q := b.submit(p, map[string]string{"username": fmt.Sprint("user", i), "password": "Spring2026!"})
		statuses = append(statuses, q.Status)
		if q.Status == http.StatusTooManyRequests && (q.Step() != "error" || q.Header.Get("Retry-After") == "") {
			t.Fatalf("429 page: step %q", q.Step())
		}
	}
	if statuses[0] != http.StatusUnauthorized || statuses[7] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want 401 first and 429 at the end", statuses)
	}
	for i := range 8 {
		u, _ := h.store.UserByUsername(context.Background(), fmt.Sprint("user", i))
		if u.LoginFailures > 1 || u.LoginLockedUntil != 0 {
			t.Fatalf("user%d: failures %d locked until %d", i, u.LoginFailures, u.LoginLockedUntil)
		}
	}
}

// TestAuditTrail: a sign-in with failures leaves events without secrets.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	h, _, secret := enrolled(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	p = b.submit(p, map[string]string{"username": "erin", "password": "Wrong-Password-Typed"})
	p = b.submit(p, map[string]string{"username": "erin", "password": erinPW})
	p = b.submit(p, map[string]string{"answer": "rex"})
	bad := h.wrongCode(t, secret)
	p = b.submit(p, map[string]string{"code": bad})
	exchange(t, app, b.submit(p, map[string]string{"code": h.passcode(t, secret)}))
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	events, err := h.store.AuditEvents(context.Background(), store.AuditQuery{UserID: erin.ID})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range events {
		names = append(names, e.Event)
		all := e.Detail + e.Username + e.IP + e.Actor
		for _, secretText := range []string{"Wrong-Password-Typed", erinPW, "rex", bad, string(secret)} {
			if strings.Contains(all, secretText) {
				t.Fatalf("audit event %s contains a secret: %+v", e.Event, e)
			}
		}
		if e.IP != "127.0.0.1" || (e.Event != store.EventEnrolled && e.ClientID == "") {
			t.Fatalf("event %s: ip %q client %q", e.Event, e.IP, e.ClientID)
		}
	}
	got := strings.Join(names, " ")
	for _, want := range []string{store.EventEnrolled, store.EventSignIn, store.EventSignInFailed} {
		if !strings.Contains(got, want) {
			t.Fatalf("audit events %q lack %s", got, want)
		}
	}
}

// TestEnrollmentProofLink: the emailed form of the administrator's proof
// works only in the browser of a sign-in waiting for it, and once.
func TestEnrollmentProofLink(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash("unused-code"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	token := "proof-link-token-0123456789abcdefghijklmno"
	now := h.store.Now()
	if err := h.store.CreateLinkToken(ctx, &store.LinkToken{TokenHash: credential.HashToken(token), Purpose: store.LinkProof,
		UserID: erin.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	link := h.issuer + "/login/proof?token=" + token
	// Opened before signing in, or in another browser: refused, not used up.
	if p := newBrowser(t).get(link); p.Status != http.StatusForbidden || p.Step() != "error" {
		t.Fatalf("link without a waiting sign-in: status %d step %q", p.Status, p.Step())
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	if p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "enroll-proof" {
		t.Fatalf("step %q", p.Step())
	}
	p, _ := h.enroll(b, h.setNewCredentials(b, b.get(link)))
	exchange(t, app, p)
	if p := b.get(link); p.Status != http.StatusBadRequest {
		t.Fatalf("second use: status %d", p.Status)
	}
}

// TestAddressLimiterCountsFailuresOnly: many people behind one address
// (an office's NAT) sign in without ever meeting the limiter, because only
// failures count; the count is kept in the database, so the failures one
// address makes on two replicas add up, and the minute's window ends it.
func TestAddressLimiterCountsFailuresOnly(t *testing.T) {
	t.Parallel()
	const limit = 5
	a, b := twoServers(t, func(o *provider.Options) { o.AttemptsPerMinute = limit })
	a.addClient("app", appSecret)
	for i := range 2 * limit {
		a.addUser(fmt.Sprint("staff", i), "a-real-password-1", "rex")
	}
	nonce := "n"
	appA := a.relyingParty("app", appSecret, &nonce)
	appB := b.relyingParty("app", appSecret, &nonce)
	// Twice the limit of complete sign-ins from one address, on both replicas.
	for i := range 2 * limit {
		app := appA
		if i%2 == 1 {
			app = appB
		}
		if c := newBrowser(t).signIn(authURL(app, nonce, ""), fmt.Sprint("staff", i), "a-real-password-1", "rex"); !c.ToRP() {
			t.Fatalf("sign-in %d from the office: step %q status %d", i, c.Step(), c.Status)
		}
	}
	// Failures on alternating replicas add up to the limit.
	br := newBrowser(t)
	pa, pb := br.get(authURL(appA, nonce, "")), br.get(authURL(appB, nonce, ""))
	for i := range limit {
		p := pa
		if i%2 == 1 {
			p = pb
		}
		if q := br.submit(p, map[string]string{"username": fmt.Sprint("staff", i), "password": "Spring2026!"}); q.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i, q.Status)
		}
	}
	if q := br.submit(pb, map[string]string{"username": "staff0", "password": "a-real-password-1"}); q.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures over two replicas: status %d, want 429", limit, q.Status)
	}
	a.clock.Advance(time.Minute)
	if q := br.submit(pa, map[string]string{"username": "staff0", "password": "a-real-password-1"}); q.Step() != "question" {
		t.Fatalf("a minute later: step %q status %d", q.Step(), q.Status)
	}
}

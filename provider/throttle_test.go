package provider_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
)

// TestUsernameAloneCannotLockTheOwnerOut: someone who knows only a
// username types wrong passwords from their own browser until the
// account's lock holds; the owner, in the browser they signed in with
// before, still signs in at once with the right password and answer
// (issue "Whoever holds a stolen password and answer", finding 3). The
// stranger's browser stays locked.
func TestUsernameAloneCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	owner := newBrowser(t)
	if code := owner.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "Rex").code(t); code == "" {
		t.Fatal("the owner's first sign-in gave no code")
	}

	stranger := newBrowser(t)
	p := stranger.get(authURL(app, nonce, ""))
	for i := range 30 {
		p = stranger.submit(p, map[string]string{"username": "erin", "password": fmt.Sprint("wrong-password-", i)})
		if p.Step() != "password" {
			t.Fatalf("wrong password %d: step %q", i+1, p.Step())
		}
	}
	if p.Status != http.StatusTooManyRequests {
		t.Fatalf("the stranger's browser after 30 wrong passwords: status %d alert %q, want 429", p.Status, p.Alert())
	}

	// The owner is not locked out by the stranger.
	h.clock.Advance(1)
	again := authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptLogin))
	if code := owner.signIn(again, "erin", "erins-password-1", "Rex").code(t); code == "" {
		t.Fatal("the owner's known browser was locked out by a stranger's failures")
	}
	// The stranger's browser is still locked, even with the right password.
	p = stranger.get(authURL(app, nonce, ""))
	p = stranger.submit(p, map[string]string{"username": "erin", "password": "erins-password-1"})
	if p.Step() != "password" || p.Status != http.StatusTooManyRequests {
		t.Fatalf("the stranger's browser with the right password while locked: step %q status %d", p.Step(), p.Status)
	}
}

// TestThrottledNamesLookAlike: through the real forms, an account and a
// name that is no account get the same status and the same page (once the
// CSRF token, the flow id and the typed name are taken out) in every
// state of the throttle: a wrong password, a temporary lock, the bound of
// 100 failures from unknown browsers, and asking for the sign-in link
// (mailed for the account only).
func TestThrottledNamesLookAlike(t *testing.T) {
	t.Parallel()
	notes := &fakeNotifier{}
	h := newHarness(t, func(o *provider.Options) { o.Notifier = notes })
	h.addClient("app", appSecret)
	h.addUser("erin", "erins-password-1", "Rex")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	names := []string{"erin", "ezra"} // ezra is no account
	browsers := make([]*browser, 2)
	pages := make([]*page, 2)
	for i := range names {
		browsers[i] = newBrowser(t)
		pages[i] = browsers[i].get(authURL(app, nonce, ""))
	}
	fresh := func() { // sign-ins expire; each browser starts a new one
		for i := range names {
			pages[i] = browsers[i].get(authURL(app, nonce, ""))
		}
	}
	try := func(password string) {
		t.Helper()
		for i, name := range names {
			pages[i] = browsers[i].submit(pages[i], map[string]string{"username": name, "password": password})
		}
	}
	same := func(state string, status int, alert string) {
		t.Helper()
		a, b := pages[0], pages[1]
		if a.Status != status || b.Status != status || !strings.Contains(a.Alert()+a.Body, alert) {
			t.Fatalf("%s: statuses %d and %d, alert %q; want %d and %q", state, a.Status, b.Status, a.Alert(), status, alert)
		}
		if a.Header.Get("Retry-After") != b.Header.Get("Retry-After") {
			t.Fatalf("%s: Retry-After %q and %q", state, a.Header.Get("Retry-After"), b.Header.Get("Retry-After"))
		}
		if x, y := anonymous(a, names[0]), anonymous(b, names[1]); x != y {
			t.Fatalf("%s: the pages of an account and of a name that is none differ:\n%s\n---\n%s", state, x, y)
		}
	}

	// One wrong password each: the same page, and the same number of SQL
	// statements (a name's counters cost what an account's do).
	var statements [2]int64
	for i, name := range names {
		before := h.store.Statements()
		pages[i] = browsers[i].submit(pages[i], map[string]string{"username": name, "password": "wrong-password-1"})
		statements[i] = h.store.Statements() - before
	}
	same("a wrong password", http.StatusUnauthorized, "not correct")
	if statements[0] != statements[1] {
		t.Fatalf("a wrong password sent %d statements for an account and %d for a name that is none", statements[0], statements[1])
	}
	// The same from a browser that is known to another account.
	other := newBrowser(t)
	h.addUser("olga", "olgas-password-1", "Rex")
	other.signIn(authURL(app, nonce, ""), "olga", "olgas-password-1", "Rex").code(t)
	for i, name := range names {
		p := other.get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptLogin)))
		before := h.store.Statements()
		other.submit(p, map[string]string{"username": name, "password": "wrong-password-1"})
		statements[i] = h.store.Statements() - before
	}
	if statements[0] != statements[1] {
		t.Fatalf("from a known browser of another account: %d statements for an account, %d for a name that is none",
			statements[0], statements[1])
	}
	for range 9 {
		try("wrong-password-1")
	}
	try("erins-password-1")
	same("temporarily locked", http.StatusTooManyRequests, "Try again in 1 minute")
	if got := pages[0].Header.Get("Retry-After"); got != "60" {
		t.Fatalf("Retry-After %q while locked for a minute", got)
	}
	h.clock.Advance(30 * time.Second)
	for range 8 {
		h.clock.Advance(time.Hour)
		fresh()
		for range 10 {
			try("wrong-password-1")
		}
		try("erins-password-1")
		same("temporarily locked again", http.StatusTooManyRequests, "Too many attempts. Try again in ")
	}
	h.clock.Advance(time.Hour)
	fresh()
	for range 10 {
		try("wrong-password-1") // failures 91 to 100
	}
	try("erins-password-1")
	same("at the bound, locked too", http.StatusTooManyRequests, "Too many attempts. Try again in ")
	h.clock.Advance(time.Hour) // the temporary lock ends; the bound stays
	fresh()
	try("erins-password-1")
	same("at the bound", http.StatusTooManyRequests, "sign-in link")
	for i, name := range names {
		pages[i] = browsers[i].postForm(pages[i], "/login/password/email", map[string]string{"username": name})
	}
	same("sign-in link asked for", http.StatusOK, "If the account can receive email")
	links := notes.waitLinks(t, 1)
	// Opened in another browser, the link does nothing (and stays unused).
	if q := browsers[1].get(links[0]); q.Status != http.StatusForbidden || q.Step() != "error" {
		t.Fatalf("the link in another browser: %s", q.Describe())
	}
	// Opened in the browser that asked for it, it lets the owner in.
	p := browsers[0].get(links[0])
	if p.Step() != "password" || !strings.Contains(p.Body, "sign-in link was accepted") {
		t.Fatalf("the link: %s", p.Describe())
	}
	if p = browsers[0].submit(p, map[string]string{"username": "erin", "password": "erins-password-1"}); p.Step() != "question" {
		t.Fatalf("the password after the link: %s", p.Describe())
	}
}

// flowField matches the values that differ between any two sign-ins.
var flowField = regexp.MustCompile(`(name="(?:csrf|authRequestID)" value=")[^"]*"|authRequestID=[^"&]*`)

// anonymous is a page's body without its CSRF token, flow id and name.
func anonymous(p *page, name string) string {
	return strings.ReplaceAll(flowField.ReplaceAllString(p.Body, "${1}X"), name, "NAME")
}

// waitLinks waits for n links to be mailed (sign-in links go out after
// the answer), then a moment longer for any extra one, and returns them.
func (f *fakeNotifier) waitLinks(t *testing.T, n int) []string {
	t.Helper()
	links := func() []string {
		f.mu.Lock()
		defer f.mu.Unlock()
		return slices.Clone(f.links)
	}
	for deadline := time.Now().Add(10 * time.Second); len(links()) < n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	got := links()
	if len(got) != n {
		t.Fatalf("%d links mailed, want %d", len(got), n)
	}
	return got
}

// TestDeviceCookieOnHTTPS: a finished sign-in sets the device cookie that
// makes the browser known: a fresh random value, __Host- named, Secure,
// HttpOnly, SameSite=Lax, lasting the known-browser lifetime; the server
// keeps only its hash.
func TestDeviceCookieOnHTTPS(t *testing.T) {
	t.Parallel()
	h := newTLSHarness(t, openStore(t))
	h.addClient("app", appSecret)
	erin := h.addUser("erin", "erins-password-1", "Rex")
	b := newBrowser(t)
	b.Browser = b.WithClient(h.srv.Client().Transport, 10*time.Second)
	q := url.Values{"client_id": {"app"}, "redirect_uri": {rpRedirect}, "response_type": {"code"}, "scope": {"openid"},
		"nonce": {"n"}, "state": {"s"}}
	p := b.get(h.issuer + "/authorize?" + q.Encode())
	p = b.submit(p, map[string]string{"username": "erin", "password": "erins-password-1"})
	p = b.post(p, map[string]string{"answer": "Rex"})
	var device *http.Cookie
	for _, line := range p.Header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil && ck.Name == "__Host-otpgate-device" {
			device = ck
		}
	}
	if device == nil {
		t.Fatalf("no device cookie after the sign-in: %q", p.Header.Values("Set-Cookie"))
	}
	if !device.Secure || !device.HttpOnly || device.SameSite != http.SameSiteLaxMode || device.Path != "/" || device.Domain != "" ||
		device.MaxAge != int((90*24*time.Hour).Seconds()) || len(device.Value) < 43 {
		t.Fatalf("device cookie: %+v", device)
	}
	if ok, err := h.store.IsKnownBrowser(t.Context(), erin.ID, credential.HashToken(device.Value), time.Hour); !ok || err != nil {
		t.Fatalf("the browser is not known after its sign-in: %v %v", ok, err)
	}
}

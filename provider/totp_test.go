package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/net/html"

	"github.com/otpgate/otpgate/internal/testkit/clock"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

const erinPW = "erins-password-1"

// TestEnrollmentJourney: a user who must use two-factor enrols through the
// real forms (codes computed from the setup key on the page), keeps the
// recovery codes, submits, and gets truthful tokens.
func TestEnrollmentJourney(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	clock := h.clock
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p.Step() != "enroll" {
		t.Fatalf("step %q, want enroll", p.Step())
	}
	if p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("enroll page Cache-Control %q", p.Header.Get("Cache-Control"))
	}
	secret := p.setupSecret(t)
	img := find(p.Doc, func(n *html.Node) bool { return n.Data == "img" && attr(n, "data-otpauth") != "" })
	if img == nil || !strings.HasPrefix(attr(img, "src"), "data:image/png;base64,") {
		t.Fatal("no server-rendered QR image with data-otpauth")
	}
	uri, err := url.Parse(attr(img, "data-otpauth"))
	if err != nil || uri.Scheme != "otpauth" || uri.Query().Get("secret") != strings.ReplaceAll(p.Text("setup-key"), " ", "") ||
		uri.Query().Get("digits") != "6" || uri.Query().Get("period") != "30" || uri.Query().Get("algorithm") != "SHA1" {
		t.Fatalf("otpauth URI %q does not match the setup key", attr(img, "data-otpauth"))
	}
	// A typo gets a clear, counted retry on the same secret.
	wrong := fmt.Sprintf("%06d", (atoi(h.passcode(t, secret))+1)%1000000)
	p = b.submit(p, map[string]string{"app": "authy", "code": wrong})
	if p.Step() != "enroll" || p.Status != http.StatusUnauthorized || p.Alert() == "" || !slices.Equal(p.setupSecret(t), secret) {
		t.Fatalf("wrong code: step %q status %d alert %q", p.Step(), p.Status, p.Alert())
	}
	p = b.submit(p, map[string]string{"app": "authy", "code": h.passcode(t, secret)})
	if p.Step() != "recovery-codes" {
		t.Fatalf("step %q, want recovery-codes (alert %q)", p.Step(), p.Alert())
	}
	codes := strings.Fields(p.Text("recovery-codes"))
	if len(codes) != 10 || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("recovery codes: %v", codes)
	}
	p = b.submit(p, nil)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	c := tokens.IDTokenClaims
	if !slices.Equal(c.AuthenticationMethodsReferences, []string{"pwd", "kba", "otp", "mfa"}) || c.AuthenticationContextClassReference != signin.ACRMFA {
		t.Fatalf("amr %v acr %q", c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference)
	}
	if n, err := h.store.CountRecoveryCodes(context.Background(), erin.ID); n != 10 || err != nil {
		t.Fatalf("stored recovery codes: %d %v", n, err)
	}
	// The recovery codes are not shown again and the device is stored.
	d, err := h.store.DeviceByUser(context.Background(), erin.ID)
	if err != nil || d.App != "authy" || strings.Contains(string(d.Secret), string(secret)) {
		t.Fatalf("device: %+v %v", d, err)
	}
	// Refresh keeps amr and acr.
	nonce = ""
	refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](context.Background(), app, tokens.RefreshToken, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rc := refreshed.IDTokenClaims
	if !slices.Equal(rc.AuthenticationMethodsReferences, c.AuthenticationMethodsReferences) || rc.AuthenticationContextClassReference != signin.ACRMFA ||
		!rc.AuthTime.AsTime().Equal(c.AuthTime.AsTime()) {
		t.Fatalf("refreshed: amr %v acr %q auth_time %v", rc.AuthenticationMethodsReferences, rc.AuthenticationContextClassReference, rc.AuthTime)
	}

	// The code that verified enrollment cannot sign in again...
	nonce = "n2"
	b2 := newBrowser(t)
	p = b2.toSecondFactor(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptLogin)), "erin", erinPW, "rex")
	if p.Step() != "otp" {
		t.Fatalf("second sign-in: step %q, want otp", p.Step())
	}
	p = b2.submit(p, map[string]string{"code": h.passcode(t, secret)})
	if p.Step() != "otp" || p.Status != http.StatusUnauthorized || p.Alert() == "" {
		t.Fatalf("enrollment code reused: step %q status %d", p.Step(), p.Status)
	}
	// ...but the next code does.
	clock.NextTOTPStep()
	p = b2.submit(p, map[string]string{"code": h.passcode(t, secret)})
	exchange(t, app, p)
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// enrolled returns a harness whose user erin has a device, and its secret.
func enrolled(t *testing.T, edit ...func(*provider.Options)) (*harness, *clock.Clock, []byte) {
	h := newHarness(t, edit...)
	h.addClient("app", appSecret)
	h.addClient("spa", "")
	h.addUser("erin", erinPW, "Rex")
	clock := h.clock
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	h.requireMFA(erin)
	nonce := "setup"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p, secret := h.enroll(b, b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex"))
	p.code(t)
	// Later sign-ins are asked even without the policy: once enrolled, always asked.
	if err := h.store.SetUserRequireMFA(context.Background(), erin.ID, false); err != nil {
		t.Fatal(err)
	}
	clock.NextTOTPStep()
	return h, clock, secret
}

func TestPasscodeStep(t *testing.T) {
	t.Parallel()
	h, clock, secret := enrolled(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p.Step() != "otp" {
		t.Fatalf("step %q, want otp", p.Step())
	}
	if find(p.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "id") == "lost-device" }) == nil {
		t.Fatal("no lost-device link")
	}
	good := h.passcode(t, secret)
	for _, bad := range []struct {
		code   string
		status int
	}{
		{good[:5], http.StatusBadRequest}, {good + "1", http.StatusBadRequest}, {"12a456", http.StatusBadRequest},
		{"", http.StatusBadRequest}, {fmt.Sprintf("%06d", (atoi(good)+1)%1000000), http.StatusUnauthorized},
	} {
		p = b.submit(p, map[string]string{"code": bad.code})
		if p.Step() != "otp" || p.Status != bad.status || p.Alert() == "" {
			t.Fatalf("code %q: step %q status %d alert %q", bad.code, p.Step(), p.Status, p.Alert())
		}
	}
	// A 1 MB body is refused cleanly.
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/login/otp", strings.NewReader("code="+strings.Repeat("1", 1<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if q := b.do(req); q.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MB body: %d", q.Status)
	}
	// Full-width digits with spaces are what some phones type: accepted.
	full := strings.Map(func(r rune) rune { return r - '0' + '０' }, good)
	p = b.submit(p, map[string]string{"code": " " + full[:9] + " " + full[9:]})
	c := exchange(t, app, p)
	if !slices.Contains(c.AuthenticationMethodsReferences, "otp") || c.AuthenticationContextClassReference != signin.ACRMFA {
		t.Fatalf("amr %v acr %q", c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference)
	}
	// The browser session skips everything, passcode included (it had one)...
	nonce = "n-sso"
	exchange(t, app, b.get(authURL(app, nonce, "")))
	// ...but prompt=login and max_age ask for the passcode again.
	clock.NextTOTPStep()
	nonce = "n-login"
	p = b.toSecondFactor(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptLogin)), "erin", erinPW, "rex")
	if p.Step() != "otp" {
		t.Fatalf("prompt=login: step %q, want otp", p.Step())
	}
	exchange(t, app, b.submit(p, map[string]string{"code": h.passcode(t, secret)}))
}

// TestPasscodeRace: 20 sign-ins at the passcode step submit the same valid
// code at once; exactly one is accepted.
func TestPasscodeRace(t *testing.T) {
	t.Parallel()
	// The 19 losers are replays, which count toward the lockout; a high
	// threshold keeps this test about single use alone.
	h, _, secret := enrolled(t, func(o *provider.Options) { o.OTPAttempts = 100 })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	const n = 20
	browsers := make([]*browser, n)
	pages := make([]*page, n)
	for i := range n {
		browsers[i] = newBrowser(t)
		pages[i] = browsers[i].toSecondFactor(authURL(app, fmt.Sprint("n", i), ""), "erin", erinPW, "rex")
		if pages[i].Step() != "otp" {
			t.Fatalf("browser %d: step %q", i, pages[i].Step())
		}
	}
	code := h.passcode(t, secret)
	var wg sync.WaitGroup
	results := make(chan *page, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- browsers[i].submit(pages[i], map[string]string{"code": code})
		}()
	}
	wg.Wait()
	close(results)
	accepted := 0
	for p := range results {
		switch {
		case p.Location != "" && strings.Contains(p.Location, "code="):
			accepted++
		case p.Step() == "otp" && p.Status == http.StatusUnauthorized:
		default:
			t.Errorf("unexpected answer: status %d step %q location %q", p.Status, p.Step(), p.Location)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d sign-ins accepted the same passcode, want exactly 1", accepted)
	}
}

// TestSkippingThePasscodeNeverYieldsACode tries every way around the
// passcode step after the first factor.
func TestSkippingThePasscodeNeverYieldsACode(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	id := p.URL.Query().Get("authRequestID")
	tries := []string{
		"/authorize/callback?id=" + id,
		"/login/next?authRequestID=" + id,
		"/login/recovery-codes?authRequestID=" + id,
		"/login/enroll?authRequestID=" + id,
		"/login/question?authRequestID=" + id,
	}
	for _, u := range tries {
		q := b.get(h.issuer + u)
		if strings.Contains(q.Location, "code=") {
			t.Fatalf("GET %s yielded a code: %s", u, q.Location)
		}
	}
	q := b.submit(p, map[string]string{"code": "000000"})
	form := url.Values{"authRequestID": {id}}
	for _, path := range []string{"/login/recovery-codes", "/login/question", "/login/password"} {
		req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if r := b.do(req); strings.Contains(r.Location, "code=") {
			t.Fatalf("POST %s yielded a code", path)
		}
	}
	if strings.Contains(q.Location, "code=") {
		t.Fatal("a wrong passcode yielded a code")
	}
	// A session from another, first-factor-only sign-in does not help either.
	flow, err := h.store.FlowByID(context.Background(), id)
	if err != nil || flow.DoneAt != nil || flow.OTPAt != nil {
		t.Fatalf("flow after the attempts: %+v %v", flow, err)
	}
}

func TestPolicyPerClientAndStepUp(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	strict := &store.Client{ID: "strict", Name: "Strict", SecretHash: h.hasher.Hash(appSecret), RequireMFA: true,
		RedirectURIs: store.StringList{rpRedirect}, PostLogoutRedirectURIs: store.StringList{}}
	if err := h.store.CreateClient(context.Background(), strict); err != nil {
		t.Fatal(err)
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	// The lax client: first factor only, acr says so.
	c := exchange(t, app, b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"))
	if c.AuthenticationContextClassReference != signin.ACRPassword || slices.Contains(c.AuthenticationMethodsReferences, "otp") {
		t.Fatalf("lax client: amr %v acr %q", c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference)
	}
	// prompt=none cannot step up a first-factor session.
	nonce = "n-none"
	q := b.get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptNone), rp.WithURLParam("acr_values", signin.ACRMFA))).rpQuery(t)
	if q.Get("error") != "login_required" {
		t.Fatalf("prompt=none step-up: %v", q)
	}
	// Step-up by acr_values: the session is not enough, enrollment follows.
	nonce = "n-up"
	p := b.toSecondFactor(authURL(app, nonce, "", rp.WithURLParam("acr_values", signin.ACRMFA)), "erin", erinPW, "rex")
	p, _ = h.enroll(b, p)
	if c := exchange(t, app, p); c.AuthenticationContextClassReference != signin.ACRMFA {
		t.Fatalf("step-up acr %q", c.AuthenticationContextClassReference)
	}
	// The strict client demands it for another user without a device.
	h.addUser("gina", "ginas-password-1", "rex")
	nonce = "n-strict"
	strictRP := h.relyingParty("strict", appSecret, &nonce)
	if p := newBrowser(t).toSecondFactor(authURL(strictRP, nonce, ""), "gina", "ginas-password-1", "rex"); p.Step() != "enroll" {
		t.Fatalf("strict client: step %q, want enroll", p.Step())
	}
	// Unknown acr values are voluntary (OIDC Core 3.1.2.1): the sign-in
	// goes on and the token's acr tells what really happened.
	nonce = "n-unknown"
	c = exchange(t, app, newBrowser(t).signIn(authURL(app, nonce, "", rp.WithURLParam("acr_values", "1 2")), "gina", "ginas-password-1", "rex"))
	if c.AuthenticationContextClassReference != signin.ACRPassword {
		t.Fatalf("unknown acr_values: acr %q", c.AuthenticationContextClassReference)
	}
}

func TestPolicyAlways(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.MFAPolicy = signin.MFAAlways })
	h.addClient("app", appSecret)
	h.addUser("erin", erinPW, "rex")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	if p := newBrowser(t).toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "enroll" {
		t.Fatalf("policy always: step %q, want enroll", p.Step())
	}
}

// TestCopiedSecretFailsClosed: a device row whose sealed secret was copied
// from another user cannot be decrypted, and nobody gets through.
func TestCopiedSecretFailsClosed(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	erinDevice, _ := h.store.DeviceByUser(ctx, erin.ID)
	mallory := h.addUser("mallory", "mallorys-password", "rex")
	h.requireMFA(mallory)
	nonce0 := "m"
	app0 := h.relyingParty("app", appSecret, &nonce0)
	mb := newBrowser(t)
	p0, _ := h.enroll(mb, mb.toSecondFactor(authURL(app0, nonce0, ""), "mallory", "mallorys-password", "rex"))
	p0.code(t)
	malloryDevice, _ := h.store.DeviceByUser(ctx, mallory.ID)
	if err := h.store.SetDeviceSecret(ctx, malloryDevice.ID, erinDevice.Secret); err != nil {
		t.Fatal(err)
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "mallory", "mallorys-password", "rex")
	if p.Step() != "otp" {
		t.Fatalf("step %q", p.Step())
	}
	p = b.submit(p, map[string]string{"code": "123456"})
	if p.Status < 500 || p.Step() != "error" || strings.Contains(p.Location, "code=") {
		t.Fatalf("copied secret: status %d step %q", p.Status, p.Step())
	}
}

// TestEnrollmentSecretReplacedAfterTooManyWrongCodes: five wrong codes
// discard the pending secret; the page shows a new one that works.
func TestEnrollmentSecretReplacedAfterTooManyWrongCodes(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	first := p.setupSecret(t)
	wrong := fmt.Sprintf("%06d", (atoi(h.passcode(t, first))+500000)%1000000)
	for i := range 4 {
		p = b.submit(p, map[string]string{"app": "other", "code": wrong})
		if !slices.Equal(p.setupSecret(t), first) {
			t.Fatalf("secret replaced after %d wrong codes", i+1)
		}
	}
	p = b.submit(p, map[string]string{"app": "other", "code": wrong})
	second := p.setupSecret(t)
	if slices.Equal(second, first) || p.Step() != "enroll" || p.Alert() == "" {
		t.Fatalf("after 5 wrong codes: same secret %v, step %q, alert %q", slices.Equal(second, first), p.Step(), p.Alert())
	}
	// The old secret's code no longer enrols; the new one does.
	p = b.submit(p, map[string]string{"app": "other", "code": h.passcode(t, first)})
	if p.Step() != "enroll" {
		t.Fatalf("old secret enrolled: step %q", p.Step())
	}
	p = b.submit(p, map[string]string{"app": "other", "code": h.passcode(t, second)})
	if p.Step() != "recovery-codes" {
		t.Fatalf("new secret: step %q alert %q", p.Step(), p.Alert())
	}
}

// TestLostDeviceLink leads to the reset page, which (until self-service
// reset exists) says to contact the administrator and links back.
func TestLostDeviceLink(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	link := find(p.Doc, func(n *html.Node) bool { return attr(n, "id") == "lost-device" })
	target, _ := p.URL.Parse(attr(link, "href"))
	p = b.get(target.String())
	if p.Step() != "reset" || p.Status != http.StatusOK || strings.Contains(p.Location, "code=") {
		t.Fatalf("lost device page: step %q status %d", p.Step(), p.Status)
	}
}

// TestEnrollWrongCodeClaimsNoTries: a wrong verification code at
// enrollment is not counted toward the lock, and the page does not claim
// otherwise (it once said "Tries left …: 12", the minimum password length).
func TestEnrollWrongCodeClaimsNoTries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addClient("app", appSecret)
	erin := h.addUser("erin", erinPW, "rex")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p.Step() != "enroll" {
		t.Fatalf("step %q, want enroll", p.Step())
	}
	secret := p.setupSecret(t)
	wrong := fixtures.WrongCode(secret, h.clock.Now())
	p = b.submit(p, map[string]string{"app": "google-authenticator", "code": wrong})
	if p.Step() != "enroll" || p.Alert() == "" || strings.Contains(p.Alert(), "Tries left") || strings.Contains(p.Alert(), "12") {
		t.Fatalf("wrong enrollment code: step %q alert %q", p.Step(), p.Alert())
	}
	u, err := h.store.UserByID(context.Background(), erin.ID)
	if err != nil || u.OTPFailures != 0 {
		t.Fatalf("a wrong enrollment code was counted toward the lock: %d (%v)", u.OTPFailures, err)
	}
}

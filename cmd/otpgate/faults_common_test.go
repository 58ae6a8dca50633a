//go:build linux

package main

// Shared parts of the fault tests: a load of sign-ins that records what
// every answer proves, and sign-ins interrupted at each step.

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// procLoad runs sign-ins (authorize, password, question, code exchange,
// two refreshes) against replicas while a fault is injected, and records
// what each answer proves, for the checks after recovery.
type procLoad struct {
	issuer string
	app    fleet.Client
	users  []*fixtures.Account
	next   func() string
	// transportOK: connection errors are expected (a replica is killed);
	// otherwise they are problems (otpgate must stay up).
	transportOK bool

	mu         sync.Mutex
	n          int
	outcomes   map[string]int
	problems   []string
	redeemed   []procRedeemed   // codes whose exchange answered 200
	unredeemed []procUnredeemed // codes whose exchange answered an error
	rotated    []string         // refresh tokens a 200 refresh replaced
	live       []*procTokens    // the newest tokens of each sign-in
	successes  []time.Time      // when sign-ins finished with tokens
	// firstFail and lastFail bound the answers that were not successes.
	firstFail, lastFail time.Time
}

type procRedeemed struct {
	code string
	auth fleet.Auth
}

type procUnredeemed struct {
	code   string
	auth   fleet.Auth
	answer string
}

type procTokens struct {
	access, refresh string
	// uncertain: a refresh got no answer, so whether the server rotated
	// the refresh token is unknown.
	uncertain bool
}

func newProcLoad(issuer string, app fleet.Client, users []*fixtures.Account, next func() string) *procLoad {
	return &procLoad{issuer: issuer, app: app, users: users, next: next, outcomes: map[string]int{}}
}

func (l *procLoad) count(what string) {
	l.mu.Lock()
	l.outcomes[what]++
	l.mu.Unlock()
}

// failed counts an answer that was not a success.
func (l *procLoad) failed(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outcomes[what]++
	l.failedAt(time.Now())
}

func (l *procLoad) failedAt(now time.Time) {
	if l.firstFail.IsZero() {
		l.firstFail = now
	}
	l.lastFail = now
}

func (l *procLoad) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
	l.failedAt(time.Now())
}

// failWindow is when the first and the last failed answer came.
func (l *procLoad) failWindow() (time.Time, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstFail, l.lastFail
}

// transport records a request that got no HTTP answer.
func (l *procLoad) transport(what string, err error) {
	if l.transportOK {
		l.failed(what + ": no answer (replica down)")
		return
	}
	l.problem("%s: no HTTP answer: %v", what, err)
}

// page records a browser answer that stopped a sign-in: only a clear 503
// page, a clear 4xx page or the protocol's error redirect is acceptable.
func (l *procLoad) page(what string, p *browser.Page) {
	if s := fleet.StackTrace(p.Status, p.Body); s != "" {
		l.problem("%s: %s", what, s)
		return
	}
	switch {
	case p.ToRP() && p.RPQuery().Get("error") != "" && p.RPQuery().Get("code") == "":
		l.failed(what + ": error redirect " + p.RPQuery().Get("error"))
	case p.Status == http.StatusServiceUnavailable && p.Step() == "error" && p.Alert() != "":
		l.failed(what + ": 503 page")
	case p.Status >= 500:
		l.problem("%s: %s", what, p.Describe())
	case p.Status >= 400 && p.Step() == "error" && p.Alert() != "":
		l.failed(fmt.Sprintf("%s: %d page %q", what, p.Status, p.Alert()))
	default:
		l.problem("%s: unexpected answer %s", what, p.Describe())
	}
}

// tokenAnswer records a token endpoint answer that was not 200 for a code
// or refresh token that was valid (just issued, never used): it must be the
// protocol's JSON error, without internal detail, and not invalid_grant,
// which tells the client to throw a good credential away.
func (l *procLoad) tokenAnswer(what string, status int, body map[string]any) {
	switch {
	case fleet.JSONString(body, "error") == "" || fleet.JSONString(body, "access_token") != "":
		l.problem("%s: status %d without an OAuth error: %v", what, status, body)
	case procInternalDetail(fleet.JSONString(body, "error_description")):
		l.problem("%s: status %d %s with internal detail in error_description: %q", what, status, fleet.JSONString(body, "error"), fleet.JSONString(body, "error_description"))
	case fleet.JSONString(body, "error") == "invalid_grant":
		l.problem("%s of a valid, unused credential answered %d invalid_grant (%s): a client discards a credential that is still good",
			what, status, fleet.JSONString(body, "error_description"))
	default:
		l.failed(fmt.Sprintf("%s: %d %s", what, status, fleet.JSONString(body, "error")))
	}
}

// run signs in until stop is closed.
func (l *procLoad) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		l.mu.Lock()
		u := l.users[l.n%len(l.users)]
		l.n++
		l.mu.Unlock()
		if !l.once(u) {
			time.Sleep(20 * time.Millisecond) // do not spin while a fault lasts
		}
	}
}

// once is one sign-in with its code exchange and two refreshes; it reports
// whether all of it succeeded.
func (l *procLoad) once(u *fixtures.Account) bool {
	b := fleet.NewBrowser()
	auth := fleet.NewAuth(l.issuer, l.app, "openid offline_access")
	p, err := b.On(l.next()).Get(auth.URL)
	if err != nil {
		l.transport("authorize", err)
		return false
	}
	if p.Step() != "password" {
		l.page("authorize", p)
		return false
	}
	if p, err = b.On(l.next()).Submit(p, map[string]string{"username": u.Name, "password": u.Password}); err != nil {
		l.transport("password", err)
		return false
	}
	if p.Step() != "question" {
		l.page("password", p)
		return false
	}
	if p, err = b.On(l.next()).Submit(p, map[string]string{"answer": u.Answer}); err != nil {
		l.transport("question", err)
		return false
	}
	code := p.RPQuery().Get("code")
	if code == "" {
		l.page("question", p)
		return false
	}
	status, body, err := fleet.Token(l.next(), l.app, fleet.CodeForm(code, auth))
	switch {
	case err != nil:
		l.transport("exchange", err) // the outcome is unknown
		return false
	case status != http.StatusOK:
		l.tokenAnswer("exchange", status, body)
		l.mu.Lock()
		l.unredeemed = append(l.unredeemed, procUnredeemed{code: code, auth: auth, answer: fmt.Sprint(body)})
		l.mu.Unlock()
		return false
	case fleet.JSONString(body, "access_token") == "" || fleet.JSONString(body, "refresh_token") == "":
		l.problem("exchange: 200 without tokens: %v", body)
		return false
	}
	tok := &procTokens{access: fleet.JSONString(body, "access_token"), refresh: fleet.JSONString(body, "refresh_token")}
	l.mu.Lock()
	l.redeemed = append(l.redeemed, procRedeemed{code: code, auth: auth})
	l.live = append(l.live, tok)
	l.successes = append(l.successes, time.Now())
	l.mu.Unlock()
	l.count("signed in")
	for range 2 {
		status, body, err := fleet.Token(l.next(), l.app, fleet.RefreshForm(tok.refresh))
		switch {
		case err != nil:
			l.transport("refresh", err)
			l.mu.Lock()
			tok.uncertain = true
			l.mu.Unlock()
			return false
		case status != http.StatusOK:
			l.tokenAnswer("refresh", status, body)
			return false
		case fleet.JSONString(body, "refresh_token") == "" || fleet.JSONString(body, "refresh_token") == tok.refresh:
			l.problem("refresh: 200 without a new refresh token: %v", body)
			return false
		}
		l.mu.Lock()
		l.rotated = append(l.rotated, tok.refresh)
		tok.access, tok.refresh = fleet.JSONString(body, "access_token"), fleet.JSONString(body, "refresh_token")
		l.mu.Unlock()
		l.count("refreshed")
	}
	return true
}

// start runs workers goroutines; the returned function stops them and
// waits (at most 90 s) for them to finish.
func (l *procLoad) start(t *testing.T, workers int) (stop func()) {
	stopc := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run(stopc)
		}()
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(stopc)
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(90 * time.Second):
				t.Errorf("load workers did not stop within 90 s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// summary lists the outcomes, sorted.
func (l *procLoad) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.outcomes))
	for k, n := range l.outcomes {
		keys = append(keys, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(keys)
	return strings.Join(keys, "; ")
}

// successesAfter counts sign-ins that finished after t0.
func (l *procLoad) successesAfter(t0 time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.successes {
		if s.After(t0) {
			n++
		}
	}
	return n
}

// checkBookkeeping proves, on the bases in turn, that nothing the load was
// given lacks its bookkeeping and nothing used can be used again:
//   - the newest access token of every sign-in works at userinfo, and its
//     newest refresh token (unless a refresh went unanswered) refreshes;
//   - every code whose exchange answered an error (during the fault) was
//     never consumed: it is redeemed now;
//   - every code redeemed before is refused (invalid_grant);
//   - every rotated refresh token is refused (invalid_grant).
//
// Replays revoke families, so the live tokens are checked first.
func (l *procLoad) checkBookkeeping(t *testing.T, bases []string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	at := fleet.RoundRobin(bases...)
	refreshed := 0
	for _, tok := range l.live {
		if status, _, err := fleet.Userinfo(at(), tok.access); err != nil || status != http.StatusOK {
			t.Errorf("an access token the load was given does not work at userinfo after recovery: %d %v", status, err)
		}
		if tok.uncertain {
			continue
		}
		status, body, err := fleet.Token(at(), l.app, fleet.RefreshForm(tok.refresh))
		if err != nil || status != http.StatusOK {
			t.Errorf("the newest refresh token of a sign-in does not work after recovery: %d %v %v", status, body, err)
		}
		refreshed++
	}
	for _, c := range l.unredeemed {
		status, body, err := fleet.Token(at(), l.app, fleet.CodeForm(c.code, c.auth))
		if err != nil || status != http.StatusOK {
			t.Errorf("a code whose exchange answered an error during the fault (%s) cannot be redeemed after recovery (%d %v %v): the code was consumed (and tokens were written) but the client was told to fail; its retry now counts as a replay",
				c.answer, status, body, err)
		}
	}
	for _, c := range l.redeemed {
		status, body, err := fleet.Token(at(), l.app, fleet.CodeForm(c.code, c.auth))
		if err != nil || status != http.StatusBadRequest || fleet.JSONString(body, "error") != "invalid_grant" {
			t.Errorf("a redeemed code was accepted again after the fault: %d %v %v", status, body, err)
		}
	}
	for _, r := range l.rotated {
		status, body, err := fleet.Token(at(), l.app, fleet.RefreshForm(r))
		if err != nil || status != http.StatusBadRequest || fleet.JSONString(body, "error") != "invalid_grant" {
			t.Errorf("a rotated refresh token was accepted again after the fault: %d %v %v", status, body, err)
		}
	}
	t.Logf("bookkeeping checked: %d live access tokens (%d refresh tokens refreshed), %d codes exchanged after the fault, %d code replays and %d refresh replays refused",
		len(l.live), refreshed, len(l.unredeemed), len(l.redeemed), len(l.rotated))
}

// procInterrupted is, prepared before a fault, one sign-in waiting at each
// step (password, question, passcode), a code not exchanged yet and a token
// pair; during the fault each one is tried once, and afterwards each one
// continues.
type procInterrupted struct {
	t                             *testing.T
	app                           fleet.Client
	a, b                          string
	users                         []*fixtures.Account // 4 accounts without a device
	mfaUser                       *fixtures.Account
	atPassword, atQuestion, atOTP *browser.Browser
	p2, p3, p4, p5                *browser.Page
	pwAuth, qAuth, otpAuth        fleet.Auth
	codeAuth                      fleet.Auth
	tokens                        map[string]any
}

func procPrepareInterrupted(t *testing.T, issuer string, app fleet.Client, a, b string, users []*fixtures.Account, mfaUser *fixtures.Account) *procInterrupted {
	t.Helper()
	must := func(p *browser.Page, err error) *browser.Page {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	x := &procInterrupted{t: t, app: app, a: a, b: b, users: users, mfaUser: mfaUser,
		atPassword: fleet.NewBrowser(), atQuestion: fleet.NewBrowser(), atOTP: fleet.NewBrowser(),
		pwAuth: fleet.NewAuth(issuer, app, "openid"), qAuth: fleet.NewAuth(issuer, app, "openid"),
		otpAuth: fleet.NewAuth(issuer, app, "openid"), codeAuth: fleet.NewAuth(issuer, app, "openid offline_access")}
	x.p2 = must(x.atPassword.On(a).Get(x.pwAuth.URL))
	x.p3 = must(x.atQuestion.On(b).Get(x.qAuth.URL))
	x.p3 = must(x.atQuestion.On(b).Submit(x.p3, map[string]string{"username": users[1].Name, "password": users[1].Password}))
	x.p4 = must(fleet.FirstFactor(x.atOTP, fleet.RoundRobin(a, b), x.otpAuth, mfaUser))
	x.p5 = must(fleet.FirstFactor(fleet.NewBrowser(), fleet.RoundRobin(b, a), x.codeAuth, users[2]))
	tokAuth := fleet.NewAuth(issuer, app, "openid offline_access")
	p6 := must(fleet.FirstFactor(fleet.NewBrowser(), fleet.RoundRobin(a, b), tokAuth, users[3]))
	if x.p2.Step() != "password" || x.p3.Step() != "question" || x.p4.Step() != "otp" || x.p5.RPQuery().Get("code") == "" || p6.RPQuery().Get("code") == "" {
		t.Fatalf("preparing interrupted sign-ins: %s | %s | %s | %s | %s", x.p2.Describe(), x.p3.Describe(), x.p4.Describe(), x.p5.Describe(), p6.Describe())
	}
	status, tokens, err := fleet.Token(b, app, fleet.CodeForm(p6.RPQuery().Get("code"), tokAuth))
	if err != nil || status != http.StatusOK {
		t.Fatalf("preparing interrupted sign-ins: exchange: %d %v %v", status, tokens, err)
	}
	x.tokens = tokens
	return x
}

// duringFault tries each prepared request once: every answer must fail
// closed, clearly.
func (x *procInterrupted) duringFault(fault string) {
	t := x.t
	t.Helper()
	clean := func(what string, p *browser.Page, err error) {
		t.Helper()
		switch {
		case err != nil:
			t.Errorf("%s %s: no answer: %v", what, fault, err)
		case fleet.StackTrace(p.Status, p.Body) != "":
			t.Errorf("%s %s: %s", what, fault, fleet.StackTrace(p.Status, p.Body))
		case p.Status == http.StatusServiceUnavailable && p.Step() == "error" && p.Alert() != "" && !p.ToRP():
			t.Logf("%s %s: 503 page %q", what, fault, p.Alert())
		case p.ToRP() && p.RPQuery().Get("error") != "" && p.RPQuery().Get("code") == "":
			t.Logf("%s %s: the protocol's error redirect (error=%s)", what, fault, p.RPQuery().Get("error"))
		default:
			t.Errorf("%s %s: want a clear 503 page or the protocol's error, got %s", what, fault, p.Describe())
		}
	}
	pNew, err := fleet.NewBrowser().On(x.a).Get(x.pwAuth.URL)
	clean("a new authorization request", pNew, err)
	p, err := x.atPassword.On(x.b).Submit(x.p2, map[string]string{"username": x.users[0].Name, "password": x.users[0].Password})
	clean("the password step", p, err)
	p, err = x.atQuestion.On(x.a).Submit(x.p3, map[string]string{"answer": x.users[1].Answer})
	clean("the question step", p, err)
	p, err = x.atOTP.On(x.b).Submit(x.p4, map[string]string{"code": fleet.Passcode(x.mfaUser.Secret, 1)})
	clean("the passcode step (a right code)", p, err)
	tokenError := func(what string, status int, body map[string]any, err error) {
		t.Helper()
		switch {
		case err != nil || fleet.JSONString(body, "access_token") != "" || fleet.JSONString(body, "error") == "":
			t.Errorf("%s %s: want the protocol's error, got %d %v %v", what, fault, status, body, err)
		case procInternalDetail(fleet.JSONString(body, "error_description")):
			t.Errorf("%s %s: %d %s with internal detail in error_description: %q", what, fault, status, fleet.JSONString(body, "error"), fleet.JSONString(body, "error_description"))
		case fleet.JSONString(body, "error") == "invalid_grant":
			t.Errorf("%s of a valid credential %s answered %d invalid_grant (%q): a client throws the still-valid credential away; a storage failure must be server_error (or temporarily_unavailable)",
				what, fault, status, fleet.JSONString(body, "error_description"))
		default:
			t.Logf("%s %s: %d %s %q", what, fault, status, fleet.JSONString(body, "error"), fleet.JSONString(body, "error_description"))
		}
	}
	s, body, err := fleet.Token(x.a, x.app, fleet.CodeForm(x.p5.RPQuery().Get("code"), x.codeAuth))
	tokenError("code exchange", s, body, err)
	s, body, err = fleet.Token(x.b, x.app, fleet.RefreshForm(fleet.JSONString(x.tokens, "refresh_token")))
	tokenError("refresh", s, body, err)
	if s, body, err := fleet.Userinfo(x.a, fleet.JSONString(x.tokens, "access_token")); err != nil {
		t.Errorf("userinfo %s: no answer: %v", fault, err)
	} else {
		t.Logf("userinfo %s: %d %v", fault, s, body)
	}
}

// afterFault continues every prepared sign-in from where it stood (a
// reload of its page), and redeems the code and the refresh token.
func (x *procInterrupted) afterFault(when string) {
	t := x.t
	t.Helper()
	cont := func(what string, b *browser.Browser, page *browser.Page, base string, u *fixtures.Account, auth fleet.Auth) {
		t.Helper()
		p, err := b.On(base).Load(page.URL.String())
		if err == nil {
			p, err = b.On(base).Follow(p)
		}
		if err != nil || p.Step() != page.Step() {
			t.Errorf("%s %s: reloading the page: %v %s", what, when, err, p.Describe())
			return
		}
		for p.Step() != "" && !p.ToRP() {
			step := p.Step()
			var v map[string]string
			switch step {
			case "password":
				v = map[string]string{"username": u.Name, "password": u.Password}
			case "question":
				v = map[string]string{"answer": u.Answer}
			case "otp":
				v = map[string]string{"code": fleet.Passcode(u.Secret, 1)}
			}
			if p, err = b.On(base).Submit(p, v); err != nil {
				t.Errorf("%s %s: %v", what, when, err)
				return
			}
			if p.Step() == step {
				t.Errorf("%s %s: the %s step refused: %s", what, when, step, p.Describe())
				return
			}
		}
		code := p.RPQuery().Get("code")
		if code == "" {
			t.Errorf("%s %s: %s", what, when, p.Describe())
			return
		}
		if status, body, err := fleet.Token(base, x.app, fleet.CodeForm(code, auth)); err != nil || status != http.StatusOK {
			t.Errorf("%s %s: exchange %d %v %v", what, when, status, body, err)
		}
	}
	cont("the sign-in at the password step", x.atPassword, x.p2, x.a, x.users[0], x.pwAuth)
	cont("the sign-in at the question step", x.atQuestion, x.p3, x.b, x.users[1], x.qAuth)
	cont("the sign-in at the passcode step", x.atOTP, x.p4, x.a, x.mfaUser, x.otpAuth)
	if s, body, err := fleet.Token(x.b, x.app, fleet.CodeForm(x.p5.RPQuery().Get("code"), x.codeAuth)); err != nil || s != http.StatusOK {
		t.Errorf("the code whose exchange failed during the fault, %s: %d %v %v", when, s, body, err)
	}
	if s, body, err := fleet.Token(x.a, x.app, fleet.RefreshForm(fleet.JSONString(x.tokens, "refresh_token"))); err != nil || s != http.StatusOK {
		t.Errorf("the refresh token whose refresh failed during the fault, %s: %d %v %v", when, s, body, err)
	}
	if s, _, err := fleet.Userinfo(x.b, fleet.JSONString(x.tokens, "access_token")); err != nil || s != http.StatusOK {
		t.Errorf("userinfo %s: %d %v", when, s, err)
	}
}

// procInternalDetail reports error text that belongs in a log, not in an
// answer to a client.
func procInternalDetail(s string) bool {
	for _, w := range []string{"SQLSTATE", "FATAL", "dial tcp", "connection refused", "sqlite", "SQLITE", "disk is full", "gorm", ".go:"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

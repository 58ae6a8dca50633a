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
)

// procLoad runs sign-ins (authorize, password, question, code exchange,
// two refreshes) against replicas while a fault is injected, and records
// what each answer proves, for the checks after recovery.
type procLoad struct {
	issuer string
	app    procClient
	users  []*procUser
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
	auth procAuth
}

type procUnredeemed struct {
	code   string
	auth   procAuth
	answer string
}

type procTokens struct {
	access, refresh string
	// uncertain: a refresh got no answer, so whether the server rotated
	// the refresh token is unknown.
	uncertain bool
}

func newProcLoad(issuer string, app procClient, users []*procUser, next func() string) *procLoad {
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
func (l *procLoad) page(what string, p *procPage) {
	if s := procStackTrace(p.status, p.body); s != "" {
		l.problem("%s: %s", what, s)
		return
	}
	switch {
	case p.toRP() && p.rpQuery().Get("error") != "" && p.rpQuery().Get("code") == "":
		l.failed(what + ": error redirect " + p.rpQuery().Get("error"))
	case p.status == http.StatusServiceUnavailable && p.step() == "error" && p.alert() != "":
		l.failed(what + ": 503 page")
	case p.status >= 500:
		l.problem("%s: %s", what, p.describe())
	case p.status >= 400 && p.step() == "error" && p.alert() != "":
		l.failed(fmt.Sprintf("%s: %d page %q", what, p.status, p.alert()))
	default:
		l.problem("%s: unexpected answer %s", what, p.describe())
	}
}

// tokenAnswer records a token endpoint answer that was not 200 for a code
// or refresh token that was valid (just issued, never used): it must be the
// protocol's JSON error, without internal detail, and not invalid_grant,
// which tells the client to throw a good credential away.
func (l *procLoad) tokenAnswer(what string, status int, body map[string]any) {
	switch {
	case jsonStr(body, "error") == "" || jsonStr(body, "access_token") != "":
		l.problem("%s: status %d without an OAuth error: %v", what, status, body)
	case procInternalDetail(jsonStr(body, "error_description")):
		l.problem("%s: status %d %s with internal detail in error_description: %q", what, status, jsonStr(body, "error"), jsonStr(body, "error_description"))
	case jsonStr(body, "error") == "invalid_grant":
		l.problem("%s of a valid, unused credential answered %d invalid_grant (%s): a client discards a credential that is still good",
			what, status, jsonStr(body, "error_description"))
	default:
		l.failed(fmt.Sprintf("%s: %d %s", what, status, jsonStr(body, "error")))
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
func (l *procLoad) once(u *procUser) bool {
	b := newProcBrowser()
	auth := newProcAuth(l.issuer, l.app, "openid offline_access")
	p, err := b.open(l.next(), auth.url)
	if err != nil {
		l.transport("authorize", err)
		return false
	}
	if p.step() != "password" {
		l.page("authorize", p)
		return false
	}
	if p, err = b.submit(p, l.next(), map[string]string{"username": u.name, "password": u.password}); err != nil {
		l.transport("password", err)
		return false
	}
	if p.step() != "question" {
		l.page("password", p)
		return false
	}
	if p, err = b.submit(p, l.next(), map[string]string{"answer": u.answer}); err != nil {
		l.transport("question", err)
		return false
	}
	code := p.rpQuery().Get("code")
	if code == "" {
		l.page("question", p)
		return false
	}
	status, body, err := procToken(l.next(), l.app, procCodeForm(code, auth))
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
	case jsonStr(body, "access_token") == "" || jsonStr(body, "refresh_token") == "":
		l.problem("exchange: 200 without tokens: %v", body)
		return false
	}
	tok := &procTokens{access: jsonStr(body, "access_token"), refresh: jsonStr(body, "refresh_token")}
	l.mu.Lock()
	l.redeemed = append(l.redeemed, procRedeemed{code: code, auth: auth})
	l.live = append(l.live, tok)
	l.successes = append(l.successes, time.Now())
	l.mu.Unlock()
	l.count("signed in")
	for range 2 {
		status, body, err := procToken(l.next(), l.app, procRefreshForm(tok.refresh))
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
		case jsonStr(body, "refresh_token") == "" || jsonStr(body, "refresh_token") == tok.refresh:
			l.problem("refresh: 200 without a new refresh token: %v", body)
			return false
		}
		l.mu.Lock()
		l.rotated = append(l.rotated, tok.refresh)
		tok.access, tok.refresh = jsonStr(body, "access_token"), jsonStr(body, "refresh_token")
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
	at := procRoundRobin(bases...)
	refreshed := 0
	for _, tok := range l.live {
		if status, _, err := procUserinfo(at(), tok.access); err != nil || status != http.StatusOK {
			t.Errorf("an access token the load was given does not work at userinfo after recovery: %d %v", status, err)
		}
		if tok.uncertain {
			continue
		}
		status, body, err := procToken(at(), l.app, procRefreshForm(tok.refresh))
		if err != nil || status != http.StatusOK {
			t.Errorf("the newest refresh token of a sign-in does not work after recovery: %d %v %v", status, body, err)
		}
		refreshed++
	}
	for _, c := range l.unredeemed {
		status, body, err := procToken(at(), l.app, procCodeForm(c.code, c.auth))
		if err != nil || status != http.StatusOK {
			t.Errorf("a code whose exchange answered an error during the fault (%s) cannot be redeemed after recovery (%d %v %v): the code was consumed (and tokens were written) but the client was told to fail; its retry now counts as a replay",
				c.answer, status, body, err)
		}
	}
	for _, c := range l.redeemed {
		status, body, err := procToken(at(), l.app, procCodeForm(c.code, c.auth))
		if err != nil || status != http.StatusBadRequest || jsonStr(body, "error") != "invalid_grant" {
			t.Errorf("a redeemed code was accepted again after the fault: %d %v %v", status, body, err)
		}
	}
	for _, r := range l.rotated {
		status, body, err := procToken(at(), l.app, procRefreshForm(r))
		if err != nil || status != http.StatusBadRequest || jsonStr(body, "error") != "invalid_grant" {
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
	app                           procClient
	a, b                          string
	users                         []*procUser // 4 accounts without a device
	mfaUser                       *procUser
	atPassword, atQuestion, atOTP *procBrowser
	p2, p3, p4, p5                *procPage
	pwAuth, qAuth, otpAuth        procAuth
	codeAuth                      procAuth
	tokens                        map[string]any
}

func procPrepareInterrupted(t *testing.T, issuer string, app procClient, a, b string, users []*procUser, mfaUser *procUser) *procInterrupted {
	t.Helper()
	must := func(p *procPage, err error) *procPage {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	x := &procInterrupted{t: t, app: app, a: a, b: b, users: users, mfaUser: mfaUser,
		atPassword: newProcBrowser(), atQuestion: newProcBrowser(), atOTP: newProcBrowser(),
		pwAuth: newProcAuth(issuer, app, "openid"), qAuth: newProcAuth(issuer, app, "openid"),
		otpAuth: newProcAuth(issuer, app, "openid"), codeAuth: newProcAuth(issuer, app, "openid offline_access")}
	x.p2 = must(x.atPassword.open(a, x.pwAuth.url))
	x.p3 = must(x.atQuestion.open(b, x.qAuth.url))
	x.p3 = must(x.atQuestion.submit(x.p3, b, map[string]string{"username": users[1].name, "password": users[1].password}))
	x.p4 = must(procFirstFactor(x.atOTP, procRoundRobin(a, b), x.otpAuth, mfaUser))
	x.p5 = must(procFirstFactor(newProcBrowser(), procRoundRobin(b, a), x.codeAuth, users[2]))
	tokAuth := newProcAuth(issuer, app, "openid offline_access")
	p6 := must(procFirstFactor(newProcBrowser(), procRoundRobin(a, b), tokAuth, users[3]))
	if x.p2.step() != "password" || x.p3.step() != "question" || x.p4.step() != "otp" || x.p5.rpQuery().Get("code") == "" || p6.rpQuery().Get("code") == "" {
		t.Fatalf("preparing interrupted sign-ins: %s | %s | %s | %s | %s", x.p2.describe(), x.p3.describe(), x.p4.describe(), x.p5.describe(), p6.describe())
	}
	status, tokens, err := procToken(b, app, procCodeForm(p6.rpQuery().Get("code"), tokAuth))
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
	clean := func(what string, p *procPage, err error) {
		t.Helper()
		switch {
		case err != nil:
			t.Errorf("%s %s: no answer: %v", what, fault, err)
		case procStackTrace(p.status, p.body) != "":
			t.Errorf("%s %s: %s", what, fault, procStackTrace(p.status, p.body))
		case p.status == http.StatusServiceUnavailable && p.step() == "error" && p.alert() != "" && !p.toRP():
			t.Logf("%s %s: 503 page %q", what, fault, p.alert())
		case p.toRP() && p.rpQuery().Get("error") != "" && p.rpQuery().Get("code") == "":
			t.Logf("%s %s: the protocol's error redirect (error=%s)", what, fault, p.rpQuery().Get("error"))
		default:
			t.Errorf("%s %s: want a clear 503 page or the protocol's error, got %s", what, fault, p.describe())
		}
	}
	pNew, err := newProcBrowser().open(x.a, x.pwAuth.url)
	clean("a new authorization request", pNew, err)
	p, err := x.atPassword.submit(x.p2, x.b, map[string]string{"username": x.users[0].name, "password": x.users[0].password})
	clean("the password step", p, err)
	p, err = x.atQuestion.submit(x.p3, x.a, map[string]string{"answer": x.users[1].answer})
	clean("the question step", p, err)
	p, err = x.atOTP.submit(x.p4, x.b, map[string]string{"code": procPasscode(x.mfaUser.secret, 1)})
	clean("the passcode step (a right code)", p, err)
	tokenError := func(what string, status int, body map[string]any, err error) {
		t.Helper()
		switch {
		case err != nil || jsonStr(body, "access_token") != "" || jsonStr(body, "error") == "":
			t.Errorf("%s %s: want the protocol's error, got %d %v %v", what, fault, status, body, err)
		case procInternalDetail(jsonStr(body, "error_description")):
			t.Errorf("%s %s: %d %s with internal detail in error_description: %q", what, fault, status, jsonStr(body, "error"), jsonStr(body, "error_description"))
		case jsonStr(body, "error") == "invalid_grant":
			t.Errorf("%s of a valid credential %s answered %d invalid_grant (%q): a client throws the still-valid credential away; a storage failure must be server_error (or temporarily_unavailable)",
				what, fault, status, jsonStr(body, "error_description"))
		default:
			t.Logf("%s %s: %d %s %q", what, fault, status, jsonStr(body, "error"), jsonStr(body, "error_description"))
		}
	}
	s, body, err := procToken(x.a, x.app, procCodeForm(x.p5.rpQuery().Get("code"), x.codeAuth))
	tokenError("code exchange", s, body, err)
	s, body, err = procToken(x.b, x.app, procRefreshForm(jsonStr(x.tokens, "refresh_token")))
	tokenError("refresh", s, body, err)
	if s, body, err := procUserinfo(x.a, jsonStr(x.tokens, "access_token")); err != nil {
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
	cont := func(what string, b *procBrowser, page *procPage, base string, u *procUser, auth procAuth) {
		t.Helper()
		p, err := b.get(base, page.url.String())
		if err == nil {
			p, err = b.follow(p, base)
		}
		if err != nil || p.step() != page.step() {
			t.Errorf("%s %s: reloading the page: %v %s", what, when, err, p.describe())
			return
		}
		for p.step() != "" && !p.toRP() {
			step := p.step()
			var v map[string]string
			switch step {
			case "password":
				v = map[string]string{"username": u.name, "password": u.password}
			case "question":
				v = map[string]string{"answer": u.answer}
			case "otp":
				v = map[string]string{"code": procPasscode(u.secret, 1)}
			}
			if p, err = b.submit(p, base, v); err != nil {
				t.Errorf("%s %s: %v", what, when, err)
				return
			}
			if p.step() == step {
				t.Errorf("%s %s: the %s step refused: %s", what, when, step, p.describe())
				return
			}
		}
		code := p.rpQuery().Get("code")
		if code == "" {
			t.Errorf("%s %s: %s", what, when, p.describe())
			return
		}
		if status, body, err := procToken(base, x.app, procCodeForm(code, auth)); err != nil || status != http.StatusOK {
			t.Errorf("%s %s: exchange %d %v %v", what, when, status, body, err)
		}
	}
	cont("the sign-in at the password step", x.atPassword, x.p2, x.a, x.users[0], x.pwAuth)
	cont("the sign-in at the question step", x.atQuestion, x.p3, x.b, x.users[1], x.qAuth)
	cont("the sign-in at the passcode step", x.atOTP, x.p4, x.a, x.mfaUser, x.otpAuth)
	if s, body, err := procToken(x.b, x.app, procCodeForm(x.p5.rpQuery().Get("code"), x.codeAuth)); err != nil || s != http.StatusOK {
		t.Errorf("the code whose exchange failed during the fault, %s: %d %v %v", when, s, body, err)
	}
	if s, body, err := procToken(x.a, x.app, procRefreshForm(jsonStr(x.tokens, "refresh_token"))); err != nil || s != http.StatusOK {
		t.Errorf("the refresh token whose refresh failed during the fault, %s: %d %v %v", when, s, body, err)
	}
	if s, _, err := procUserinfo(x.b, jsonStr(x.tokens, "access_token")); err != nil || s != http.StatusOK {
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

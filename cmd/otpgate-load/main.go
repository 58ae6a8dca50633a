// Command otpgate-load is a bounded load driver for otpgate: it signs
// accounts in concurrently against a list of replicas, sending each HTTP
// request to the next replica in turn (as a round-robin load balancer
// would), and prints sign-ins per second and latency percentiles.
//
// One sign-in is: GET /authorize, the password step, the security-question
// step, the callback, and the code exchange at the token endpoint with the
// ID token's signature, issuer, audience and nonce verified. Accounts have
// no authenticator device (a passcode can be used once per 30 s step per
// account, which would cap the rate by the number of accounts, not by
// otpgate).
//
//	otpgate-load -replicas http://127.0.0.1:18081,http://127.0.0.1:18082 \
//	    -database postgres://…/otpgate -provision -users 40 -concurrency 8 -duration 20s
//
// With -provision the driver first creates (if missing) the client and the
// accounts in the database, hashed with the production argon2id
// parameters. The replicas must allow many sign-ins from one address
// (OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP=0).
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// redirectURI is the load client's redirect URI, on the host where the
// browser stops.
const redirectURI = "https://" + browser.DefaultRPHost + "/callback"

type config struct {
	replicas    []string
	issuer      string
	database    string
	provision   bool
	users       int
	concurrency int
	duration    time.Duration
	clientID    string
	secret      string
	seed        string
	timeout     time.Duration
	// guessers post wrong passwords for names that are no account,
	// beside the sign-ins, each from a browser of its own.
	guessers int
	// knownBrowsers keeps one browser per account, so that after its
	// first sign-in it is a known browser of the account (prompt=login
	// keeps the password step).
	knownBrowsers bool
	// pids are server processes whose peak resident memory is printed.
	pids []int
}

func main() {
	var c config
	var replicas string
	flag.StringVar(&replicas, "replicas", "http://127.0.0.1:8080", "comma-separated base URLs of the replicas")
	flag.StringVar(&c.issuer, "issuer", "", "issuer URL (default: the first replica)")
	flag.StringVar(&c.database, "database", "", "database of the replicas (a postgres:// URL or a SQLite path), for -provision")
	flag.BoolVar(&c.provision, "provision", false, "create the client and the accounts in -database first (if missing)")
	flag.IntVar(&c.users, "users", 40, "number of accounts signed in (in turn)")
	flag.IntVar(&c.concurrency, "concurrency", 8, "concurrent sign-ins")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "how long new sign-ins are started")
	flag.StringVar(&c.clientID, "client-id", "load", "client id")
	flag.StringVar(&c.secret, "client-secret", "otpgate-load-client-secret", "client secret")
	flag.StringVar(&c.seed, "seed", "otpgate-load", "accounts are <seed>-NNNN with password <seed>-password-NNNN")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	flag.IntVar(&c.guessers, "guessers", 0, "concurrent wrong-password posts (for names that are no account) beside the sign-ins")
	flag.BoolVar(&c.knownBrowsers, "known-browsers", false, "sign each account in from the same browser every time (a known browser after its first sign-in)")
	var pids string
	flag.StringVar(&pids, "server-pids", "", "comma-separated server process ids whose peak resident memory (Linux VmHWM) is printed at the end")
	flag.Parse()
	for _, p := range strings.Split(pids, ",") {
		if p = strings.TrimSpace(p); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				fmt.Fprintln(os.Stderr, "otpgate-load: -server-pids:", err)
				os.Exit(2)
			}
			c.pids = append(c.pids, n)
		}
	}
	for _, r := range strings.Split(replicas, ",") {
		if r = strings.TrimRight(strings.TrimSpace(r), "/"); r != "" {
			c.replicas = append(c.replicas, r)
		}
	}
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "otpgate-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if c.provision {
		if err := provision(ctx, c); err != nil {
			fmt.Fprintln(os.Stderr, "otpgate-load: provision:", err)
			os.Exit(1)
		}
	}
	res, err := runLoad(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "otpgate-load:", err)
		os.Exit(1)
	}
	res.print(os.Stdout, c)
	if res.ok == 0 {
		os.Exit(1)
	}
}

func (c *config) check() error {
	if len(c.replicas) == 0 {
		return errors.New("-replicas is empty")
	}
	for _, r := range c.replicas {
		if u, err := url.Parse(r); err != nil || u.Host == "" {
			return fmt.Errorf("replica %q is not a URL", r)
		}
	}
	if c.issuer == "" {
		c.issuer = c.replicas[0]
	}
	switch {
	case c.users < 1 || c.users > 100000:
		return errors.New("-users must be between 1 and 100000")
	case c.concurrency < 1 || c.concurrency > 1000:
		return errors.New("-concurrency must be between 1 and 1000")
	case c.duration <= 0 || c.duration > time.Hour:
		return errors.New("-duration must be positive and at most 1h")
	case c.provision && c.database == "":
		return errors.New("-provision needs -database")
	case c.guessers < 0 || c.guessers > 1000:
		return errors.New("-guessers must be between 0 and 1000")
	case c.concurrency > c.users:
		// Ten password checks in flight for one account lock it.
		return errors.New("-concurrency must not exceed -users (one account signs in once at a time)")
	}
	return nil
}

func username(c config, i int) string { return fmt.Sprintf("%s-%04d", c.seed, i) }
func password(c config, i int) string { return fmt.Sprintf("%s-password-%04d", c.seed, i) }

const answer = "load test answer"

// provision creates the client and the accounts that are missing, hashed
// with the production parameters.
func provision(ctx context.Context, c config) error {
	driver := "sqlite"
	if strings.HasPrefix(c.database, "postgres://") || strings.HasPrefix(c.database, "postgresql://") {
		driver = "postgres"
	}
	st, err := store.Open(driver, c.database)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	h := credential.NewHasher(credential.OWASP)
	if _, err := st.ClientByID(ctx, c.clientID); errors.Is(err, store.ErrNotFound) {
		err = st.CreateClient(ctx, &store.Client{ID: c.clientID, Name: "otpgate-load", SecretHash: h.Hash(c.secret),
			RedirectURIs: store.StringList{redirectURI}, PostLogoutRedirectURIs: store.StringList{}})
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	sem := make(chan struct{}, 4)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		created atomic.Int64
	)
	for i := range c.users {
		if _, err := st.UserByUsername(ctx, username(c, i)); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := make([]byte, 12)
			_, _ = rand.Read(id)
			err := st.CreateUser(ctx, &store.User{ID: "u_" + base64.RawURLEncoding.EncodeToString(id), Username: username(c, i),
				Email: username(c, i) + "@load.example", Name: username(c, i), PasswordHash: h.Hash(password(c, i)),
				Question: "first_pet", AnswerHash: h.Hash(credential.NormalizeAnswer(answer))})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			created.Add(1)
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	fmt.Fprintf(os.Stderr, "provisioned client %q and %d new accounts (%d in all)\n", c.clientID, created.Load(), c.users)
	return nil
}

// result is what a run measured.
type result struct {
	ok        int
	failures  map[string]int
	latencies []time.Duration
	requests  int64
	elapsed   time.Duration
	// guesses counts the guessers' answers by HTTP status.
	guesses map[int]int
}

func runLoad(ctx context.Context, c config) (*result, error) {
	var rr atomic.Uint64
	next := func() string { return c.replicas[rr.Add(1)%uint64(len(c.replicas))] }
	transport := &http.Transport{MaxIdleConnsPerHost: c.concurrency * 2, IdleConnTimeout: time.Minute}
	var requests atomic.Int64
	counting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requests.Add(1)
		return transport.RoundTrip(r)
	})
	keys := rp.NewRemoteKeySet(&http.Client{Transport: counting, Timeout: c.timeout}, c.replicas[0]+"/keys")
	verifier := rp.NewIDTokenVerifier(c.issuer, c.clientID, keys,
		rp.WithNonce(func(ctx context.Context) string { n, _ := ctx.Value(nonceKey{}).(string); return n }))

	browsers := make([]*browser.Browser, c.users)
	if c.knownBrowsers {
		// Warm-up, not measured: each account signs in once from its
		// browser, which becomes a known browser of the account.
		for i := range c.users {
			if err := signIn(ctx, c, next, counting, verifier, i, browsers); err != nil {
				return nil, fmt.Errorf("warm-up sign-in of %s: %w", username(c, i), err)
			}
		}
		requests.Store(0)
	}
	res := &result{failures: map[string]int{}, guesses: map[int]int{}}
	var mu sync.Mutex
	var n atomic.Int64
	deadline := time.Now().Add(c.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for range c.guessers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				status := guess(ctx, c, next, counting)
				mu.Lock()
				res.guesses[status]++
				mu.Unlock()
			}
		})
	}
	for range c.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := int(n.Add(1)-1) % c.users
				t0 := time.Now()
				err := signIn(ctx, c, next, counting, verifier, i, browsers)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.failures[err.Error()]++
				} else {
					res.ok++
					res.latencies = append(res.latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = requests.Load()
	return res, ctx.Err()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type nonceKey struct{}

// signIn signs account i in; each request goes to next().
func signIn(ctx context.Context, c config, next func() string, transport http.RoundTripper, v *rp.IDTokenVerifier, i int,
	browsers []*browser.Browser) error {
	b := browser.New().WithClient(transport, c.timeout)
	if c.knownBrowsers {
		// Account i signs in from one worker at a time (concurrency never
		// exceeds the accounts), so its browser is not shared.
		if browsers[i] == nil {
			browsers[i] = b
		}
		b = browsers[i]
	}
	b.Route, b.Context = next, ctx
	verifierBytes := make([]byte, 32)
	_, _ = rand.Read(verifierBytes)
	pkce := base64.RawURLEncoding.EncodeToString(verifierBytes)
	sum := sha256.Sum256([]byte(pkce))
	nonce := rand.Text()
	q := url.Values{"client_id": {c.clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid"}, "state": {rand.Text()}, "nonce": {nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"prompt": {"login"}}
	p, err := b.Get(c.issuer + "/authorize?" + q.Encode())
	if err != nil {
		return errors.New("authorize: " + shortErr(err))
	}
	if p.Step() != "password" {
		return fmt.Errorf("authorize: status %d step %q", p.Status, p.Step())
	}
	if p, err = b.Submit(p, map[string]string{"username": username(c, i), "password": password(c, i)}); err != nil {
		return errors.New("password: " + shortErr(err))
	}
	if p.Step() != "question" {
		return fmt.Errorf("password: status %d step %q", p.Status, p.Step())
	}
	if p, err = b.Submit(p, map[string]string{"answer": answer}); err != nil {
		return errors.New("question: " + shortErr(err))
	}
	if p.Code() == "" {
		return fmt.Errorf("question: status %d step %q (no code)", p.Status, p.Step())
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {p.Code()},
		"redirect_uri": {redirectURI}, "code_verifier": {pkce}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, next()+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.secret))
	resp, err := b.Client.Do(req)
	if err != nil {
		return errors.New("token: " + shortErr(err))
	}
	defer resp.Body.Close()
	var tokens struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tokens)
	if resp.StatusCode != http.StatusOK || tokens.IDToken == "" {
		return fmt.Errorf("token: status %d %s", resp.StatusCode, tokens.Error)
	}
	if _, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.WithValue(ctx, nonceKey{}, nonce), tokens.IDToken, v); err != nil {
		return errors.New("id token: " + shortErr(err))
	}
	return nil
}

// guess posts one wrong password for a name that is no account, from a
// browser of its own, and returns the answer's status (0: no answer).
func guess(ctx context.Context, c config, next func() string, transport http.RoundTripper) int {
	b := browser.New().WithClient(transport, c.timeout)
	b.Route, b.Context = next, ctx
	q := url.Values{"client_id": {c.clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid"}, "state": {rand.Text()}, "code_challenge": {strings.Repeat("A", 43)},
		"code_challenge_method": {"S256"}}
	p, err := b.Get(c.issuer + "/authorize?" + q.Encode())
	if err != nil || p.Step() != "password" {
		return 0
	}
	p, err = b.Submit(p, map[string]string{"username": "guess-" + rand.Text(), "password": "Winter2026!"})
	if err != nil {
		return 0
	}
	return p.Status
}

// peakRSS is a process's peak resident memory from /proc (Linux).
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 80 {
		return s[i+2:]
	}
	return s
}

func (r *result) print(w io.Writer, c config) {
	slices.Sort(r.latencies)
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		i := int(p * float64(len(r.latencies)-1))
		return r.latencies[i].Round(time.Millisecond)
	}
	failed := 0
	for _, n := range r.failures {
		failed += n
	}
	fmt.Fprintf(w, "replicas %d, concurrency %d, accounts %d, duration %s (ran %s)\n",
		len(c.replicas), c.concurrency, c.users, c.duration, r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "sign-ins: %d ok, %d failed; %.1f sign-ins/s; %.1f HTTP requests/s\n",
		r.ok, failed, float64(r.ok)/r.elapsed.Seconds(), float64(r.requests)/r.elapsed.Seconds())
	fmt.Fprintf(w, "sign-in latency: p50 %s, p95 %s, p99 %s, max %s\n", pct(0.50), pct(0.95), pct(0.99), pct(1))
	keys := make([]string, 0, len(r.failures))
	for k := range r.failures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  failure ×%d: %s\n", r.failures[k], k)
	}
	if c.guessers > 0 {
		statuses := slices.Sorted(maps.Keys(r.guesses))
		parts := []string{}
		for _, st := range statuses {
			parts = append(parts, fmt.Sprintf("%d ×%d", st, r.guesses[st]))
		}
		fmt.Fprintf(w, "guessers %d: answers %s\n", c.guessers, strings.Join(parts, ", "))
	}
	for _, pid := range c.pids {
		fmt.Fprintf(w, "server %d: peak resident memory %s\n", pid, peakRSS(pid))
	}
}

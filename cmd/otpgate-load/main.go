// Command otpgate-load is a bounded load driver for otpgate: it repeats one
// workload concurrently against a list of replicas, sending each HTTP
// request to the next replica in turn (as a round-robin load balancer
// would), and prints operations per second, HTTP requests per second,
// latency percentiles and, for the server processes named by -server-pids,
// CPU time per operation and memory.
//
// The workloads (-workload):
//   - signin (the default): GET /authorize, the password step, the
//     security-question step, the callback, and the code exchange at the
//     token endpoint with the ID token's signature, issuer, audience and
//     nonce verified. The accounts have no authenticator device.
//   - signin-mfa: the same with a TOTP passcode after the question, and
//     the ID token's amr must say a passcode passed. Its accounts
//     (<seed>-mfa-NNNN) have a device whose secret is derived from -seed
//     and the account's index; -provision enrols it, sealed with the
//     server's encryption key (-encryption-key-file). A passcode is
//     accepted once per 30 s step per account, so an account signs in at
//     most once per step: -users must be at least 30 s × the sign-ins per
//     second the server sustains, or the run waits for the next step (and
//     says so).
//   - refresh: each worker signs in once (scope openid offline_access, not
//     measured), then redeems its refresh token at the token endpoint
//     (client_secret_basic) again and again, always with the one the last
//     answer rotated in.
//   - userinfo: each worker signs in once (not measured), then asks
//     /userinfo with its access token again and again.
//   - jwks, discovery: GET the key set (discovery's jwks_uri) or the
//     discovery document again and again.
//
// For example:
//
//	otpgate-load -replicas http://127.0.0.1:18081,http://127.0.0.1:18082 \
//	    -database postgres://…/otpgate -provision -users 40 -concurrency 8 -duration 20s
//
// With -provision the driver first creates (if missing) the client and the
// accounts in the database, hashed with the production argon2id
// parameters. The replicas must allow many sign-ins from one address
// (OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP=0). Warm-up (known browsers'
// first sign-ins, the tokens of refresh and userinfo) is never measured.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/browser"
)

// redirectURI is the load client's redirect URI, on the host where the
// browser stops.
const redirectURI = "https://" + browser.DefaultRPHost + "/callback"

type config struct {
	// workload is one of workloadNames.
	workload    string
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
	// keyFile holds the servers' encryption key (signin-mfa), which seals
	// and opens the accounts' device secrets.
	keyFile string
	// guessers post wrong passwords for names that are no account,
	// beside the workload, each from a browser of its own.
	guessers int
	// knownBrowsers keeps one browser per account, so that after its
	// first sign-in it is a known browser of the account (prompt=login
	// keeps the password step).
	knownBrowsers bool
	// pids are server processes whose CPU time and memory are printed.
	pids []int
}

func main() {
	var c config
	var replicas string
	flag.StringVar(&c.workload, "workload", "signin", "what is repeated: "+strings.Join(workloadNames, ", "))
	flag.StringVar(&replicas, "replicas", "http://127.0.0.1:8080", "comma-separated base URLs of the replicas")
	flag.StringVar(&c.issuer, "issuer", "", "issuer URL (default: the first replica)")
	flag.StringVar(&c.database, "database", "", "database of the replicas (a postgres:// URL or a SQLite path), for -provision and signin-mfa")
	flag.BoolVar(&c.provision, "provision", false, "create the client and the accounts (with signin-mfa: and their devices) in -database first (if missing)")
	flag.IntVar(&c.users, "users", 40, "number of accounts signed in (in turn)")
	flag.IntVar(&c.concurrency, "concurrency", 8, "concurrent operations")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "how long new operations are started")
	flag.StringVar(&c.clientID, "client-id", "load", "client id")
	flag.StringVar(&c.secret, "client-secret", "otpgate-load-client-secret", "client secret")
	flag.StringVar(&c.seed, "seed", "otpgate-load", "accounts are <seed>-NNNN (signin-mfa: <seed>-mfa-NNNN) with password <seed>-password-NNNN (<seed>-mfa-password-NNNN); device secrets derive from it")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	flag.StringVar(&c.keyFile, "encryption-key-file", os.Getenv("OTPGATE_ENCRYPTION_KEY_FILE"),
		"file holding the servers' encryption key (their encryption_key_file), for signin-mfa (default $OTPGATE_ENCRYPTION_KEY_FILE)")
	flag.IntVar(&c.guessers, "guessers", 0, "concurrent wrong-password posts (for names that are no account) beside the workload")
	flag.BoolVar(&c.knownBrowsers, "known-browsers", false, "sign each account in from the same browser every time (a known browser after its first sign-in)")
	var pids string
	flag.StringVar(&pids, "server-pids", "", "comma-separated server process ids whose CPU time per operation and memory (Linux /proc) are printed")
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
	if c.workload == "" {
		c.workload = "signin"
	}
	w, ok := workloads[c.workload]
	switch {
	case !ok:
		return fmt.Errorf("-workload %q is not one of %s", c.workload, strings.Join(workloadNames, ", "))
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
	case w.signsIn && c.concurrency > c.users:
		// Ten password checks in flight for one account lock it.
		return errors.New("-concurrency must not exceed -users (one account signs in once at a time)")
	case c.knownBrowsers && !w.perSignIn:
		return fmt.Errorf("-known-browsers is for the signin and signin-mfa workloads, not %s", c.workload)
	case c.workload == "signin-mfa" && (c.database == "" || c.keyFile == ""):
		// The devices' last accepted steps are read before the run, and
		// their secrets checked against the seed with the key.
		return errors.New("-workload signin-mfa needs -database and -encryption-key-file (the servers' encryption key)")
	}
	return nil
}

// mfaAccounts reports whether the workload's accounts have a device.
func (c config) mfaAccounts() bool { return c.workload == "signin-mfa" }

// accountPrefix starts the names and passwords of the workload's
// accounts: accounts with a device are apart from those without, so that
// both workloads run on one database with one seed.
func (c config) accountPrefix() string {
	if c.mfaAccounts() {
		return c.seed + "-mfa"
	}
	return c.seed
}

func username(c config, i int) string { return fmt.Sprintf("%s-%04d", c.accountPrefix(), i) }
func password(c config, i int) string { return fmt.Sprintf("%s-password-%04d", c.accountPrefix(), i) }

const answer = "load test answer"

//go:build linux

package main

// Shared helpers of the multi-process tests (replicas_*_test.go and
// faults_*_test.go): the real otpgate binary, built once per test binary and
// started as subprocesses on 127.0.0.1; a database of their own on the
// shared PostgreSQL server, or a throwaway PostgreSQL cluster for tests that
// restart it; and a cookie-keeping browser that sends each request of a
// sign-in to the replica the test names.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// testPostgresDSN is read when the package is initialised, before TestMain
// (cli_test.go) clears every OTPGATE_* variable from the environment.
var testPostgresDSN = os.Getenv("OTPGATE_TEST_POSTGRES_DSN")

// needProcs skips multi-process tests in -short mode.
func procNeedLong(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("multi-process tests skipped in -short mode")
	}
}

// needPostgres returns the shared server's DSN or skips the test.
func procNeedPostgres(t *testing.T) string {
	t.Helper()
	procNeedLong(t)
	if testPostgresDSN == "" {
		t.Skip("set OTPGATE_TEST_POSTGRES_DSN to run the replica tests")
	}
	return testPostgresDSN
}

// ---------------------------------------------------------------------------
// The binary

var procBin struct {
	once sync.Once
	path string
	err  error
}

// otpgateBinary builds ./cmd/otpgate once per test binary into a directory
// named after this process; directories of earlier runs whose process is gone
// are removed first.
func procBinary(t *testing.T) string {
	t.Helper()
	procBin.once.Do(func() {
		procRemoveStaleBinaries()
		dir, err := os.MkdirTemp("", fmt.Sprintf("otpgate-procs-%d-", os.Getpid()))
		if err != nil {
			procBin.err = err
			return
		}
		path := filepath.Join(dir, "otpgate")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", path, ".").CombinedOutput(); err != nil {
			procBin.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		procBin.path = path
	})
	if procBin.err != nil {
		t.Fatal(procBin.err)
	}
	return procBin.path
}

func procRemoveStaleBinaries() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "otpgate-procs-*"))
	for _, d := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), "otpgate-procs-"), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}

// procResult is one finished command line of the binary.
type procResult struct {
	code           int
	stdout, stderr string
}

// runBinary runs the binary once (at most a minute) with env.
func procRun(t *testing.T, env []string, args ...string) procResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, procBinary(t), args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("otpgate %s: %v", strings.Join(args, " "), err)
		}
		code = exit.ExitCode()
	}
	return procResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// ---------------------------------------------------------------------------
// One replica process

// procReplica is one otpgate serve process; it can be killed and started
// again on the same address with the same arguments. Its stdout and stderr
// go to one log file that survives restarts.
type procReplica struct {
	t       *testing.T
	name    string
	args    []string
	env     []string
	addr    string // 127.0.0.1:port
	base    string // http://addr
	logPath string

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{} // closed when the current process has exited
	state *os.ProcessState
}

func newProcReplica(t *testing.T, name string, env []string, args ...string) *procReplica {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	r := &procReplica{t: t, name: name, env: env, addr: addr, base: "http://" + addr,
		logPath: filepath.Join(t.TempDir(), name+".log")}
	r.args = append(append([]string{}, args...), "--listen", addr, "serve")
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("replica %s log (tail):\n%s", r.name, tail(r.log(), 6000))
		}
	})
	return r
}

// start launches the process; it does not wait for readiness.
func (r *procReplica) start() {
	r.t.Helper()
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command(procBinary(r.t), r.args...)
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		r.t.Fatalf("start replica %s: %v", r.name, err)
	}
	done := make(chan struct{})
	r.mu.Lock()
	r.cmd, r.done, r.state = cmd, done, nil
	r.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		logf.Close()
		r.mu.Lock()
		r.state = cmd.ProcessState
		r.mu.Unlock()
		close(done)
	}()
}

// running reports whether the current process has not exited.
func (r *procReplica) running() bool {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// waitReady waits (at most within) for /readyz to answer 200.
func (r *procReplica) waitReady(within time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		if !r.running() {
			code, _ := r.wait(time.Second)
			r.t.Fatalf("replica %s exited with status %d before it was ready; log:\n%s", r.name, code, tail(r.log(), 4000))
		}
		if resp, err := c.Get(r.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("replica %s: /readyz did not answer 200 within %s; log:\n%s", r.name, within, tail(r.log(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startReady starts the process and waits for readiness.
func (r *procReplica) startReady() {
	r.t.Helper()
	r.start()
	r.waitReady(30 * time.Second)
}

// wait waits (at most within) for the process to exit and returns its exit
// status (-1 when killed by a signal); ok is false on timeout.
func (r *procReplica) wait(within time.Duration) (code int, ok bool) {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done == nil {
		return 0, true
	}
	select {
	case <-done:
	case <-time.After(within):
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.ExitCode(), true
}

// signal sends sig to the running process.
func (r *procReplica) signal(sig syscall.Signal) {
	r.t.Helper()
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	if cmd == nil || !r.running() {
		r.t.Fatalf("replica %s is not running", r.name)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %v to replica %s: %v", sig, r.name, err)
	}
}

// kill sends SIGKILL when the process runs and waits for it to be gone.
func (r *procReplica) kill() {
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	if cmd == nil || !r.running() {
		return
	}
	_ = cmd.Process.Kill()
	if _, ok := r.wait(10 * time.Second); !ok {
		r.t.Errorf("replica %s did not die within 10 s of SIGKILL", r.name)
	}
}

// log is everything the replica wrote so far.
func (r *procReplica) log() string {
	b, _ := os.ReadFile(r.logPath)
	return string(b)
}

// ---------------------------------------------------------------------------
// A fleet of replicas on one database

// procFleet is a set of replicas configured alike: one database, one
// encryption key file and one static issuer (the first replica's URL).
type procFleet struct {
	t        *testing.T
	driver   string // "postgres" or "sqlite"
	database string
	keyFile  string
	issuer   string
	env      []string
	replicas []*procReplica
}

// procBaseEnv is the environment of every process: the test's (without
// OTPGATE_* variables, which TestMain removed) plus settings.
func procBaseEnv(settings ...string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTPGATE_") {
			env = append(env, kv)
		}
	}
	// Every test client is 127.0.0.1; the per-IP limiter has its own tests.
	env = append(env, "OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP=0")
	return append(env, settings...)
}

// newProcFleet prepares n replicas (not started) on database, a postgres://
// URL or a SQLite file path; settings are extra OTPGATE_*=value variables.
func newProcFleet(t *testing.T, database string, n int, settings ...string) *procFleet {
	t.Helper()
	f := &procFleet{t: t, driver: "sqlite", database: database, env: procBaseEnv(settings...)}
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		f.driver = "postgres"
	}
	f.keyFile = procKeyFile(t)
	for i := range n {
		f.addReplica(string(rune('A' + i)))
	}
	return f
}

// writeKeyFile writes a new random encryption key (base64) to a file.
func procKeyFile(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	path := filepath.Join(t.TempDir(), "encryption.key")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// addReplica prepares one more replica; the first one's URL is the issuer.
func (f *procFleet) addReplica(name string) *procReplica {
	f.t.Helper()
	r := newProcReplica(f.t, name, f.env)
	if f.issuer == "" {
		f.issuer = r.base
	}
	r.args = append(f.globalArgs(f.t.TempDir()), r.args...)
	f.replicas = append(f.replicas, r)
	return r
}

func (f *procFleet) globalArgs(dataDir string) []string {
	return []string{"--data", dataDir, "--database", f.database, "--encryption-key-file", f.keyFile, "--issuer", f.issuer}
}

// startAll starts every replica at once, then waits until all are ready.
func (f *procFleet) startAll() {
	f.t.Helper()
	for _, r := range f.replicas {
		r.start()
	}
	for _, r := range f.replicas {
		r.waitReady(45 * time.Second)
	}
}

// cli runs an admin command against the fleet's database and key.
func (f *procFleet) cli(args ...string) procResult {
	f.t.Helper()
	return procRun(f.t, f.env, append(f.globalArgs(f.t.TempDir()), args...)...)
}

// mustCLI runs an admin command that must succeed.
func (f *procFleet) mustCLI(args ...string) string {
	f.t.Helper()
	r := f.cli(args...)
	if r.code != 0 {
		f.t.Fatalf("otpgate %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// openStore opens the fleet's database behind the replicas' backs.
func (f *procFleet) openStore() *store.Store {
	f.t.Helper()
	st, err := store.Open(f.driver, f.database)
	if err != nil {
		f.t.Fatalf("open %s store: %v", f.driver, err)
	}
	f.t.Cleanup(func() { _ = st.Close() })
	return st
}

// procClient is a registered confidential client.
type procClient struct{ id, secret string }

// procRedirect is the test client's redirect URI; the browser stops at any
// redirect to procRPHost.
const (
	procRPHost   = "rp.example"
	procRedirect = "https://" + procRPHost + "/callback"
)

// addClient registers a confidential client with the admin CLI.
func (f *procFleet) addClient(id string) procClient {
	f.t.Helper()
	c := procClient{id: id, secret: "secret-" + strings.ToLower(rand.Text())}
	f.mustCLI("client", "add", "--id", id, "--name", "App "+id, "--secret", c.secret, "--redirect-uri", procRedirect)
	return c
}

// procUser is an account with a finished first sign-in.
type procUser struct {
	id, name, password, answer string
	secret                     []byte // the TOTP secret once enrolled
}

// procCheapHasher keeps test accounts cheap to create; the password is rehashed
// with the production parameters at its first sign-in.
var procCheapHasher = credential.NewHasher(credential.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})

// addUser creates an account directly in the database, as `user add` plus
// a first sign-in (new password and security question) would leave it.
func (f *procFleet) addUser(st *store.Store, name string, requireMFA bool) *procUser {
	f.t.Helper()
	u := &procUser{id: "u_" + strings.ToLower(rand.Text()), name: name, password: "pw-" + strings.ToLower(rand.Text()), answer: "Rex the dog"}
	err := st.CreateUser(context.Background(), &store.User{ID: u.id, Username: name, Email: name + "@example.com", Name: "User " + name,
		PasswordHash: procCheapHasher.Hash(u.password), Question: "first_pet",
		AnswerHash: procCheapHasher.Hash(credential.NormalizeAnswer(u.answer)), RequireMFA: requireMFA})
	if err != nil {
		f.t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// ---------------------------------------------------------------------------
// PostgreSQL

// newPostgresDatabase creates an empty database otpgate_<random> on the
// server of adminDSN (a postgres:// URL), dropped when the test ends, and
// returns its URL.
func procPostgresDatabase(t *testing.T, adminDSN string) string {
	t.Helper()
	u, err := url.Parse(adminDSN)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("OTPGATE_TEST_POSTGRES_DSN must be a postgres:// URL for the multi-process tests, got %q", adminDSN)
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	name := "otpgate_" + strings.ToLower(rand.Text())[:16]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	// Registered before any replica, so it runs after they were killed.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// procCluster is a throwaway PostgreSQL cluster of the test's own, which
// the test may stop, start and restart.
type procCluster struct {
	t       *testing.T
	bin     string   // directory of initdb and pg_ctl
	as      []string // command prefix to run as the cluster's owner
	root    string   // holds data/, the socket and the server log
	port    int
	dsn     string // of the postgres database
	mu      sync.Mutex
	stopped bool
}

// postgresBinDir finds initdb and pg_ctl: on PATH, or in the newest
// /usr/lib/postgresql/*/bin.
func procPostgresBinDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
				return d
			}
		}
	}
	return ""
}

// startOwnCluster initialises and starts a PostgreSQL cluster on a free
// 127.0.0.1 port. It skips the test when the server binaries are absent or
// cannot be run here (as root they run as the postgres user).
func procOwnCluster(t *testing.T) *procCluster {
	t.Helper()
	procNeedLong(t)
	bin := procPostgresBinDir()
	if bin == "" {
		t.Skip("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin: skipping the test that restarts PostgreSQL")
	}
	c := &procCluster{t: t, bin: bin}
	root, err := os.MkdirTemp("", "otpgate-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.root = root
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the cluster as postgres.
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to own a throwaway PostgreSQL cluster")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Skip("running as root without runuser: cannot start a throwaway PostgreSQL cluster as postgres")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chmod(root, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(root, uid, gid); err != nil {
			t.Skipf("cannot hand %s to the postgres user: %v", root, err)
		}
		c.as = []string{"runuser", "-u", "postgres", "--"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := c.command(ctx, "initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput()
	if err != nil {
		t.Skipf("initdb cannot run here (%v): %s", err, tail(string(out), 1000))
	}
	c.port = freePort(t)
	c.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.command(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "-t", "20", "stop").Run()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(c.root, "server.log"))
			t.Logf("PostgreSQL log (tail):\n%s", tail(string(b), 3000))
		}
	})
	if out, err := c.pgctl("start"); err != nil {
		t.Skipf("pg_ctl start failed here (%v): %s", err, tail(out, 1000))
	}
	return c
}

func (c *procCluster) data() string { return filepath.Join(c.root, "data") }

func (c *procCluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.as...), filepath.Join(c.bin, name)), args...)
	return exec.CommandContext(ctx, argv[0], argv[1:]...)
}

// pgctl runs pg_ctl action (start, stop or restart) and waits (at most 30
// s) for it to finish.
func (c *procCluster) pgctl(action string, extra ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	args := []string{"-D", c.data(), "-l", filepath.Join(c.root, "server.log"), "-w", "-t", "30",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.root)}
	args = append(append(args, extra...), action)
	out, err := c.command(ctx, "pg_ctl", args...).CombinedOutput()
	return string(out), err
}

// restart is `pg_ctl restart -m fast`.
func (c *procCluster) restart() {
	c.t.Helper()
	if out, err := c.pgctl("restart", "-m", "fast"); err != nil {
		c.t.Fatalf("pg_ctl restart -m fast: %v: %s", err, out)
	}
}

func (c *procCluster) stop() {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-m", "fast"); err != nil {
		c.t.Fatalf("pg_ctl stop -m fast: %v: %s", err, out)
	}
}

func (c *procCluster) start() {
	c.t.Helper()
	if out, err := c.pgctl("start"); err != nil {
		c.t.Fatalf("pg_ctl start: %v: %s", err, out)
	}
}

// ---------------------------------------------------------------------------
// The browser

// procBrowser is a cookie-keeping HTTP client that follows no redirect by
// itself: the test names the replica of every request. The replicas are
// all 127.0.0.1 on different ports; cookies ignore ports, so one jar
// serves them all, as one browser behind a load balancer would.
type procBrowser struct {
	c *http.Client
}

func newProcBrowser() *procBrowser {
	jar, _ := cookiejar.New(nil)
	return &procBrowser{c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// procPage is one response, parsed.
type procPage struct {
	status   int
	url      *url.URL
	body     string
	header   http.Header
	location string
	doc      *html.Node
}

// onReplica returns u sent to base (scheme and host replaced).
func procOn(u *url.URL, base string) *url.URL {
	b, _ := url.Parse(base)
	v := *u
	v.Scheme, v.Host = b.Scheme, b.Host
	return &v
}

// send makes one request; form (when not nil) is posted.
func (b *procBrowser) send(method string, u *url.URL, form url.Values) (*procPage, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	p := &procPage{status: resp.StatusCode, url: u, body: string(raw), header: resp.Header}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		p.location = resp.Header.Get("Location")
	}
	p.doc, _ = html.Parse(strings.NewReader(p.body))
	return p, nil
}

// get fetches rawURL from base.
func (b *procBrowser) get(base, rawURL string) (*procPage, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return b.send(http.MethodGet, procOn(u, base), nil)
}

// redirectTarget is where p redirects to (resolved), or nil.
func (p *procPage) redirectTarget() *url.URL {
	if p.location == "" {
		return nil
	}
	u, err := p.url.Parse(p.location)
	if err != nil {
		return nil
	}
	return u
}

// toRP reports whether p redirects to the relying party.
func (p *procPage) toRP() bool {
	u := p.redirectTarget()
	return u != nil && u.Host == procRPHost
}

// follow follows p's redirects, each one sent to base, until a page that
// is not a redirect or a redirect to the relying party (at most 10 hops).
func (b *procBrowser) follow(p *procPage, base string) (*procPage, error) {
	return b.followUntil(p, base, "")
}

// followUntil is follow, also stopping before a redirect whose path is
// stop.
func (b *procBrowser) followUntil(p *procPage, base, stop string) (*procPage, error) {
	for range 10 {
		u := p.redirectTarget()
		if u == nil || u.Host == procRPHost || (stop != "" && u.Path == stop) {
			return p, nil
		}
		var err error
		if p, err = b.send(http.MethodGet, procOn(u, base), nil); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("more than 10 redirects, last to %q", p.location)
}

// open is get then follow, on base.
func (b *procBrowser) open(base, rawURL string) (*procPage, error) {
	p, err := b.get(base, rawURL)
	if err != nil {
		return nil, err
	}
	return b.follow(p, base)
}

// post sends p's POST form (hidden fields kept, values set) to base; it
// does not follow the answer's redirect.
func (b *procBrowser) post(p *procPage, base string, values map[string]string) (*procPage, error) {
	form := procFind(p.doc, func(n *html.Node) bool {
		return n.Data == "form" && strings.EqualFold(procAttr(n, "method"), "post")
	})
	if form == nil {
		return nil, fmt.Errorf("no POST form on %s (status %d, step %q, alert %q)", p.url, p.status, p.step(), p.alert())
	}
	data := url.Values{}
	procWalk(form, func(n *html.Node) {
		if (n.Data == "input" || n.Data == "select") && procAttr(n, "name") != "" {
			data.Set(procAttr(n, "name"), procAttr(n, "value"))
		}
	})
	for k, v := range values {
		if _, ok := data[k]; !ok {
			return nil, fmt.Errorf("form on %s (step %q) has no field %q", p.url, p.step(), k)
		}
		data.Set(k, v)
	}
	action, err := p.url.Parse(procAttr(form, "action"))
	if err != nil {
		return nil, err
	}
	return b.send(http.MethodPost, procOn(action, base), data)
}

// submit is post then follow, on base.
func (b *procBrowser) submit(p *procPage, base string, values map[string]string) (*procPage, error) {
	next, err := b.post(p, base, values)
	if err != nil {
		return nil, err
	}
	return b.follow(next, base)
}

// step is the page's <body data-step>.
func (p *procPage) step() string {
	if n := procFind(p.doc, func(n *html.Node) bool { return n.Data == "body" }); n != nil {
		return procAttr(n, "data-step")
	}
	return ""
}

// text is the text content of the first element matching pred.
func (p *procPage) text(pred func(*html.Node) bool) string {
	n := procFind(p.doc, pred)
	if n == nil {
		return ""
	}
	var sb strings.Builder
	procWalk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(sb.String())
}

// alert is the text of the page's role="alert" element.
func (p *procPage) alert() string {
	return p.text(func(n *html.Node) bool { return procAttr(n, "role") == "alert" })
}

// rpQuery is the query of a redirect to the relying party (nil otherwise).
func (p *procPage) rpQuery() url.Values {
	if !p.toRP() {
		return nil
	}
	return p.redirectTarget().Query()
}

// describe summarises p for failure messages.
func (p *procPage) describe() string {
	if p == nil {
		return "<no response>"
	}
	return fmt.Sprintf("%s → status %d, step %q, alert %q, location %q", p.url.Redacted(), p.status, p.step(), p.alert(), p.location)
}

// setupSecret reads the setup key shown on the enroll page.
func (p *procPage) setupSecret() ([]byte, error) {
	key := strings.ReplaceAll(p.text(func(n *html.Node) bool { return procAttr(n, "id") == "setup-key" }), " ", "")
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil || len(secret) != mfa.SecretSize {
		return nil, fmt.Errorf("setup key %q on %s: %v", key, p.describe(), err)
	}
	return secret, nil
}

func procAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func procWalk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		procWalk(c, f)
	}
}

func procFind(n *html.Node, pred func(*html.Node) bool) *html.Node {
	var found *html.Node
	procWalk(n, func(c *html.Node) {
		if found == nil && c.Type == html.ElementNode && pred(c) {
			found = c
		}
	})
	return found
}

// ---------------------------------------------------------------------------
// Sign-in and token helpers

// procAuth is one authorization request with PKCE.
type procAuth struct {
	state, nonce, verifier string
	url                    string
}

// newAuth builds an authorization request URL on the issuer.
func newProcAuth(issuer string, c procClient, scopes string) procAuth {
	a := procAuth{state: "s-" + rand.Text(), nonce: "n-" + rand.Text(), verifier: credential.NewToken()}
	sum := sha256.Sum256([]byte(a.verifier))
	q := url.Values{"client_id": {c.id}, "redirect_uri": {procRedirect}, "response_type": {"code"},
		"scope": {scopes}, "state": {a.state}, "nonce": {a.nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	a.url = issuer + "/authorize?" + q.Encode()
	return a
}

// passcode is the code an authenticator app shows now, offset steps ahead.
func procPasscode(secret []byte, offset int64) string {
	code, err := mfa.Default.Code(secret, mfa.Default.Step(time.Now())+offset)
	if err != nil {
		panic(err)
	}
	return code
}

// tokenCall posts form to base's token endpoint with client_secret_basic
// and returns the status and the decoded JSON body.
func procToken(base string, c procClient, form url.Values) (int, map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		out["_raw"] = string(raw)
	}
	return resp.StatusCode, out, nil
}

// codeForm is the token request redeeming code.
func procCodeForm(code string, a procAuth) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {procRedirect},
		"code_verifier": {a.verifier}}
}

// refreshForm is the token request redeeming a refresh token.
func procRefreshForm(token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
}

// userinfoStatus asks base's userinfo endpoint with an access token.
func procUserinfo(base, accessToken string) (int, map[string]any, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

// str is a JSON string field ("" when absent).
func jsonStr(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// signInFirstFactor walks authorize, password and question for u, sending
// the requests in turn to the bases next() names, and returns the page the
// flow reached after the question (a redirect to the callback is followed,
// so a finished sign-in ends at a redirect to the relying party).
func procFirstFactor(b *procBrowser, next func() string, a procAuth, u *procUser) (*procPage, error) {
	base := next()
	p, err := b.open(base, a.url)
	if err != nil {
		return nil, err
	}
	if p.step() != "password" {
		return p, fmt.Errorf("authorize: %s", p.describe())
	}
	base = next()
	if p, err = b.submit(p, base, map[string]string{"username": u.name, "password": u.password}); err != nil {
		return nil, err
	}
	if p.step() != "question" {
		return p, fmt.Errorf("password step: %s", p.describe())
	}
	base = next()
	return b.submit(p, base, map[string]string{"answer": u.answer})
}

// roundRobin returns a function naming the bases in turn.
func procRoundRobin(bases ...string) func() string {
	var mu sync.Mutex
	i := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		b := bases[i%len(bases)]
		i++
		return b
	}
}

// bases lists the URLs of replicas.
func replicaBases(rs ...*procReplica) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.base
	}
	return out
}

// jwks fetches base's key set, as compact JSON with keys sorted by id.
func procJWKS(base string) (string, []string, error) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/keys")
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return "", nil, err
	}
	sort.Slice(set.Keys, func(i, j int) bool { return jsonStr(set.Keys[i], "kid") < jsonStr(set.Keys[j], "kid") })
	ids := []string{}
	for _, k := range set.Keys {
		ids = append(ids, jsonStr(k, "kid"))
	}
	out, _ := json.Marshal(set.Keys)
	return string(out), ids, nil
}

// badServerAnswer reports a response no outage may produce: a 500 page,
// or anything that looks like a stack trace.
func procStackTrace(status int, body string) string {
	if strings.Contains(body, "goroutine ") || strings.Contains(body, "panic:") || strings.Contains(body, ".go:") {
		return fmt.Sprintf("status %d with what looks like a stack trace: %q", status, tail(body, 300))
	}
	return ""
}

var procStatus5xx = regexp.MustCompile(`msg=request .*status=5[0-9][0-9]`)

// procServerErrors returns the request log lines with a 5xx status.
func procServerErrors(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if procStatus5xx.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// procEnroll finishes enrollment from the enroll page p on base: verify a
// device with the current code, then Submit the recovery codes. It returns
// the device secret and the final page (a redirect to the relying party
// when the sign-in is done).
func procEnroll(b *procBrowser, p *procPage, base string) ([]byte, *procPage, error) {
	if p.step() != "enroll" {
		return nil, p, fmt.Errorf("want the enroll step, got %s", p.describe())
	}
	secret, err := p.setupSecret()
	if err != nil {
		return nil, p, err
	}
	if p, err = b.submit(p, base, map[string]string{"app": "google-authenticator", "code": procPasscode(secret, 0)}); err != nil {
		return nil, nil, err
	}
	if p.step() != "recovery-codes" {
		return nil, p, fmt.Errorf("after verifying the device: %s", p.describe())
	}
	p, err = b.submit(p, base, nil)
	return secret, p, err
}

// procEnrollUser signs u in once on base and enrols a device for it.
func procEnrollUser(t *testing.T, base, issuer string, c procClient, u *procUser) {
	t.Helper()
	b := newProcBrowser()
	p, err := procFirstFactor(b, func() string { return base }, newProcAuth(issuer, c, "openid"), u)
	if err != nil {
		t.Fatalf("enrol %s: %v", u.name, err)
	}
	secret, p, err := procEnroll(b, p, base)
	if err != nil {
		t.Fatalf("enrol %s: %v", u.name, err)
	}
	if p.rpQuery().Get("code") == "" {
		t.Fatalf("enrol %s: want a redirect with a code, got %s", u.name, p.describe())
	}
	u.secret = secret
}

// procWrongCode is a well-formed passcode that is not valid now (nor one
// step either side).
func procWrongCode(secret []byte) string {
	valid := map[string]bool{procPasscode(secret, -1): true, procPasscode(secret, 0): true, procPasscode(secret, 1): true,
		procPasscode(secret, 2): true}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (123456+i*7919)%1000000)
		if !valid[c] {
			return c
		}
	}
}

//go:build linux

package fleet

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PostgresDatabase creates an empty database otpgate_<random> on the
// server of adminDSN (a postgres:// URL), dropped when the test ends, and
// returns its URL.
func PostgresDatabase(t *testing.T, adminDSN string) string {
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

// Cluster is a throwaway PostgreSQL cluster of the test's own, which
// the test may stop, start and restart.
type Cluster struct {
	t    *testing.T
	bin  string   // directory of initdb and pg_ctl
	as   []string // command prefix to run as the cluster's owner
	root string   // holds data/, the socket and the server log
	Port int
	DSN  string // of the postgres database
}

// postgresBinDir finds initdb and pg_ctl: on PATH, or in the newest
// /usr/lib/postgresql/*/bin.
func postgresBinDir() string {
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

// OwnCluster initialises and starts a PostgreSQL cluster on a free
// 127.0.0.1 port. It skips the test when the server binaries are absent or
// cannot be run here (as root they run as the postgres user).
func OwnCluster(t *testing.T) *Cluster {
	t.Helper()
	NeedLong(t)
	bin := postgresBinDir()
	if bin == "" {
		t.Skip("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin: skipping the test that restarts PostgreSQL")
	}
	c := &Cluster{t: t, bin: bin}
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
		t.Skipf("initdb cannot run here (%v): %s", err, Tail(string(out), 1000))
	}
	c.Port = FreePort(t)
	c.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.command(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "-t", "20", "stop").Run()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(c.root, "server.log"))
			t.Logf("PostgreSQL log (tail):\n%s", Tail(string(b), 3000))
		}
	})
	if out, err := c.pgctl("start"); err != nil {
		t.Skipf("pg_ctl start failed here (%v): %s", err, Tail(out, 1000))
	}
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.root, "data") }

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.as...), filepath.Join(c.bin, name)), args...)
	return exec.CommandContext(ctx, argv[0], argv[1:]...)
}

// pgctl runs pg_ctl action (start, stop or restart) and waits (at most 30
// s) for it to finish.
func (c *Cluster) pgctl(action string, extra ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	args := []string{"-D", c.data(), "-l", filepath.Join(c.root, "server.log"), "-w", "-t", "30",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.Port, c.root)}
	args = append(append(args, extra...), action)
	out, err := c.command(ctx, "pg_ctl", args...).CombinedOutput()
	return string(out), err
}

// Restart is `pg_ctl restart -m fast`.
func (c *Cluster) Restart() {
	c.t.Helper()
	if out, err := c.pgctl("restart", "-m", "fast"); err != nil {
		c.t.Fatalf("pg_ctl restart -m fast: %v: %s", err, out)
	}
}

// Stop is `pg_ctl stop -m fast`.
func (c *Cluster) Stop() {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-m", "fast"); err != nil {
		c.t.Fatalf("pg_ctl stop -m fast: %v: %s", err, out)
	}
}

// Start is `pg_ctl start`.
func (c *Cluster) Start() {
	c.t.Helper()
	if out, err := c.pgctl("start"); err != nil {
		c.t.Fatalf("pg_ctl start: %v: %s", err, out)
	}
}

//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// procSmallFilesystem mounts a tmpfs of size bytes on a new directory and
// unmounts it when the test ends. It skips the test when mounting is not
// allowed here (it needs root, or CAP_SYS_ADMIN).
func procSmallFilesystem(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("the disk-full test mounts a small tmpfs (a real full filesystem) and needs root; otpgate's SQLite connections cannot be given a max_page_count from outside (it is per connection and the store builds its own DSN), and a file-size rlimit fails with EFBIG, not a full disk")
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "otpgate-diskfull", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s): skipping the SQLite disk-full test", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillFilesystem writes a ballast file in dir until the filesystem is full.
func fillFilesystem(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{64 << 10, 4 << 10, 512} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("filling %s: %v", dir, err)
				}
				break
			}
		}
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err == nil {
		t.Logf("filesystem full: %d bytes free", fs.Bavail*uint64(fs.Bsize))
	}
	return path
}

// TestFaultsSQLiteDiskFull runs a SQLite replica on a 4 MiB tmpfs, fills
// the filesystem, and signs in: sign-ins fail closed with a clear error (a
// 503 page or the protocol's error, never a code or token without its
// bookkeeping), and work again once space is freed, without a restart.
func TestFaultsSQLiteDiskFull(t *testing.T) {
	fleet.NeedFaults(t)
	t.Parallel()
	dir := procSmallFilesystem(t, "4m")
	path := filepath.Join(dir, "otpgate.db")
	f := fleet.New(t, path, 1)
	f.StartAll()
	r := f.Replicas[0]
	pid := r.PID()
	app := f.AddClient("app")
	st := f.OpenStore()
	var users []*fixtures.Account
	for _, name := range []string{"d0", "d1", "d2", "d3", "d4", "d5", "d6"} {
		users = append(users, f.AddUser(st, name, false))
	}
	dee := f.AddUser(st, "dee", true)
	fleet.EnrollUser(t, r.Base, f.Issuer, app, dee)
	x := procPrepareInterrupted(t, f.Issuer, app, r.Base, r.Base, users[3:], dee)
	users = users[:3]
	load := newProcLoad(f.Issuer, app, users, func() string { return r.Base })
	if !load.once(users[0]) {
		t.Fatalf("sign-in before the disk is full: %s %v", load.summary(), load.problems)
	}

	ballast := fillFilesystem(t, dir)
	x.duringFault("on a full disk")
	full := 0
	for i := 0; i < 40 && full < 5; i++ {
		if !load.once(users[i%len(users)]) {
			full++
		}
	}
	readyz, _ := get(r.Base + "/readyz")
	t.Logf("/readyz while the disk is full: %d", readyz)
	t.Logf("while the disk is full: %s", load.summary())
	for _, p := range load.problems {
		t.Errorf("while the disk is full: %s", p)
	}
	if full == 0 {
		t.Fatalf("40 sign-ins on a full filesystem all succeeded: the test did not fill the disk")
	}
	if l := r.Log(); !strings.Contains(l, "disk is full") && !strings.Contains(l, "SQLITE_FULL") {
		t.Errorf("the replica's log does not name the cause (database or disk is full):\n%s", fleet.Tail(l, 2000))
	}

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	ok := 0
	for i := 0; ok < 3; i++ {
		if load.once(users[i%len(users)]) {
			ok++
		} else if time.Since(freed) > 15*time.Second {
			t.Fatalf("sign-ins still fail 15 s after space was freed: %s %v", load.summary(), load.problems)
		}
	}
	t.Logf("after freeing space: 3 sign-ins in %s", time.Since(freed).Round(time.Millisecond))
	x.afterFault("after space was freed")
	load.checkBookkeeping(t, []string{r.Base})
	if !r.Running() || r.PID() != pid {
		t.Errorf("the replica was restarted or died")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if v, err := st.Pragma(ctx, "integrity_check"); err != nil || v != "ok" {
		t.Errorf("PRAGMA integrity_check after the disk was full: %q, %v", v, err)
	}
}

//go:build linux

package readmetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// sandbox is where the README's commands run: the working directory is a
// fresh copy of the checkout (so `./data` and `./otpgate` land there, never
// in the developer's tree), HOME and TMPDIR are empty directories, GOPATH is
// one of its own whose empty bin comes first on PATH (as the README asks),
// and no OTPGATE_* variable is set. The Go build and module caches are the
// developer's.
//
// The copy and the GOPATH keep their paths from run to run (a directory in
// os.TempDir named after the checkout's path, locked while a test uses it),
// though not their contents: the go command's cache keys hold a package's
// directory, so a copy at a new path would compile every package of the
// module again each time.
type sandbox struct {
	checkout string // the copy, the commands' working directory
	env      []string
}

// newSandbox copies the checkout at root.
func newSandbox(t *testing.T, root string) *sandbox {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed: the README's commands are bash")
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("otpgate-readmetest-%x", sum[:6]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", dir, err)
	}
	t.Cleanup(func() { lock.Close() })

	s := &sandbox{checkout: filepath.Join(dir, "otpgate")}
	gopath := filepath.Join(dir, "go")
	for _, d := range []string{s.checkout, gopath} {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyCheckout(root, s.checkout); err != nil {
		t.Fatalf("copy the checkout: %v", err)
	}
	home, tmpdir := t.TempDir(), t.TempDir()
	goEnv := goSettings(t)
	path := []string{filepath.Join(gopath, "bin"), filepath.Join(goEnv["GOROOT"], "bin")}
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if !holdsOtpgate(p) {
			path = append(path, p)
		}
	}
	s.env = []string{
		"PATH=" + strings.Join(path, string(filepath.ListSeparator)),
		"HOME=" + home, "TMPDIR=" + tmpdir, "GOPATH=" + gopath,
		// Settings written with `go env -w` live under the real HOME; the
		// ones that matter are passed below instead.
		"GOENV=off", "GOTOOLCHAIN=local",
	}
	for name, value := range goEnv {
		if name != "GOROOT" && value != "" {
			s.env = append(s.env, name+"="+value)
		}
	}
	return s
}

// goSettings are the settings of the go command on this test's PATH,
// which the sandbox's go commands must share to find the same toolchain,
// caches and module proxy.
func goSettings(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "env", "-json", "GOROOT", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY",
		"GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "CGO_ENABLED").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	settings := map[string]string{}
	if err := json.Unmarshal(out, &settings); err != nil {
		t.Fatalf("go env: %v", err)
	}
	return settings
}

// holdsOtpgate reports whether dir has a binary the README's commands could
// take for the one they are to build.
func holdsOtpgate(dir string) bool {
	for _, name := range []string{"otpgate", "otpgate-load"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// copyCheckout copies the checkout's files, leaving out what .gitignore
// leaves out (a dev server's ./data, built binaries, node_modules, the
// interop screenshots) and dot-files (.git, .ci).
func copyCheckout(root, dst string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".":
			return os.MkdirAll(dst, 0o755)
		case strings.HasPrefix(d.Name(), "."), d.Name() == "node_modules", rel == "data",
			rel == "cmd/otpgate/testdata/interop/artifacts":
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return os.Mkdir(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular(), rel == "otpgate", rel == "otpgate-load", rel == "cmd/otpgate/otpgate",
			strings.HasSuffix(rel, ".test"), strings.HasSuffix(rel, ".out"):
			return nil
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// bash is the command text run by bash in the checkout's copy, in a process
// group of its own so that stopping it stops what it started.
func (s *sandbox) bash(ctx context.Context, text string, out io.Writer) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", text)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.checkout, s.env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// run runs a command to its end; it must exit 0 within five minutes.
func (s *sandbox) run(t *testing.T, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := s.bash(ctx, text, &out).Run(); err != nil {
		t.Fatalf("%s\nfailed: %v\n%s", text, err, fleet.Tail(out.String(), 4000))
	}
}

// serve starts a command that runs until stopped, waits until every URL of
// urls answers 200, and stops it with SIGINT, as Ctrl-C would; it must then
// exit 0. Its address must be free: serve reports false, running nothing,
// when it is not.
func (s *sandbox) serve(t *testing.T, text, addr string, paths []string) bool {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	ln.Close()
	var out syncBuffer
	cmd := s.bash(context.Background(), text, &out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() error {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
			return waitErr
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			return errors.New("still running 30 s after SIGINT")
		}
	}
	// A first `go run` compiles the whole module in the copy.
	deadline := time.Now().Add(4 * time.Minute)
	for _, p := range paths {
		if err := waitFor200(deadline, "http://"+addr+p, exited); err != nil {
			_ = stop()
			if strings.Contains(out.String(), "address already in use") {
				return false // taken since it was found free
			}
			t.Fatalf("%s\n%v\n%s", text, err, fleet.Tail(out.String(), 4000))
		}
	}
	if err := stop(); err != nil && !goRunInterrupted(text, err, out.String()) {
		t.Fatalf("%s\nstopping it: %v\n%s", text, err, fleet.Tail(out.String(), 4000))
	}
	return true
}

// goRunInterrupted reports whether err is `go run`'s own status after an
// interrupt: go exits 1 then even when the program exited 0, and says "exit
// status N" only when the program did not.
func goRunInterrupted(text string, err error, out string) bool {
	var exit *exec.ExitError
	return strings.HasPrefix(text, "go run ") && errors.As(err, &exit) && exit.ExitCode() == 1 &&
		!strings.Contains(out, "exit status ")
}

// waitFor200 polls url until it answers 200, the deadline passes, or the
// server's process ends (exited is closed).
func waitFor200(deadline time.Time, url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before %s answered 200", url)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 in time: %v", url, err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

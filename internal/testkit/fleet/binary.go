//go:build linux

package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/ports"
)

// mainPackage is the binary the fleet runs.
const mainPackage = "github.com/otpgate/otpgate/cmd/otpgate"

var built struct {
	once sync.Once
	path string
	err  error
}

// Binary builds cmd/otpgate once per test binary into a directory named
// after this process and returns its path; directories of earlier runs
// whose process is gone are removed first.
func Binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		removeStaleBinaries()
		dir, err := os.MkdirTemp("", fmt.Sprintf("otpgate-procs-%d-", os.Getpid()))
		if err != nil {
			built.err = err
			return
		}
		path := filepath.Join(dir, "otpgate")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", path, mainPackage).CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built.path = path
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func removeStaleBinaries() {
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

// Result is one finished command line of the binary.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs the binary once (at most a minute) with env.
func Run(t *testing.T, env []string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
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
	return Result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

// FreePort is a TCP port free on 127.0.0.1 when it was asked, outside
// the range outgoing connections take theirs from (see ports.Free).
func FreePort(t *testing.T) int {
	t.Helper()
	return ports.Free(t)
}

// Tail is the last n bytes of s, marked when cut.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

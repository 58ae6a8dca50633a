//go:build linux

package fleet

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Replica is one otpgate serve process; it can be killed and started
// again on the same address with the same arguments. Its stdout and stderr
// go to one log file that survives restarts.
type Replica struct {
	// Name names the replica in messages.
	Name string
	// Addr is 127.0.0.1:port.
	Addr string
	// Base is http://Addr.
	Base string

	t       *testing.T
	args    []string
	env     []string
	logPath string

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{} // closed when the current process has exited
	state *os.ProcessState
}

// NewReplica prepares (does not start) a replica named name that runs
// `otpgate args… --listen 127.0.0.1:<free port> serve` with env; it is
// killed when the test ends, and its log is shown when the test failed.
func NewReplica(t *testing.T, name string, env []string, args ...string) *Replica {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	r := &Replica{t: t, Name: name, env: env, Addr: addr, Base: "http://" + addr,
		logPath: filepath.Join(t.TempDir(), name+".log")}
	r.args = append(append([]string{}, args...), "--listen", addr, "serve")
	t.Cleanup(func() {
		r.Kill()
		if t.Failed() {
			t.Logf("replica %s log (tail):\n%s", r.Name, Tail(r.Log(), 6000))
		}
	})
	return r
}

// Start launches the process; it does not wait for readiness.
func (r *Replica) Start() {
	r.t.Helper()
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command(Binary(r.t), r.args...)
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		r.t.Fatalf("start replica %s: %v", r.Name, err)
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

// Running reports whether the current process has not exited.
func (r *Replica) Running() bool {
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

// WaitReady waits (at most within) for /readyz to answer 200.
func (r *Replica) WaitReady(within time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		if !r.Running() {
			code, _ := r.Wait(time.Second)
			r.t.Fatalf("replica %s exited with status %d before it was ready; log:\n%s", r.Name, code, Tail(r.Log(), 4000))
		}
		if resp, err := c.Get(r.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("replica %s: /readyz did not answer 200 within %s; log:\n%s", r.Name, within, Tail(r.Log(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StartReady starts the process and waits for readiness.
func (r *Replica) StartReady() {
	r.t.Helper()
	r.Start()
	r.WaitReady(30 * time.Second)
}

// Wait waits (at most within) for the process to exit and returns its exit
// status (-1 when killed by a signal); ok is false on timeout.
func (r *Replica) Wait(within time.Duration) (code int, ok bool) {
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

// Signal sends sig to the running process.
func (r *Replica) Signal(sig syscall.Signal) {
	r.t.Helper()
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	if cmd == nil || !r.Running() {
		r.t.Fatalf("replica %s is not running", r.Name)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %v to replica %s: %v", sig, r.Name, err)
	}
}

// Kill sends SIGKILL when the process runs and waits for it to be gone.
func (r *Replica) Kill() {
	r.mu.Lock()
	cmd := r.cmd
	r.mu.Unlock()
	if cmd == nil || !r.Running() {
		return
	}
	_ = cmd.Process.Kill()
	if _, ok := r.Wait(10 * time.Second); !ok {
		r.t.Errorf("replica %s did not die within 10 s of SIGKILL", r.Name)
	}
}

// Log is everything the replica wrote so far.
func (r *Replica) Log() string {
	b, _ := os.ReadFile(r.logPath)
	return string(b)
}

// PID is the process id of the current (or last) process, 0 before Start.
func (r *Replica) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

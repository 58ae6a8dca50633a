package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// interopSkipped completes "the browser/interop suite (TestInterop) was
// skipped" when TestInterop skipped all (": reason") or part (" in part:
// what") of the suite; TestMain reports it. Empty when the suite ran whole or
// TestInterop was not selected.
var interopSkipped string

// skipInterop skips TestInterop and keeps the reason for TestMain.
func skipInterop(t *testing.T, reason string) {
	t.Helper()
	interopSkipped = ": " + reason
	t.Skip("interop suite skipped: " + reason)
}

// announce prints line after the tests so that a person running a plain
// `go test ./...` sees it. The go command shows a passing package's output
// only with -v (or when run without package arguments in the package's
// directory): whatever the test binary prints, to stdout or stderr, is
// dropped otherwise. So, besides this binary's standard output (shown with -v
// and on failure), the line also goes to the go command's own standard output
// when the tests passed without -v:
//
//   - on Linux, when this binary's parent is the go command and its standard
//     output is a pipe or a terminal (and not this binary's too), it is opened
//     through /proc and written there, in the stream beside go's "ok" lines;
//   - otherwise (go's output is a file, or no /proc), to the controlling
//     terminal, if there is one and this binary's output is not it already.
//
// A regular file is never written behind the go command's back: without
// O_APPEND its own next lines would overwrite ours. A cached result (go test
// did not run the binary) repeats nothing.
func announce(passed bool, line string) {
	fmt.Println(line)
	if !passed || testing.Verbose() {
		return
	}
	if w := goCommandOutput(); w != nil {
		fmt.Fprintln(w, line)
		w.Close()
	}
}

// goCommandOutput opens the output a person reads go test's lines from,
// when it is not this binary's standard output; nil when it is or cannot be
// told.
func goCommandOutput() *os.File {
	ours, err := os.Stdout.Stat()
	if err != nil {
		return nil
	}
	parent := os.Getppid()
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", parent)); err == nil {
		if filepath.Base(exe) != "go" {
			return nil // run by itself or by another tool, which sees our output
		}
		fd := fmt.Sprintf("/proc/%d/fd/1", parent)
		theirs, err := os.Stat(fd)
		if err != nil || os.SameFile(ours, theirs) {
			return nil
		}
		if theirs.Mode()&(os.ModeNamedPipe|os.ModeCharDevice) != 0 {
			if f, err := os.OpenFile(fd, os.O_WRONLY|os.O_APPEND, 0); err == nil {
				return f
			}
		}
	}
	if ours.Mode()&os.ModeCharDevice != 0 {
		return nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return nil
	}
	return tty
}

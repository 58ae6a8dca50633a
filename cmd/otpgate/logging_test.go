package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestStartUpSetsTheDefaultLogger: at start-up the configured logger
// becomes slog's default, so a line a library logs through it (zitadel's
// op package does; op.WithLogger is a no-op) comes out in the configured
// format. Not parallel: it changes the process-wide default.
func TestStartUpSetsTheDefaultLogger(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	t.Setenv("OTPGATE_LOG_FORMAT", "json")
	var stdout, stderr syncBuffer
	code := runWith(context.Background(), []string{"--data", t.TempDir(), "migrate"}, strings.NewReader(""),
		&stdout, &stderr, slog.SetDefault)
	if code != 0 {
		t.Fatalf("migrate: exit %d, stderr %q", code, stderr.String())
	}
	slog.Warn("a line a library logs", "component", "library")
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
		t.Fatalf("the library's line is not JSON: %q (%v)", lines[len(lines)-1], err)
	}
	if rec["msg"] != "a line a library logs" || rec["component"] != "library" || rec["level"] != "WARN" {
		t.Errorf("the library's line came out as %v", rec)
	}

	// run, which tests use side by side, leaves the default alone.
	slog.SetDefault(prev)
	var other syncBuffer
	if code := run(context.Background(), []string{"--data", t.TempDir(), "migrate"}, strings.NewReader(""), &stdout, &other); code != 0 {
		t.Fatalf("migrate: exit %d", code)
	}
	if slog.Default() != prev {
		t.Error("run replaced slog's default logger")
	}
}

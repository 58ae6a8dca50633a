package provider_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/demo"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// TestDemoRelyingParty walks the built-in demo from "Sign in" to the page
// showing the verified claims, and signs out again.
func TestDemoRelyingParty(t *testing.T) {
	t.Parallel()
	renderer, _ := templates.New()
	h := newHarness(t, func(o *provider.Options) {
		d := demo.New(demo.Options{Issuer: o.Issuer, ClientID: "demo", Renderer: renderer,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		o.Extra = d.Mount
	})
	if err := h.store.CreateClient(context.Background(), &store.Client{ID: "demo", Public: true,
		RedirectURIs:           store.StringList{demo.RedirectURI(h.issuer)},
		PostLogoutRedirectURIs: store.StringList{demo.PostLogoutURI(h.issuer)}}); err != nil {
		t.Fatal(err)
	}
	h.addUser("demo", "demo-password-123", "otpgate")
	b := newBrowser(t)
	p := b.get(h.issuer + "/demo")
	if p.Step() != "demo" || strings.Contains(p.Body, `id="claims"`) {
		t.Fatalf("demo home: step %q", p.Step())
	}
	p = b.get(h.issuer + "/demo/login")
	p = b.submit(p, map[string]string{"username": "demo", "password": "demo-password-123"})
	p = b.submit(p, map[string]string{"answer": "otpgate"})
	if p.Status != http.StatusOK || p.Step() != "demo" || !strings.Contains(p.Body, `id="claims"`) || !strings.Contains(p.Body, "kba") {
		t.Fatalf("after sign-in: status %d step %q body %.300s", p.Status, p.Step(), p.Body)
	}
	p = b.get(h.issuer + "/demo/logout")
	if p.Step() != "logout" {
		t.Fatalf("demo logout: step %q", p.Step())
	}
	if p = b.submit(p, nil); p.Step() != "demo" || strings.Contains(p.Body, `id="claims"`) {
		t.Fatalf("after logout: step %q", p.Step())
	}

	// A sign-in that comes back to another browser (no state cookie):
	// the demo's page says so in words, not the library's plain text.
	p = b.get(h.issuer + "/demo/login")
	p = b.submit(p, map[string]string{"username": "demo", "password": "demo-password-123"})
	p = b.post(p, map[string]string{"answer": "otpgate"})
	callback := p.Location
	if !strings.Contains(callback, "/demo/callback") && !strings.Contains(callback, "/authorize/callback") {
		t.Fatalf("no callback to follow: %q", callback)
	}
	q := newBrowser(t).get(callback)
	for q.Location != "" && q.Step() == "" {
		q = newBrowser(t).get(q.Location)
	}
	if q.Step() != "demo" || !strings.Contains(q.Text("demo-problem"), "started in another tab or browser") || strings.Contains(q.Body, "named cookie") {
		t.Fatalf("a callback in another browser: step %q\n%.500s", q.Step(), q.Body)
	}
	// The provider's refusal, in words.
	q = newBrowser(t).get(h.issuer + "/demo?problem=demo.problem.denied")
	if !strings.Contains(q.Text("demo-problem"), "did not sign you in") {
		t.Fatalf("demo problem: %q", q.Text("demo-problem"))
	}
	if q = newBrowser(t).get(h.issuer + "/demo?problem=<script>"); strings.Contains(q.Body, "demo-problem") {
		t.Fatal("an unknown problem key was shown")
	}
}

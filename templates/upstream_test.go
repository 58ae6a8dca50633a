package templates

import (
	"bytes"
	"strings"
	"testing"
)

// TestPasswordPageUpstreams: each upstream provider is a form posting to
// /login/connector/<id> with a named button and the flow's fields; with
// none, the page offers none.
func TestPasswordPageUpstreams(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	render := func(p PasswordPage) string {
		var b bytes.Buffer
		p.Base = Base{Lang: "en", CSRF: "tok", AuthRequestID: "req-1"}
		if err := r.Render(&b, p); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if out := render(PasswordPage{}); strings.Contains(out, "/login/connector/") || strings.Contains(out, "upstreams") {
		t.Fatalf("a page without connectors offers one:\n%s", out)
	}
	out := render(PasswordPage{Upstreams: []UpstreamButton{{ID: "corp-sso", Name: "Corporate SSO"}, {ID: "partner", Name: "Partner"}}})
	for _, want := range []string{
		`<form method="post" action="/login/connector/corp-sso">`, `>Sign in with Corporate SSO</button>`,
		`<form method="post" action="/login/connector/partner">`, `>Sign in with Partner</button>`,
		`aria-labelledby="upstreams-title"`,
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("the page lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, `name="authRequestID" value="req-1"`); n != 3 {
		t.Fatalf("%d forms carry the flow, want 3", n)
	}
}

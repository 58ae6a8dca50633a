package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/console"
)

// consoleGets and consolePosts are every console route (erin and the
// client "app" exist in adminHarness).
var (
	consoleGets = []string{"/admin", "/admin/users/erin", "/admin/clients", "/admin/clients/app",
		"/admin/clients/app/remove", "/admin/keys", "/admin/audit"}
	consolePosts = []struct {
		path string
		form url.Values
	}{
		{"/admin/users/erin/unlock", nil},
		{"/admin/users/erin/reset-device", nil},
		{"/admin/users/erin/disable", nil},
		{"/admin/users/erin/enable", nil},
		{"/admin/users/erin/require-mfa", url.Values{"on": {"on"}}},
		{"/admin/users/erin/sessions/revoke", url.Values{"session": {"0123456789abcdef"}}},
		{"/admin/users/erin/sessions/revoke-all", nil},
		{"/admin/users/erin/browsers/forget", url.Values{"browser": {"0123456789abcdef"}}},
		{"/admin/users/erin/browsers/forget-all", nil},
		{"/admin/clients", url.Values{"id": {"new-app"}, "redirect_uri": {rpRedirect}, "type": {"confidential"}}},
		{"/admin/clients/machine", url.Values{"machine_id": {"robot"}, "scope": {"admin:write"}}},
		{"/admin/clients/app/redirect-uris", url.Values{"redirect_uri": {"https://rp.example/cb2"}}},
		{"/admin/clients/app/redirect-uris/remove", url.Values{"uri": {rpRedirect}}},
		{"/admin/clients/app/post-logout-uris", url.Values{"post_logout_uri": {"https://rp.example/bye"}}},
		{"/admin/clients/app/post-logout-uris/remove", url.Values{"uri": {"https://rp.example/bye"}}},
		{"/admin/clients/app/require-mfa", url.Values{"on": {"on"}}},
		{"/admin/clients/app/remember-browser", url.Values{"on": {"on"}}},
		{"/admin/clients/app/rotate-secret", nil},
		{"/admin/clients/app/remove", nil},
		{"/admin/keys/rotate", nil},
	}
)

// auditCount is how many audit events there are.
func auditCount(t *testing.T, svc *admin.Service) int {
	t.Helper()
	rows, err := svc.AuditLog(context.Background(), admin.AuditQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// consolePost posts form to path from b, as is.
func consolePost(t *testing.T, h *harness, b *browser, path string, form url.Values, header ...string) *page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	p, err := b.Do(req)
	return b.must(p, err)
}

// csrfCookie is the CSRF token b's cookie holds for the issuer.
func csrfCookie(t *testing.T, h *harness, b *browser) string {
	t.Helper()
	u, _ := url.Parse(h.issuer + "/admin")
	for _, c := range b.Client.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "csrf") {
			return c.Value
		}
	}
	t.Fatal("no CSRF cookie")
	return ""
}

// TestConsoleRefusals: every POST without the CSRF field (or from another
// site) is refused and changes nothing; a signed-in person who is not an
// administrator gets 403 on every route, even with a valid token; bad
// input gets a 4xx page, never a 500.
func TestConsoleRefusals(t *testing.T) {
	// The lists above name every route the console serves.
	listed := map[string]bool{}
	for _, path := range consoleGets {
		listed["GET "+path] = true
	}
	for _, r := range consolePosts {
		listed["POST "+r.path] = true
	}
	named := strings.NewReplacer(":name", "erin", ":id", "app")
	for _, r := range console.RouteList() {
		if !listed[r.Method+" /admin"+named.Replace(r.Path)] {
			t.Errorf("%s /admin%s is served but not in this test's lists", r.Method, r.Path)
		}
	}
	h, svc, a, _ := consoleHarness(t)
	before := auditCount(t, svc)
	token := csrfCookie(t, h, a)
	for _, r := range consolePosts {
		if p := consolePost(t, h, a, r.path, r.form); p.Status != http.StatusForbidden || p.Step() != "error" {
			t.Errorf("POST %s without csrf: %s", r.path, p.Describe())
		}
		form := url.Values{"csrf": {token}}
		for k, v := range r.form {
			form[k] = v
		}
		if p := consolePost(t, h, a, r.path, form, "Sec-Fetch-Site", "cross-site"); p.Status != http.StatusForbidden {
			t.Errorf("POST %s from another site: %s", r.path, p.Describe())
		}
	}
	if after := auditCount(t, svc); after != before {
		t.Fatalf("refused posts changed something: %d audit events, were %d", after, before)
	}
	for _, id := range []string{"new-app", "robot"} {
		if _, err := svc.Client(context.Background(), id); err == nil {
			t.Fatalf("a refused post registered client %s", id)
		}
	}

	// erin, signed in through the console's own sign-in, is no administrator.
	e := newBrowser(t)
	p, _ := h.enroll(e, e.toSecondFactor(h.issuer+"/admin", "erin", erinPW, "rex"))
	if p.Status != http.StatusForbidden {
		t.Fatalf("erin at the console: %s", p.Describe())
	}
	for _, path := range consoleGets {
		if p := e.get(h.issuer + path); p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "administrator") {
			t.Errorf("erin GET %s: %s", path, p.Describe())
		}
	}
	before = auditCount(t, svc) // erin's sign-in
	erinToken := csrfCookie(t, h, e)
	for _, r := range consolePosts {
		form := url.Values{"csrf": {erinToken}}
		for k, v := range r.form {
			form[k] = v
		}
		if p := consolePost(t, h, e, r.path, form); p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "administrator") {
			t.Errorf("erin POST %s: %s", r.path, p.Describe())
		}
	}
	if after := auditCount(t, svc); after != before {
		t.Fatalf("erin's posts changed something: %d audit events, were %d", after, before)
	}

	// Bad input: 4xx pages with an alert.
	list := a.get(h.issuer + "/admin")
	for _, c := range []struct {
		get, post string
		form      map[string]string
		want      int
	}{
		{get: "/admin/users/nobody", want: http.StatusNotFound},
		{get: "/admin/users/%25zz", want: http.StatusNotFound},
		{get: "/admin/clients/nope", want: http.StatusNotFound},
		{get: "/admin/clients/nope/remove", want: http.StatusNotFound},
		{get: "/admin?q=" + strings.Repeat("x", 300), want: http.StatusBadRequest},
		{get: "/admin/audit?since=2024-13-45", want: http.StatusBadRequest},
		{get: "/admin/audit?until=yesterday", want: http.StatusBadRequest},
		{get: "/admin/audit?since=2025-02-02&until=2025-02-01", want: http.StatusBadRequest},
		{get: "/admin/audit?cursor=not-a-cursor", want: http.StatusBadRequest},
		{get: "/admin/audit?user=nobody", want: http.StatusNotFound},
		{post: "/admin/users/nobody/unlock", want: http.StatusNotFound},
		{post: "/admin/users/nobody/reset-device", want: http.StatusNotFound},
		{post: "/admin/users/erin/require-mfa", form: map[string]string{"on": "maybe"}, want: http.StatusBadRequest},
		{post: "/admin/users/erin/sessions/revoke", form: map[string]string{"session": "../../etc"}, want: http.StatusBadRequest},
		{post: "/admin/users/erin/sessions/revoke", form: map[string]string{"session": "0123456789abcdef"}, want: http.StatusNotFound},
		{post: "/admin/users/ada/disable", want: http.StatusBadRequest},
		{post: "/admin/clients", form: map[string]string{"id": "x", "redirect_uri": rpRedirect, "type": "other"}, want: http.StatusBadRequest},
		{post: "/admin/clients/nope/require-mfa", form: map[string]string{"on": "on"}, want: http.StatusNotFound},
		{post: "/admin/clients/nope/rotate-secret", want: http.StatusNotFound},
		{post: "/admin/clients/otpgate-console/remove", want: http.StatusBadRequest},
		{post: "/admin/clients/app/redirect-uris/remove", form: map[string]string{"uri": "https://elsewhere.example/cb"}, want: http.StatusBadRequest},
	} {
		var p *page
		name := "GET " + c.get
		if c.get != "" {
			p = a.get(h.issuer + c.get)
		} else {
			name = fmt.Sprintf("POST %s %v", c.post, c.form)
			p = a.postForm(list, c.post, c.form)
		}
		if p.Status != c.want || p.Alert() == "" {
			t.Errorf("%s: %s, want %d with an alert", name, p.Describe(), c.want)
		}
	}
}

// TestConsoleKeysAndAudit: keys are rotated from the console; the audit
// log is filtered and paged (older), with the console's actions recorded
// under the administrator's name.
func TestConsoleKeysAndAudit(t *testing.T) {
	h, svc, a, _ := consoleHarness(t)
	ctx := context.Background()
	p := a.get(h.issuer + "/admin/keys")
	keys := strings.Count(p.Body, `<th scope="row"><code>`)
	if p.Step() != "console-keys" || keys == 0 {
		t.Fatalf("keys: %s", p.Describe())
	}
	p = followed(t, a, consoleAction(t, a, p, "/admin/keys/rotate", nil))
	if got := strings.Count(p.Body, `<th scope="row"><code>`); p.Step() != "console-keys" || got <= keys {
		t.Fatalf("after rotation: %d keys, were %d: %s", got, keys, p.Describe())
	}

	// 60 events of erin's; pages of 50, newest first, no overlap.
	for i := range 60 {
		if _, err := svc.RequireMFA(ctx, "test", "erin", i%2 == 0); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(1e9)
	}
	p = a.get(h.issuer + "/admin/audit?user=erin&event=admin.user")
	first := strings.Count(p.Body, `<th scope="row">admin.user</th>`)
	older := find(p.Doc, func(n *htmlNode) bool { return attr(n, "id") == "older" })
	if p.Step() != "console-audit" || first != 50 || older == nil {
		t.Fatalf("audit page 1: %d events, older %v: %s", first, older != nil, p.Describe())
	}
	next, _ := p.URL.Parse(attr(older, "href"))
	if next.Query().Get("user") != "erin" || next.Query().Get("event") != "admin.user" {
		t.Fatalf("the older link lost the filters: %s", next)
	}
	q := a.get(next.String())
	second := strings.Count(q.Body, `<th scope="row">admin.user</th>`)
	if q.Status != http.StatusOK || first+second < 60 || strings.Contains(q.Body, `id="older"`) {
		t.Fatalf("audit page 2: %d events: %s", second, q.Describe())
	}
	// Filters: a day with no events, another event name, and the
	// console's own action recorded with its actor.
	if r := a.get(h.issuer + "/admin/audit?since=2999-01-01"); strings.Contains(r.Body, `<th scope="row">admin.`) {
		t.Fatal("a filter by date shows events of other days")
	}
	day := h.store.Now().UTC().Format("2006-01-02")
	r := a.get(h.issuer + "/admin/audit?event=admin.keys&since=" + day + "&until=" + day)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "console:ada") || strings.Contains(r.Body, `<th scope="row">admin.user</th>`) {
		t.Fatalf("the keys event: %s", r.Describe())
	}
}

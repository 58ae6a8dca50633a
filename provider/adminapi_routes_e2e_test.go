package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/adminapi"
	"github.com/otpgate/otpgate/provider/store"
)

// auditBy returns the events of one actor, by event name.
func auditBy(t *testing.T, h *harness, actor string) map[string][]store.AuditEvent {
	t.Helper()
	events, err := h.store.AuditEvents(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.AuditEvent{}
	for _, e := range events {
		if e.Actor == actor {
			out[e.Event] = append(out[e.Event], e)
		}
	}
	return out
}

// noSecretAudited fails when any audit event holds one of secrets.
func noSecretAudited(t *testing.T, h *harness, secrets ...string) {
	t.Helper()
	events, err := h.store.AuditEvents(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		for _, s := range secrets {
			if s != "" && (strings.Contains(e.Detail, s) || strings.Contains(e.Username, s)) {
				t.Fatalf("a secret shown once is in the audit log: %+v", e)
			}
		}
	}
}

// userinfoStatus is the status of /userinfo with an access token.
func userinfoStatus(t *testing.T, h *harness, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signedInErin signs erin in to "app" in a new browser and returns the
// browser and her access token.
func signedInErin(t *testing.T, h *harness) (*browser, string) {
	t.Helper()
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	return b, tokens.AccessToken
}

// TestAdminAPIUsers: add with a generated password shown once, disable
// ends sessions and tokens, a temporary password revokes them too,
// require-mfa with an enrollment code, unlock with the passcode option;
// every write is the client's in the audit log, no secret in it.
func TestAdminAPIUsers(t *testing.T) {
	h, _ := adminHarness(t)
	write := h.clientToken(t, "writer", writerSecret)

	got, _, body := h.apiBody(t, http.MethodPost, "/users", write,
		`{"username":"Nia","email":"nia@example.com","name":"Nia N","given_name":"Nia","family_name":"N","require_mfa":true}`)
	user, _ := body["user"].(map[string]any)
	pw, _ := body["password"].(string)
	if got != http.StatusCreated || user["username"] != "nia" || user["require_mfa"] != true || user["given_name"] != "Nia" ||
		!regexp.MustCompile(`^[a-z2-7]{5}(-[a-z2-7]{5}){3}$`).MatchString(pw) {
		t.Fatalf("add: %d %v", got, body)
	}
	// The generated password signs in, to the step that replaces it.
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	if p := b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "nia", "password": pw}); p.Step() != "setup" {
		t.Fatalf("the generated password led to %q", p.Step())
	}
	// A password given is not echoed.
	if got, _, body := h.apiBody(t, http.MethodPost, "/users", write, `{"username":"omar","password":"a-long-chosen-passphrase-9"}`); got != http.StatusCreated || body["password"] != nil {
		t.Fatalf("add with a password: %d %v", got, body)
	}
	if got, _, body := h.apiBody(t, http.MethodPost, "/users", write, `{"username":"NIA"}`); got != http.StatusConflict {
		t.Fatalf("add a taken username: %d %v", got, body)
	}

	// Disable: erin's token and session end; enable lets her sign in.
	_, token := signedInErin(t, h)
	if got, _, body := h.api(t, http.MethodPost, "/users/erin/disable", write); got != http.StatusOK || body["disabled"] != true {
		t.Fatalf("disable: %d %v", got, body)
	}
	if s := userinfoStatus(t, h, token); s != http.StatusUnauthorized {
		t.Fatalf("a disabled user's token at userinfo: %d", s)
	}
	if got, _, body := h.api(t, http.MethodPost, "/users/erin/enable", write); got != http.StatusOK || body["disabled"] != false {
		t.Fatalf("enable: %d %v", got, body)
	}

	// A temporary password: generated, shown once, sessions and tokens revoked.
	_, token = signedInErin(t, h)
	got, _, body = h.apiBody(t, http.MethodPost, "/users/erin/password", write, `{}`)
	temp, _ := body["password"].(string)
	if got != http.StatusOK || temp == "" {
		t.Fatalf("set password: %d %v", got, body)
	}
	if s := userinfoStatus(t, h, token); s != http.StatusUnauthorized {
		t.Fatalf("a token after a temporary password: %d", s)
	}
	if got, _, body := h.apiBody(t, http.MethodPost, "/users/erin/password", write, `{"password":"erin"}`); got != http.StatusBadRequest {
		t.Fatalf("a weak temporary password: %d %v", got, body)
	}

	// require-mfa with the first enrollment's code.
	got, _, body = h.apiBody(t, http.MethodPut, "/users/erin/require-mfa", write, `{"on":true,"enrollment_code":true}`)
	code, _ := body["enrollment_code"].(string)
	if got != http.StatusOK || body["require_mfa"] != true || code == "" || body["valid_until"] == nil {
		t.Fatalf("require-mfa with a code: %d %v", got, body)
	}
	if got, _, body := h.apiBody(t, http.MethodPut, "/users/erin/require-mfa", write, `{"on":false}`); got != http.StatusOK || body["require_mfa"] != false || body["enrollment_code"] != nil {
		t.Fatalf("require-mfa off: %d %v", got, body)
	}

	// Unlock with the passcode option lifts the passcode lock too.
	got, _, body = h.apiBody(t, http.MethodPost, "/users/erin/unlock", write, `{"passcode":true}`)
	if got != http.StatusOK || body["passcode_locked"] != false || body["passcode_was_locked"] != false {
		t.Fatalf("unlock --passcode: %d %v", got, body)
	}

	byWriter := auditBy(t, h, "writer")
	if len(byWriter[store.EventAdminUser]) < 7 || len(byWriter[store.EventUnlock]) != 1 || len(byWriter[store.EventUnlockOTP]) != 1 ||
		len(byWriter[store.EventProofRequested])+len(byWriter[store.EventAdminResetOTP])+countDetail(byWriter[store.EventAdminUser], "enrollment") == 0 {
		t.Errorf("the client's audit events: %v", byWriter)
	}
	noSecretAudited(t, h, pw, temp, code, "a-long-chosen-passphrase-9")
}

func countDetail(events []store.AuditEvent, word string) int {
	n := 0
	for _, e := range events {
		if strings.Contains(e.Detail, word) {
			n++
		}
	}
	return n
}

// TestAdminAPIClients: add (a generated secret shown once; never in a
// read), single URIs added and removed, a rotated secret ends the old one
// at the token endpoint, a removed client's tokens stop, and a client of
// the configuration file is refused.
func TestAdminAPIClients(t *testing.T) {
	h, _ := adminHarness(t)
	ctx := context.Background()
	write := h.clientToken(t, "writer", writerSecret)

	got, _, body := h.apiBody(t, http.MethodPost, "/clients", write,
		`{"id":"shop","name":"Shop","redirect_uris":["https://shop.example/cb"],"require_mfa":true}`)
	secret, _ := body["secret"].(string)
	cl, _ := body["client"].(map[string]any)
	if got != http.StatusCreated || len(secret) < 32 || cl["kind"] != "confidential" || cl["require_mfa"] != true {
		t.Fatalf("add: %d %v", got, body)
	}
	if got, _, body := h.apiBody(t, http.MethodPost, "/clients", write, `{"id":"spa","public":true,"redirect_uris":["https://spa.example/cb"]}`); got != http.StatusCreated || body["secret"] != nil {
		t.Fatalf("add a public client: %d %v", got, body)
	}
	got, _, body = h.apiBody(t, http.MethodPost, "/clients", write, `{"id":"robot","grant_types":["client_credentials"],"scopes":["admin:read"]}`)
	robotSecret, _ := body["secret"].(string)
	if got != http.StatusCreated || robotSecret == "" || body["client"].(map[string]any)["kind"] != "machine" {
		t.Fatalf("add a machine client: %d %v", got, body)
	}
	if got, _, _ := h.apiBody(t, http.MethodPost, "/clients", write, `{"id":"shop","redirect_uris":["https://shop.example/cb"]}`); got != http.StatusConflict {
		t.Fatalf("add a taken id: %d", got)
	}
	// Reads never show a secret or its hash.
	for _, path := range []string{"/clients", "/clients/shop", "/clients/robot"} {
		req, _ := http.NewRequest(http.MethodGet, h.issuer+"/admin/api/v1"+path, nil)
		req.Header.Set("Authorization", "Bearer "+write)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var raw strings.Builder
		_, _ = fmt.Fprint(&raw, resp.Header)
		buf := make([]byte, 1<<16)
		n, _ := resp.Body.Read(buf)
		resp.Body.Close()
		if text := string(buf[:n]); strings.Contains(strings.ToLower(text), "secret") || strings.Contains(text, "$argon") {
			t.Fatalf("GET %s shows a secret: %s", path, text)
		}
	}

	// Single URIs.
	got, _, body = h.apiBody(t, http.MethodPatch, "/clients/shop", write,
		`{"add_redirect_uris":["https://shop.example/cb2"],"add_post_logout_uris":["https://shop.example/bye"],"name":"The shop"}`)
	if got != http.StatusOK || fmt.Sprint(body["redirect_uris"]) != "[https://shop.example/cb https://shop.example/cb2]" ||
		fmt.Sprint(body["post_logout_uris"]) != "[https://shop.example/bye]" || body["name"] != "The shop" {
		t.Fatalf("patch: %d %v", got, body)
	}
	got, _, body = h.apiBody(t, http.MethodPatch, "/clients/shop", write, `{"remove_redirect_uris":["https://shop.example/cb"]}`)
	if got != http.StatusOK || fmt.Sprint(body["redirect_uris"]) != "[https://shop.example/cb2]" {
		t.Fatalf("remove a URI: %d %v", got, body)
	}
	for _, bad := range []string{
		`{"remove_redirect_uris":["https://shop.example/cb2"]}`, // the last one
		`{"remove_redirect_uris":["https://shop.example/none"]}`,
		`{"add_redirect_uris":["https://shop.example/cb2"]}`, // has it
		`{"add_redirect_uris":["not a uri"]}`,
		`{"add_redirect_uris":["https://shop.example/cb#frag"]}`,
		`{}`,
	} {
		if got, _, body := h.apiBody(t, http.MethodPatch, "/clients/shop", write, bad); got != http.StatusBadRequest {
			t.Errorf("patch %s: %d %v", bad, got, body)
		}
	}

	// A rotated secret: the old one fails at the token endpoint at once.
	h.clientToken(t, "robot", robotSecret)
	got, _, body = h.api(t, http.MethodPost, "/clients/robot/rotate-secret", write)
	newSecret, _ := body["secret"].(string)
	if got != http.StatusOK || newSecret == "" || newSecret == robotSecret {
		t.Fatalf("rotate-secret: %d %v", got, body)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if status, body := h.tokenRequest(t, form, "robot", robotSecret); status != http.StatusUnauthorized && body["error"] != "invalid_client" {
		t.Fatalf("the old secret after a rotation: %d %v", status, body)
	}
	robot := h.clientToken(t, "robot", newSecret)
	if got, _, _ := h.api(t, http.MethodGet, "/users", robot); got != http.StatusOK {
		t.Fatalf("the new secret's token: %d", got)
	}
	if got, _, _ := h.api(t, http.MethodPost, "/clients/spa/rotate-secret", write); got != http.StatusConflict {
		t.Fatalf("rotate a public client's secret: %d", got)
	}

	// Removed: its tokens stop.
	if got, _, _ := h.api(t, http.MethodDelete, "/clients/robot", write); got != http.StatusNoContent {
		t.Fatalf("remove: %d", got)
	}
	if got, _, _ := h.api(t, http.MethodGet, "/users", robot); got != http.StatusUnauthorized {
		t.Fatalf("a removed client's token: %d", got)
	}
	if got, _, _ := h.api(t, http.MethodGet, "/clients/robot", write); got != http.StatusNotFound {
		t.Fatalf("a removed client: %d", got)
	}

	// A client of the configuration file is changed there only.
	if err := h.store.CreateClient(ctx, &store.Client{ID: "declared", RedirectURIs: store.StringList{"https://d.example/cb"},
		PostLogoutRedirectURIs: store.StringList{}, SecretHash: h.hasher.HashClientSecret("declared-secret-0123456789"), FromConfig: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPatch, "/clients/declared", `{"add_redirect_uris":["https://d.example/cb2"]}`},
		{http.MethodPost, "/clients/declared/rotate-secret", ""},
		{http.MethodDelete, "/clients/declared", ""},
	} {
		got, _, body := h.apiBody(t, r.method, r.path, write, r.body)
		if got != http.StatusConflict || !strings.HasSuffix(body["type"].(string), "#problem-client-from-config") {
			t.Errorf("%s %s of a declared client: %d %v", r.method, r.path, got, body)
		}
	}
	if got, _, body := h.api(t, http.MethodGet, "/clients/declared", write); got != http.StatusOK || body["from_config"] != true {
		t.Fatalf("show a declared client: %d %v", got, body)
	}
	if n := len(auditBy(t, h, "writer")[store.EventAdminClient]); n != 7 {
		t.Errorf("%d client events by the client, want 7", n)
	}
	noSecretAudited(t, h, secret, robotSecret, newSecret)
}

// TestAdminAPIKeys: the list shows public facts; a rotation publishes new
// keys at once (in the served key set) that sign after the activation
// delay, audited with the client.
func TestAdminAPIKeys(t *testing.T) {
	h, _ := adminHarness(t, func(o *provider.Options) { o.KeyActivation = time.Hour })
	write := h.clientToken(t, "writer", writerSecret)
	h.clock.Advance(time.Minute) // the new keys are younger than the first
	got, _, body := h.api(t, http.MethodGet, "/keys", write)
	keys, _ := body["keys"].([]any)
	if got != http.StatusOK || len(keys) != 3 {
		t.Fatalf("keys: %d %v", got, body)
	}
	for _, k := range keys {
		k := k.(map[string]any)
		if k["state"] != "signing" || k["kid"] == "" || k["published"] != true || len(k) > 6 {
			t.Fatalf("a first key: %v", k)
		}
	}
	got, _, body = h.api(t, http.MethodPost, "/keys/rotate", write)
	fresh, _ := body["keys"].([]any)
	if got != http.StatusCreated || len(fresh) != 3 {
		t.Fatalf("rotate: %d %v", got, body)
	}
	jwks := string(h.serve(http.MethodGet, "/keys", nil).Body.Bytes())
	for _, k := range fresh {
		k := k.(map[string]any)
		if k["state"] != "next" || k["activation"] == nil {
			t.Fatalf("a new key: %v", k)
		}
		if !strings.Contains(jwks, k["kid"].(string)) {
			t.Fatalf("a new key is not in the served key set: %v", k["kid"])
		}
	}
	_, _, body = h.api(t, http.MethodGet, "/keys", write)
	states := map[string]int{}
	for _, k := range body["keys"].([]any) {
		states[k.(map[string]any)["state"].(string)]++
	}
	if states["signing"] != 3 || states["next"] != 3 {
		t.Fatalf("key states after a rotation: %v", states)
	}
	// After the activation delay the new keys sign; the first ones verify.
	h.clock.Advance(time.Hour)
	_, _, body = h.api(t, http.MethodGet, "/keys", h.clientToken(t, "writer", writerSecret))
	states = map[string]int{}
	for _, k := range body["keys"].([]any) {
		states[k.(map[string]any)["state"].(string)]++
	}
	if states["signing"] != 3 || states["published"] != 3 {
		t.Fatalf("key states after the activation delay: %v", states)
	}
	if len(auditBy(t, h, "writer")[store.EventAdminKeys]) != 1 {
		t.Fatal("the rotation is not audited with the client")
	}
}

// TestAdminAPISessions: a session listed by its handle (never its key);
// revoking it ends that browser's single sign-on and only that; revoking
// all ends the tokens too.
func TestAdminAPISessions(t *testing.T) {
	h, _ := adminHarness(t)
	write := h.clientToken(t, "writer", writerSecret)
	b1, _ := signedInErin(t, h)
	h.clock.Advance(time.Second)
	b2, token2 := signedInErin(t, h)
	got, _, body := h.api(t, http.MethodGet, "/users/erin/sessions", write)
	sessions, _ := body["sessions"].([]any)
	if got != http.StatusOK || len(sessions) != 2 {
		t.Fatalf("sessions: %d %v", got, body)
	}
	rows, _ := h.store.SessionsOfUser(context.Background(), mustUser(t, h, "erin").ID)
	for _, s := range sessions {
		s := s.(map[string]any)
		id, _ := s["id"].(string)
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) || s["amr"] == nil || s["created"] == nil || s["expires"] == nil {
			t.Fatalf("a session: %v", s)
		}
		for _, r := range rows {
			if strings.Contains(fmt.Sprint(s), r.ID) {
				t.Fatalf("a session shows its key: %v", s)
			}
		}
	}
	// Newest first: the second browser's session.
	newest := sessions[0].(map[string]any)["id"].(string)
	if got, _, body := h.api(t, http.MethodDelete, "/users/erin/sessions/"+newest, write); got != http.StatusNoContent {
		t.Fatalf("revoke: %d %v", got, body)
	}
	if got, _, _ := h.api(t, http.MethodDelete, "/users/erin/sessions/"+newest, write); got != http.StatusNotFound {
		t.Fatalf("revoke twice: %d", got)
	}
	if got, _, _ := h.api(t, http.MethodDelete, "/users/nia/sessions/"+newest, write); got != http.StatusNotFound {
		t.Fatalf("revoke for an unknown user: %d", got)
	}
	nonce := "n2"
	app := h.relyingParty("app", appSecret, &nonce)
	if p := b2.get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptNone))); p.rpQuery(t).Get("error") != "login_required" {
		t.Fatalf("the revoked browser still has single sign-on: %v", p.rpQuery(t))
	}
	if p := b1.get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptNone))); p.Code() == "" {
		t.Fatal("the other browser lost its single sign-on")
	}
	if s := userinfoStatus(t, h, token2); s != http.StatusOK {
		t.Fatalf("one session's revocation ended a token: %d", s)
	}
	// All: sessions and tokens.
	if got, _, body := h.api(t, http.MethodDelete, "/users/erin/sessions", write); got != http.StatusOK || body["revoked"] != float64(1) {
		t.Fatalf("revoke all: %d %v", got, body)
	}
	if s := userinfoStatus(t, h, token2); s != http.StatusUnauthorized {
		t.Fatalf("a token after revoking all: %d", s)
	}
	if p := b1.get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptNone))); p.rpQuery(t).Get("error") != "login_required" {
		t.Fatal("single sign-on after revoking all")
	}
	if n := countDetail(auditBy(t, h, "writer")[store.EventAdminUser], "revoked"); n != 2 {
		t.Fatalf("%d revocations audited, want 2", n)
	}
}

// TestAdminAPIAuditPages: pages, newest first, return every event of the
// log exactly once while events are being written, and the filters hold.
func TestAdminAPIAuditPages(t *testing.T) {
	h, svc := adminHarness(t)
	ctx := context.Background()
	read := h.clientToken(t, "reader", readerSecret)
	for i := range 25 {
		if err := svc.Record(ctx, "seed", store.AuditEvent{Event: store.EventAdminKeys, Detail: fmt.Sprint("seed ", i)}); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			h.clock.Advance(time.Second)
		}
	}
	before, err := h.store.AuditEvents(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// A writer adds events meanwhile, at the frozen time the pages share
	// (their random ids fall before and after the pages' cursors). It
	// writes a bounded number: one that never stopped, at one instant,
	// would always have newer events for a later page.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			select {
			case <-stop:
				return
			default:
			}
			_ = svc.Record(ctx, "busy", store.AuditEvent{Event: store.EventAdminKeys, Detail: fmt.Sprint("busy ", i)})
		}
	}()
	seen := map[string]int{}
	path := "/audit?limit=4"
	var last time.Time
	for pages := 0; path != ""; pages++ {
		got, _, body := h.api(t, http.MethodGet, path, read)
		if got != http.StatusOK || pages > 100 {
			t.Fatalf("page %d: %d %v", pages, got, body)
		}
		for _, e := range body["events"].([]any) {
			e := e.(map[string]any)
			seen[e["id"].(string)]++
			at, _ := time.Parse(time.RFC3339Nano, e["at"].(string))
			if !last.IsZero() && at.After(last) {
				t.Fatalf("not newest first: %v after %v", at, last)
			}
			last = at
		}
		next, _ := body["next"].(string)
		path = strings.TrimPrefix(next, "/admin/api/v1")
	}
	close(stop)
	wg.Wait()
	for _, e := range before {
		if seen[e.ID] != 1 {
			t.Fatalf("event %s (%s) seen %d times", e.ID, e.Detail, seen[e.ID])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s seen %d times", id, n)
		}
	}
	// Filters: event, user, since/until.
	if _, _, body := h.api(t, http.MethodGet, "/audit?event=admin.keys&limit=1000", read); len(body["events"].([]any)) < 25 {
		t.Fatalf("by event: %d", len(body["events"].([]any)))
	}
	if _, _, body := h.api(t, http.MethodGet, "/audit?event=signin.success", read); len(body["events"].([]any)) != 0 || body["next"] != nil {
		t.Fatalf("by another event: %v", body)
	}
	start := before[0].At.UTC()
	q := url.Values{"since": {start.Format(time.RFC3339)}, "until": {start.Add(time.Second).Format(time.RFC3339)}, "event": {"admin.keys"}}
	if _, _, body := h.api(t, http.MethodGet, "/audit?"+q.Encode(), read); len(body["events"].([]any)) != 10 {
		t.Fatalf("the first second: %d events", len(body["events"].([]any)))
	}
	if got, _, _ := h.api(t, http.MethodGet, "/audit?user=erin", read); got != http.StatusOK {
		t.Fatalf("by user: %d", got)
	}
}

// TestAdminAPIBadInputEveryRoute: malformed, unknown, mistyped, too long
// or too large input is a problem document (400, 404, 409, 413, 415),
// never a 500.
func TestAdminAPIBadInputEveryRoute(t *testing.T) {
	h, _ := adminHarness(t)
	write := h.clientToken(t, "writer", writerSecret)
	long := strings.Repeat("x", 5000)
	huge := `{"username":"` + strings.Repeat("a", adminapi.MaxBody) + `"}`
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{http.MethodPost, "/users", `{"username":`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"zed","admin":true}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":42}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"zed","require_mfa":"yes"}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `["zed"]`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"zed"} {"username":"yan"}`, http.StatusBadRequest},
		{http.MethodPost, "/users", ``, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"` + long + `"}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"zed","email":"` + long + `@example.com"}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"zed","email":"not-an-address"}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"zed","name":"` + long + `"}`, http.StatusBadRequest},
		{http.MethodPost, "/users", `{"username":"erin"}`, http.StatusConflict},
		{http.MethodPost, "/users", huge, http.StatusRequestEntityTooLarge},
		{http.MethodPost, "/users/nobody/disable", ``, http.StatusNotFound},
		{http.MethodPost, "/users/erin/disable", `{"really":true}`, http.StatusBadRequest},
		{http.MethodPost, "/users/nobody/enable", ``, http.StatusNotFound},
		{http.MethodPost, "/users/nobody/password", `{}`, http.StatusNotFound},
		{http.MethodPost, "/users/erin/password", `{"password":["x"]}`, http.StatusBadRequest},
		{http.MethodPost, "/users/erin/password", `{"password":"` + long + `"}`, http.StatusBadRequest},
		{http.MethodPut, "/users/erin/require-mfa", `{}`, http.StatusBadRequest},
		{http.MethodPut, "/users/erin/require-mfa", `{"on":"on"}`, http.StatusBadRequest},
		{http.MethodPut, "/users/erin/require-mfa", `{"on":false,"enrollment_code":true}`, http.StatusBadRequest},
		{http.MethodPut, "/users/nobody/require-mfa", `{"on":true}`, http.StatusNotFound},
		{http.MethodPost, "/users/erin/unlock", `{"passcode":1}`, http.StatusBadRequest},
		{http.MethodPost, "/users/nobody/reset-device", ``, http.StatusNotFound},
		{http.MethodGet, "/users/nobody/sessions", ``, http.StatusNotFound},
		{http.MethodDelete, "/users/nobody/sessions", ``, http.StatusNotFound},
		{http.MethodDelete, "/users/erin/sessions/not-a-handle", ``, http.StatusBadRequest},
		{http.MethodDelete, "/users/erin/sessions/0123456789abcdef", ``, http.StatusNotFound},
		{http.MethodGet, "/users/nobody/remembered-browsers", ``, http.StatusNotFound},
		{http.MethodDelete, "/users/nobody/remembered-browsers", ``, http.StatusNotFound},
		{http.MethodDelete, "/users/erin/remembered-browsers/not-a-browser", ``, http.StatusBadRequest},
		{http.MethodDelete, "/users/erin/remembered-browsers/" + strings.Repeat("a", 26), ``, http.StatusBadRequest},
		{http.MethodDelete, "/users/erin/remembered-browsers/" + strings.Repeat("A", 26), ``, http.StatusNotFound},
		{http.MethodDelete, "/users/nobody/remembered-browsers/" + strings.Repeat("A", 26), ``, http.StatusNotFound},
		{http.MethodPost, "/clients", `{"id":"bad id","redirect_uris":["https://a.example/cb"]}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1"}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","redirect_uris":["javascript:alert(1)"]}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","redirect_uris":"https://a.example/cb"}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","redirect_uris":["https://a.example/cb"],"secret":"short"}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","redirect_uris":["https://a.example/cb"],"secret":"replace-with-a-long-random-secret"}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","redirect_uris":["https://a.example/cb"],"name":"` + long + `"}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","redirect_uris":["https://a.example/cb"],"id_token_alg":"none"}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","grant_types":["client_credentials"],"scopes":["openid"]}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"c1","grant_types":["password"],"scopes":["admin:read"]}`, http.StatusBadRequest},
		{http.MethodPost, "/clients", `{"id":"app","redirect_uris":["https://a.example/cb"]}`, http.StatusConflict},
		{http.MethodGet, "/clients/nobody", ``, http.StatusNotFound},
		{http.MethodPatch, "/clients/nobody", `{"name":"x"}`, http.StatusNotFound},
		{http.MethodPatch, "/clients/app", `{"secret":"x"}`, http.StatusBadRequest},
		{http.MethodPatch, "/clients/app", `{"require_mfa":null,"name":"` + long + `"}`, http.StatusBadRequest},
		{http.MethodDelete, "/clients/nobody", ``, http.StatusNotFound},
		{http.MethodPost, "/clients/nobody/rotate-secret", ``, http.StatusNotFound},
		{http.MethodPost, "/keys/rotate", `{"algorithm":"RS256"}`, http.StatusBadRequest},
		{http.MethodGet, "/audit?limit=0", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?limit=many", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?limit=100000", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?since=yesterday", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?until=2025-13-01", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?cursor=@@@", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?cursor=bm90LWEtY3Vyc29y", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?event=" + long, ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?order=asc", ``, http.StatusBadRequest},
		{http.MethodGet, "/audit?user=nobody", ``, http.StatusNotFound},
	} {
		got, _, body := h.apiBody(t, tc.method, tc.path, write, tc.body)
		if got != tc.want {
			name := tc.body
			if len(name) > 80 {
				name = name[:80] + "…"
			}
			t.Errorf("%s %s %s: %d %v, want %d", tc.method, tc.path, name, got, body, tc.want)
		}
	}
	// A body that is not JSON.
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/admin/api/v1/users", strings.NewReader("username=zed"))
	req.Header.Set("Authorization", "Bearer "+write)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("a form body: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := h.store.UserByUsername(context.Background(), "zed"); err == nil {
		t.Fatal("a refused request created a user")
	}
}

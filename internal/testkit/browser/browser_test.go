package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const formPage = `<!doctype html><html><body data-step="password">
<p role="alert"> Try again. </p>
<form method="post" action="/login/password">
<input type="hidden" name="csrf" value="token-1">
<input name="username"><input name="password" type="password">
<select name="app"></select>
</form>
<div id="setup-key">MFRG GZDF MZTW Q2LK</div>
<img data-otpauth="otpauth://totp/x?secret=MFRGGZDFMZTWQ2LK">
<ul id="recovery-codes"><li>aaaa-bbbb</li>
<li>cccc-dddd</li></ul>
</body></html>`

// server answers the form page, takes its post (checking the hidden field
// and the cookie), answers a 307 and a 302 chain, and ends at the RP.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "flow", Value: "f1", Path: "/"})
		http.Redirect(w, r, "/form", http.StatusFound)
	})
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, formPage) })
	mux.HandleFunc("POST /login/password", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("flow"); err != nil || c.Value != "f1" || r.PostFormValue("csrf") != "token-1" {
			http.Error(w, "no cookie or csrf", http.StatusForbidden)
			return
		}
		http.Redirect(w, r, "/again?u="+url.QueryEscape(r.PostFormValue("username")), http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /again", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("password") == "" {
			http.Error(w, "307 lost the body", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/next", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /next", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+DefaultRPHost+"/callback?code=c1&state=s", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSignInStopsAtTheRelyingParty(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := New()
	p, err := b.Get(srv.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	if p.Step() != "password" || p.Alert() != "Try again." || p.URL.Path != "/form" {
		t.Fatalf("first page: %s", p.Describe())
	}
	if key, err := p.SetupKey(); err != nil || string(key) != "abcdefghij" {
		t.Fatalf("setup key %q %v", key, err)
	}
	if got := p.OTPAuth(); !strings.HasPrefix(got, "otpauth://totp/") {
		t.Fatalf("otpauth %q", got)
	}
	if got := p.RecoveryCodes(); len(got) != 2 || got[1] != "cccc-dddd" {
		t.Fatalf("recovery codes %q", got)
	}
	if _, err := b.Submit(p, map[string]string{"nope": "x"}); err == nil {
		t.Fatal("a field the form lacks was accepted")
	}
	p, err = b.Submit(p, map[string]string{"username": "erin", "password": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.ToRP() || p.Code() != "c1" || p.RPQuery().Get("state") != "s" {
		t.Fatalf("after the form: %s", p.Describe())
	}
}

func TestStopAtAndRoute(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := New()
	b.StopAt = StopAll
	p, err := b.Get(srv.URL + "/start")
	if err != nil || p.Status != http.StatusFound || p.RedirectTarget().Path != "/form" {
		t.Fatalf("StopAll: %v %s", err, p.Describe())
	}
	// Route sends a request addressed elsewhere to the server; cookies
	// stay with the jar.
	b.StopAt = nil
	p, err = b.On(srv.URL).Get("http://replica.invalid/form")
	if err != nil || p.Step() != "password" {
		t.Fatalf("routed: %v %s", err, p.Describe())
	}
	if p, err = b.On(srv.URL).Post(p, map[string]string{"username": "erin", "password": "pw"}); err != nil || p.Status != http.StatusTemporaryRedirect {
		t.Fatalf("Post follows nothing: %v %s", err, p.Describe())
	}
}

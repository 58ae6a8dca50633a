package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// secret stands for whatever an error may hold (a query, a token).
const secret = "select-secret-from-tokens"

// An error page shows the status and the message; what went wrong stays
// in the log.
func TestErrorPageHidesTheError(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		msg    templates.Message
	}{
		{"page error", NewPageError(http.StatusConflict, templates.MsgWrongBrowser, errors.New(secret)), http.StatusConflict, templates.MsgWrongBrowser},
		{"wrapped page error", fmt.Errorf("step: %w", NewPageError(http.StatusGone, templates.MsgFlowExpired, errors.New(secret))), http.StatusGone, templates.MsgFlowExpired},
		{"any other error", errors.New(secret), http.StatusInternalServerError, templates.MsgInternal},
		{"echo error", echo.NewHTTPError(http.StatusBadRequest, secret), http.StatusBadRequest, templates.MsgBadRequest},
	}
	r := newRenderer(t)
	for _, tc := range cases {
		e, logs := newEcho(t, NewCookies(true))
		e.GET("/fail", func(echo.Context) error { return tc.err })
		rec := serve(e, http.MethodGet, "/fail")
		body := rec.Body.String()
		if rec.Code != tc.status || !strings.Contains(body, `data-step="error"`) {
			t.Errorf("%s: status %d, body %.200s", tc.name, rec.Code, body)
		}
		if want := template.HTMLEscapeString(r.Text("en", tc.msg)); !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %q", tc.name, want)
		}
		if strings.Contains(body, secret) || strings.Contains(rec.Header().Get("Content-Type"), secret) {
			t.Errorf("%s: the page shows the error", tc.name)
		}
		if !strings.Contains(logs.String(), secret) {
			t.Errorf("%s: the error is not logged", tc.name)
		}
	}
}

func TestErrorPageStatuses(t *testing.T) {
	cases := []struct {
		status int
		msg    templates.Message
	}{
		{http.StatusNotFound, templates.MsgNotFound},
		{http.StatusMethodNotAllowed, templates.MsgNotFound},
		{http.StatusTooManyRequests, templates.MsgTooManyRequests},
		{http.StatusRequestEntityTooLarge, templates.MsgBadRequest},
		{http.StatusForbidden, templates.MsgBadRequest},
		{http.StatusBadRequest, templates.MsgBadRequest},
		{http.StatusInternalServerError, templates.MsgInternal},
		{http.StatusServiceUnavailable, templates.MsgInternal},
	}
	for _, tc := range cases {
		if got := messageFor(tc.status); got != tc.msg {
			t.Errorf("messageFor(%d) = %q, want %q", tc.status, got, tc.msg)
		}
	}
	e, _ := newEcho(t, NewCookies(false))
	e.POST("/only-post", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	if rec := serve(e, http.MethodGet, "/nowhere"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown route: %d", rec.Code)
	}
	if rec := serve(e, http.MethodGet, "/only-post"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("wrong method: %d", rec.Code)
	}
}

// A HEAD request gets the status and headers of the page, not its body.
func TestErrorPageHead(t *testing.T) {
	e, _ := newEcho(t, NewCookies(true))
	e.HEAD("/fail", func(echo.Context) error {
		return NewPageError(http.StatusBadRequest, templates.MsgBadRequest, nil)
	})
	for _, target := range []string{"/fail", "/nowhere"} {
		rec := serve(e, http.MethodHead, target)
		if rec.Code == http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("HEAD %s: status %d, %d body bytes", target, rec.Code, rec.Body.Len())
		}
		checkHeaders(t, "HEAD "+target, rec.Header(), pageHeaders)
	}
}

// The page speaks the remembered language, else Accept-Language.
func TestErrorPageLanguage(t *testing.T) {
	e, _ := newEcho(t, NewCookies(true))
	cases := []struct{ header, value, lang string }{
		{"Accept-Language", "ja", `lang="ja"`},
		{"Cookie", "__Host-otpgate-lang=ja", `lang="ja"`},
		{"Accept-Language", "en", `lang="en"`},
	}
	for _, tc := range cases {
		if body := serve(e, http.MethodGet, "/nowhere", tc.header, tc.value).Body.String(); !strings.Contains(body, tc.lang) {
			t.Errorf("%s %s: page lacks %s", tc.header, tc.value, tc.lang)
		}
	}
}

// A response already sent is left as it is.
func TestErrorPageAfterCommit(t *testing.T) {
	e, _ := newEcho(t, NewCookies(true))
	e.GET("/half", func(c echo.Context) error {
		_ = c.String(http.StatusOK, "partial")
		return errors.New(secret)
	})
	rec := serve(e, http.MethodGet, "/half")
	if rec.Code != http.StatusOK || rec.Body.String() != "partial" {
		t.Fatalf("committed response rewritten: %d %q", rec.Code, rec.Body.String())
	}
}

// Every error page has a way forward: the application and a fresh start
// when the error knows them, a retry of a throttled step, the language
// switch, and a sentence of what to do when nothing else is known.
func TestErrorPageWaysForward(t *testing.T) {
	e, _ := newEcho(t, NewCookies(true))
	e.GET("/flow", func(echo.Context) error {
		pe := NewPageError(http.StatusGone, templates.MsgFlowExpired, nil)
		pe.ClientID, pe.AppURL, pe.RestartURL = "wiki", "https://wiki.example/", "/authorize?client_id=wiki&state=s"
		return pe
	})
	e.POST("/login/otp", func(echo.Context) error { return echo.ErrTooManyRequests })
	e.GET("/nothing", func(echo.Context) error { return NewPageError(http.StatusNotFound, templates.MsgUnknownRequest, nil) })

	rec := serve(e, http.MethodGet, "/flow?x=1")
	body := rec.Body.String()
	for _, want := range []string{`id="start-again" class="button" href="/authorize?client_id=wiki&amp;state=s"`,
		`id="back-to-app" class="button secondary" href="https://wiki.example/">Back to The Wiki</a>`,
		`You are signing in to The Wiki.`, `href="/flow?lang=ja&amp;x=1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("expired sign-in page lacks %s:\n%s", want, body)
		}
	}

	req := httptest.NewRequest(http.MethodPost, "/login/otp", strings.NewReader("authRequestID=R1&code=123456"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	body = rec.Body.String()
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(body, `id="try-again" class="button" href="/login/next?authRequestID=R1"`) ||
		!strings.Contains(body, `href="/login/otp?authRequestID=R1&amp;lang=ja"`) || strings.Contains(body, "123456") {
		t.Errorf("429 on a sign-in step: %d\n%s", rec.Code, body)
	}

	rec = serve(e, http.MethodGet, "/nothing?lang=ja")
	body = rec.Body.String()
	if !strings.Contains(body, `lang="ja"`) || !strings.Contains(body, "そこからもう一度サインインしてください") ||
		!strings.Contains(body, `href="/nothing?lang=en"`) || strings.Contains(body, `class="button`) {
		t.Errorf("unknown request in Japanese: %s", body)
	}

	// A path that starts with two slashes never becomes a link to a host.
	rec = serve(e, http.MethodGet, "//evil.example/x")
	if body = rec.Body.String(); rec.Code != http.StatusNotFound || strings.Contains(body, "evil.example") {
		t.Errorf("//evil.example/x: %d\n%s", rec.Code, body)
	}
}

func TestAppURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://app.example/cb?x=1":     "https://app.example/",
		"http://127.0.0.1:8080/callback": "http://127.0.0.1:8080/",
		"com.example.app:/oauth":         "",
		"https://user@app.example/cb":    "",
		"javascript:alert(1)":            "",
		"":                               "",
	} {
		if got := AppURL(in); got != want {
			t.Errorf("AppURL(%q) = %q, want %q", in, got, want)
		}
	}
}

package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// newRenderer is the real page set, in every language.
func newRenderer(t *testing.T) *templates.Renderer {
	t.Helper()
	r, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newEcho is an echo with the error pages installed, pages in the language
// Cookies picks, and the log kept in the returned buffer.
func newEcho(t *testing.T, k Cookies) (*echo.Echo, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	e := echo.New()
	e.HTTPErrorHandler = ErrorPages(newRenderer(t), slog.New(slog.NewTextHandler(&logs, nil)), k.PageLang,
		func(_ context.Context, id string) string { return map[string]string{"wiki": "The Wiki"}[id] })
	return e, &logs
}

// serve sends one request through e.
func serve(e *echo.Echo, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// setCookies are the cookies a response sets.
func setCookies(rec *httptest.ResponseRecorder) []*http.Cookie {
	return (&http.Response{Header: rec.Header()}).Cookies()
}

// newContext is an echo context for one request, and its recorder.
func newContext(t *testing.T, req *http.Request) (echo.Context, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	return echo.New().NewContext(req, rec), rec
}

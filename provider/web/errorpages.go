package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// ErrorPages is echo's HTTPErrorHandler: it renders every error as a safe
// page, the status and a translated message in the language pageLang
// picks, with the page headers; the details go only to the log (at error
// level for a 5xx). A HEAD request gets the status and headers, no body;
// a response already committed is left alone.
//
// The page always offers a way forward: the application (named by
// clientName) and a fresh start when the error knows them, a retry of a
// throttled step, and the language switch.
func ErrorPages(r *templates.Renderer, log *slog.Logger, pageLang func(echo.Context) string,
	clientName func(ctx context.Context, clientID string) string) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		pe := pageErrorOf(err)
		level := slog.LevelInfo
		if pe.Status >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request().Context(), level, "request failed", "status", pe.Status, "path", c.Request().URL.Path, "err", err)
		lang := pageLang(c)
		h := c.Response().Header()
		setPageHeaders(h)
		h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(pe.Status)
		if c.Request().Method == http.MethodHead {
			return
		}
		page := templates.ErrorPage{Base: templates.Base{Lang: lang, SwitchLang: errorSwitchURL(c, lang)},
			Status: pe.Status, Message: pe.Message, AppURL: pe.AppURL, RestartURL: pe.RestartURL, RetryURL: pe.RetryURL}
		if pe.ClientID != "" && clientName != nil {
			page.ClientName = clientName(c.Request().Context(), pe.ClientID)
		}
		if pe.Status == http.StatusTooManyRequests && page.RetryURL == "" {
			page.RetryURL = flowRetryURL(c)
		}
		_ = r.Render(c.Response(), page)
	}
}

// errorSwitchURL is the error page's language switch: the same address in
// the other language for a GET; for a POST, the sign-in's own address,
// which shows its page again in that language. "" when neither is safe.
func errorSwitchURL(c echo.Context, lang string) string {
	req := c.Request()
	path := req.URL.Path
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.Contains(path, "\\") {
		return "" // never a link that leaves for another host
	}
	q := url.Values{}
	if req.Method == http.MethodGet {
		q = req.URL.Query()
	} else if id := req.PostFormValue("authRequestID"); id != "" && strings.HasPrefix(path, "/login/") {
		q.Set("authRequestID", id)
	} else {
		return ""
	}
	q.Set("lang", templates.OtherLang(lang))
	return path + "?" + q.Encode()
}

// flowRetryURL is "Try again" for a throttled sign-in step: the sign-in's
// dispatcher, which shows the step it is at.
func flowRetryURL(c echo.Context) string {
	req := c.Request()
	if !strings.HasPrefix(req.URL.Path, "/login/") {
		return ""
	}
	id := req.URL.Query().Get("authRequestID")
	if id == "" && req.Method == http.MethodPost {
		id = req.PostFormValue("authRequestID")
	}
	if id == "" {
		return ""
	}
	return "/login/next?authRequestID=" + url.QueryEscape(id)
}

// pageErrorOf is the page for err: a PageError as it is, echo's errors
// (404, 405, 413, …) by their status, anything else a 500.
func pageErrorOf(err error) *PageError {
	pe := NewPageError(http.StatusInternalServerError, templates.MsgInternal, err)
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
	case errors.As(err, &he):
		pe = NewPageError(he.Code, messageFor(he.Code), nil)
	}
	return pe
}

// messageFor is the message shown for an HTTP status.
func messageFor(status int) templates.Message {
	switch {
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return templates.MsgNotFound
	case status == http.StatusTooManyRequests:
		return templates.MsgTooManyRequests
	case status == http.StatusRequestEntityTooLarge || (status >= 400 && status < 500):
		return templates.MsgBadRequest
	default:
		return templates.MsgInternal
	}
}

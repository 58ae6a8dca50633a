package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// ErrorPages is echo's HTTPErrorHandler: it renders every error as a safe
// page, the status and a translated message in the language pageLang
// picks, with the page headers; the details go only to the log (at error
// level for a 5xx). A HEAD request gets the status and headers, no body;
// a response already committed is left alone.
func ErrorPages(r *templates.Renderer, log *slog.Logger, pageLang func(echo.Context) string) echo.HTTPErrorHandler {
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
		_ = r.Render(c.Response(), templates.ErrorPage{Base: templates.Base{Lang: lang}, Status: pe.Status, Message: pe.Message})
	}
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

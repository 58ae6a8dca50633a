package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// MaxBody is the largest request body read; a larger one is refused with
// 413 before it is parsed.
const MaxBody = 64 << 10

// requestError is a request refused before the admin service saw it.
type requestError struct {
	status              int
	kind, title, detail string
}

func (e *requestError) Error() string { return e.title + ": " + e.detail }

func badRequest(detail string) error {
	return &requestError{http.StatusBadRequest, "bad-request", "Invalid input", detail}
}

// decode reads the request's JSON body into dst: an object of dst's
// fields only (unknown fields are refused), nothing after it, at most
// MaxBody bytes. An empty body leaves dst as it is when optional, and is
// refused otherwise.
func decode(c echo.Context, dst any, optional bool) error {
	r := c.Request()
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &requestError{http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
			fmt.Sprintf("the body must be at most %d bytes", MaxBody)}
	case err != nil:
		return badRequest("the body could not be read")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return nil
		}
		return badRequest("a JSON body is required")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &requestError{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
				"send the body as application/json"}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest(jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("the body must hold one JSON object and nothing after it")
	}
	return nil
}

// jsonProblem says what is wrong with a body, without echoing it.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is not well-formed JSON"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "the body must be a JSON object"
		}
		return fmt.Sprintf("field %q must be %s", typ.Field, jsonType(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "the body is not a valid request"
}

func jsonType(kind string) string {
	switch kind {
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array of strings"
	case "struct", "map":
		return "an object"
	}
	return "a " + kind
}

// boolQuery parses a query parameter that is true or false (absent is
// false).
func boolQuery(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest(name + " must be true or false")
	}
	return b, nil
}

package admin

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// EncodeAuditCursor is the opaque form of a position in the audit log
// (AuditQuery.Before) that a front end hands out to page on: the event's
// time (Unix nanoseconds) and id.
func EncodeAuditCursor(p store.AuditCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.At.UnixNano(), 10) + "." + p.ID))
}

// DecodeAuditCursor reads a cursor EncodeAuditCursor made; ok is false
// for any other text.
func DecodeAuditCursor(s string) (store.AuditCursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.AuditCursor{}, false
	}
	ns, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || n < 0 || id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
		return r < 0x21 || r > 0x7e
	}) {
		return store.AuditCursor{}, false
	}
	return store.AuditCursor{At: time.Unix(0, n).UTC(), ID: id}, true
}

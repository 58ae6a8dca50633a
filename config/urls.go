package config

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// isLoopbackHost reports whether host (without port or brackets) is
// localhost or a loopback IP such as 127.0.0.1 or ::1.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// issuerProblems checks an issuer URL. Messages never echo the URL: it could
// carry user info.
func issuerProblems(raw string) []string {
	const absolute = "must be an absolute https URL (http allowed only for 127.0.0.1/localhost/::1)"
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return []string{absolute}
	}
	var out []string
	if !(u.Scheme == "https" || u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		out = append(out, absolute)
	}
	if u.User != nil {
		out = append(out, "must not contain user info")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		out = append(out, "must not have a query or fragment")
	}
	if strings.HasSuffix(raw, "/") {
		out = append(out, "must not end with a slash")
	}
	return out
}

// redirectURIProblem checks a redirect or post-logout URI (RFC 8252 rules for
// native apps) and returns "" when it is acceptable.
func redirectURIProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "":
		return "must be an absolute URL"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment"
	case u.User != nil:
		return "must not contain user info"
	case strings.Contains(raw, "*"):
		return "must not contain a wildcard (redirect URIs match exactly)"
	}
	switch u.Scheme {
	case "https":
		if u.Hostname() == "" {
			return "must have a host"
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return "http is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https"
		}
	default:
		if !strings.Contains(u.Scheme, ".") {
			return "a private-use scheme must be a reverse domain name, like com.example.app:/callback"
		}
	}
	return ""
}

// originProblem checks a CORS origin and returns "" when it is acceptable.
func originProblem(raw string) string {
	const form = "must be scheme://host[:port] in lower case, with no path, query or fragment"
	if strings.Contains(raw, "*") {
		return "must not be \"*\" or contain a wildcard: list each origin"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return form
	}
	if raw != u.Scheme+"://"+u.Host || raw != strings.ToLower(raw) {
		return form
	}
	return ""
}

// CheckRedirectURI applies the configuration's rules for redirect and
// post-logout URIs to one URI (used by the admin CLI too).
func CheckRedirectURI(raw string) error {
	if p := redirectURIProblem(raw); p != "" {
		return errors.New(p)
	}
	return nil
}

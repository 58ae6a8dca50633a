package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// DefaultRPHost is the relying party's host in otpgate's tests: the
// browser stops at any redirect to it and hands the URL to the caller.
const DefaultRPHost = "rp.example"

// maxHops bounds the redirects one Follow takes, as net/http does.
const maxHops = 10

// maxBody bounds how much of a response the browser reads.
const maxBody = 4 << 20

// Browser is a cookie-keeping client that follows redirects itself. Its
// fields may be changed between requests, not during one.
type Browser struct {
	// Client sends the requests. Its Jar holds the cookies; its
	// CheckRedirect must stop at every redirect (New sets it so), since
	// the browser follows them itself.
	Client *http.Client
	// RPHost is the relying party's host: a redirect there is not
	// followed. New sets DefaultRPHost.
	RPHost string
	// StopAt, when set, is asked before each redirect is followed; true
	// stops there (the page returned is the redirect).
	StopAt func(*url.URL) bool
	// Route, when set, names the base URL (scheme and host) of each
	// request; the path and query are kept.
	Route func() string
	// Lang, when set, is sent as Accept-Language.
	Lang string
	// Context, when set, is the context of every request.
	Context context.Context
}

// New returns a browser with an empty cookie jar that stops at
// DefaultRPHost.
func New() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{RPHost: DefaultRPHost, Client: &http.Client{Jar: jar, CheckRedirect: stopEveryRedirect}}
}

// OnBase returns a browser whose requests all go to base.
func OnBase(base string) *Browser {
	b := New()
	b.Route = func() string { return base }
	return b
}

// WithClient sets the client's transport and timeout, keeping the jar and
// the redirect rule, and returns b.
func (b *Browser) WithClient(transport http.RoundTripper, timeout time.Duration) *Browser {
	b.Client.Transport, b.Client.Timeout = transport, timeout
	return b
}

func stopEveryRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewJar gives the browser an empty cookie jar (a different browser on the
// same machine).
func (b *Browser) NewJar() {
	jar, _ := cookiejar.New(nil)
	b.Client.Jar = jar
}

// route sends u to the base Route names, if any.
func (b *Browser) route(u *url.URL) *url.URL {
	if b.Route == nil {
		return u
	}
	base, err := url.Parse(b.Route())
	if err != nil {
		return u
	}
	v := *u
	v.Scheme, v.Host = base.Scheme, base.Host
	return &v
}

func (b *Browser) ctx() context.Context {
	if b.Context != nil {
		return b.Context
	}
	return context.Background()
}

// Do sends req as it is (routed, with the browser's language) and returns
// the answer without following a redirect.
func (b *Browser) Do(req *http.Request) (*Page, error) {
	req.URL = b.route(req.URL)
	req.Host = ""
	if b.Lang != "" {
		req.Header.Set("Accept-Language", b.Lang)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", req.Method, req.URL.Redacted(), err)
	}
	return newPage(req, resp, body), nil
}

// send builds and sends one request; form, when not nil, is posted.
func (b *Browser) send(method string, u *url.URL, form url.Values) (*Page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.ctx(), method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	p, err := b.Do(req)
	if p != nil {
		p.form = form
	}
	return p, err
}

// Load fetches rawURL without following a redirect.
func (b *Browser) Load(rawURL string) (*Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return b.send(http.MethodGet, u, nil)
}

// Get fetches rawURL and follows its redirects (see Follow).
func (b *Browser) Get(rawURL string) (*Page, error) {
	p, err := b.Load(rawURL)
	if err != nil {
		return nil, err
	}
	return b.Follow(p)
}

// Follow follows p's redirects until a page that is not a redirect, a
// redirect to the relying party, or one StopAt refuses, at most ten hops.
// A 307 or 308 answer to a form post posts the form again; every other
// redirect is a GET, as browsers do.
func (b *Browser) Follow(p *Page) (*Page, error) {
	for range maxHops {
		u := p.RedirectTarget()
		if u == nil || (b.RPHost != "" && u.Host == b.RPHost) || (b.StopAt != nil && b.StopAt(u)) {
			return p, nil
		}
		var err error
		if (p.Status == http.StatusTemporaryRedirect || p.Status == http.StatusPermanentRedirect) && p.form != nil {
			p, err = b.send(http.MethodPost, u, p.form)
		} else {
			p, err = b.send(http.MethodGet, u, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("more than %d redirects, the last to %q", maxHops, p.Location)
}

// StopAll, set as StopAt, makes a browser that follows no redirect (a
// client that stops at the first answer).
func StopAll(*url.URL) bool { return true }

// On returns a browser that shares b's client and cookie jar but sends
// every request to base (one replica), as a load balancer would.
func (b *Browser) On(base string) *Browser {
	c := *b
	c.Route = func() string { return base }
	return &c
}

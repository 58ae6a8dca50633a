package browser

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Page is one answer, parsed.
type Page struct {
	// Status is the HTTP status code.
	Status int
	// URL is where the request went (after routing).
	URL *url.URL
	// Body is the answer's body.
	Body string
	// Header is the answer's header.
	Header http.Header
	// Location is the Location header of a redirect ("" otherwise).
	Location string
	// Doc is Body parsed as HTML.
	Doc *html.Node

	form url.Values // what the request posted, for 307 and 308
}

func newPage(req *http.Request, resp *http.Response, body []byte) *Page {
	p := &Page{Status: resp.StatusCode, URL: req.URL, Body: string(body), Header: resp.Header}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		p.Location = resp.Header.Get("Location")
	}
	p.Doc, _ = html.Parse(strings.NewReader(p.Body))
	return p
}

// RedirectTarget is where p redirects to, resolved against its URL, or nil.
func (p *Page) RedirectTarget() *url.URL {
	if p.Location == "" {
		return nil
	}
	u, err := p.URL.Parse(p.Location)
	if err != nil {
		return nil
	}
	return u
}

// ToHost reports whether p redirects to host.
func (p *Page) ToHost(host string) bool {
	u := p.RedirectTarget()
	return u != nil && u.Host == host
}

// ToRP reports whether p redirects to DefaultRPHost.
func (p *Page) ToRP() bool { return p.ToHost(DefaultRPHost) }

// RPQuery is the query of p's redirect to the relying party (nil when p
// is no such redirect).
func (p *Page) RPQuery() url.Values {
	if !p.ToRP() {
		return nil
	}
	return p.RedirectTarget().Query()
}

// Code is the authorization code of p's redirect to the relying party
// ("" when there is none).
func (p *Page) Code() string { return p.RPQuery().Get("code") }

// Step is the page's <body data-step>.
func (p *Page) Step() string {
	if n := Find(p.Doc, func(n *html.Node) bool { return n.Data == "body" }); n != nil {
		return Attr(n, "data-step")
	}
	return ""
}

// Alert is the text of the page's role="alert" element.
func (p *Page) Alert() string {
	return Text(Find(p.Doc, func(n *html.Node) bool { return Attr(n, "role") == "alert" }))
}

// Text is the text of the element with the given id ("" when absent).
func (p *Page) Text(id string) string {
	return Text(Find(p.Doc, func(n *html.Node) bool { return Attr(n, "id") == id }))
}

// Describe summarises p for failure messages.
func (p *Page) Describe() string {
	if p == nil {
		return "<no answer>"
	}
	return fmt.Sprintf("%s → status %d, step %q, alert %q, location %q", p.URL.Redacted(), p.Status, p.Step(), p.Alert(), p.Location)
}

package browser

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Form returns the action and values of p's first POST form: every named
// input and select with its value (hidden fields included), then values
// set over them. A key of values the form lacks is an error: the stable
// contract names every field.
func (p *Page) Form(values map[string]string) (*url.URL, url.Values, error) {
	form := Find(p.Doc, func(n *html.Node) bool { return n.Data == "form" && strings.EqualFold(Attr(n, "method"), "post") })
	if form == nil {
		return nil, nil, fmt.Errorf("no POST form on %s", p.Describe())
	}
	data := url.Values{}
	Walk(form, func(n *html.Node) {
		switch {
		case Attr(n, "name") == "":
		case n.Data == "input" && isCheckable(n):
			// A radio button or checkbox is sent only when checked, as a
			// browser does; its name is a field of the form either way.
			if _, ok := data[Attr(n, "name")]; !ok {
				data[Attr(n, "name")] = nil
			}
			if HasAttr(n, "checked") {
				data.Set(Attr(n, "name"), Attr(n, "value"))
			}
		case n.Data == "input":
			data.Set(Attr(n, "name"), Attr(n, "value"))
		case n.Data == "select":
			data.Set(Attr(n, "name"), selected(n))
		}
	})
	for k, v := range values {
		if _, ok := data[k]; !ok {
			return nil, nil, fmt.Errorf("the form on %s has no field %q", p.Describe(), k)
		}
		data.Set(k, v)
	}
	action, err := p.URL.Parse(Attr(form, "action"))
	if err != nil {
		return nil, nil, err
	}
	return action, data, nil
}

func isCheckable(n *html.Node) bool {
	t := strings.ToLower(Attr(n, "type"))
	return t == "radio" || t == "checkbox"
}

// Post sends p's POST form (see Form) to its action and returns the answer
// without following its redirect (a client that stops there).
func (b *Browser) Post(p *Page, values map[string]string) (*Page, error) {
	action, data, err := p.Form(values)
	if err != nil {
		return nil, err
	}
	return b.send(http.MethodPost, action, data)
}

// Submit is Post, then Follow.
func (b *Browser) Submit(p *Page, values map[string]string) (*Page, error) {
	next, err := b.Post(p, values)
	if err != nil {
		return nil, err
	}
	return b.Follow(next)
}

// PostTo posts every hidden input of p (the CSRF token, the authorization
// request id) plus values to path, resolved against p's URL, as a second
// form on the page would, and follows the answer.
func (b *Browser) PostTo(p *Page, path string, values map[string]string) (*Page, error) {
	data := url.Values{}
	Walk(p.Doc, func(n *html.Node) {
		if n.Data == "input" && Attr(n, "type") == "hidden" {
			data.Set(Attr(n, "name"), Attr(n, "value"))
		}
	})
	for k, v := range values {
		data.Set(k, v)
	}
	target, err := p.URL.Parse(path)
	if err != nil {
		return nil, err
	}
	next, err := b.send(http.MethodPost, target, data)
	if err != nil {
		return nil, err
	}
	return b.Follow(next)
}

// selected is a select's value as a browser sends it: its selected option's,
// else its first option's.
func selected(sel *html.Node) string {
	var first, chosen *html.Node
	Walk(sel, func(n *html.Node) {
		if n.Data != "option" {
			return
		}
		if first == nil {
			first = n
		}
		if chosen == nil {
			for _, a := range n.Attr {
				if a.Key == "selected" {
					chosen = n
				}
			}
		}
	})
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	return Attr(chosen, "value")
}

package browser

import (
	"strings"

	"golang.org/x/net/html"
)

// Attr is n's attribute key ("" when absent or when n is nil).
func Attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// HasAttr reports whether n has the attribute key (a boolean attribute
// such as checked).
func HasAttr(n *html.Node, key string) bool {
	if n == nil {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Walk calls f on n and every node under it, in document order.
func Walk(n *html.Node, f func(*html.Node)) {
	if n == nil {
		return
	}
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		Walk(c, f)
	}
}

// Find is the first element under n (n included) for which pred holds, or
// nil.
func Find(n *html.Node, pred func(*html.Node) bool) *html.Node {
	var found *html.Node
	Walk(n, func(c *html.Node) {
		if found == nil && c.Type == html.ElementNode && pred(c) {
			found = c
		}
	})
	return found
}

// Text is the text content of n, trimmed ("" when n is nil).
func Text(n *html.Node) string {
	var sb strings.Builder
	Walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(sb.String())
}

package templates

import (
	"fmt"
	"reflect"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// catalogue translates keys (Message values, question keys and page wording)
// with one golang.org/x/text printer per language. It is read-only once
// built, so it is safe for concurrent use.
type catalogue struct {
	printers map[string]*message.Printer
	takesArg map[string]bool // the text holds a fmt verb
}

// allTexts returns every catalogue entry, or an error if a key is defined
// twice across the tables.
func allTexts() (map[string]entry, error) {
	all := make(map[string]entry)
	for _, table := range []map[string]entry{messageTexts, questionTexts, uiTexts, portalTexts, accountTexts, consoleTexts} {
		for k, e := range table {
			if _, dup := all[k]; dup {
				return nil, fmt.Errorf("catalogue key %q defined twice", k)
			}
			all[k] = e
		}
	}
	return all, nil
}

// newCatalogue builds the x/text catalogue from the text tables.
func newCatalogue() (*catalogue, error) {
	texts, err := allTexts()
	if err != nil {
		return nil, err
	}
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	c := &catalogue{printers: map[string]*message.Printer{}, takesArg: map[string]bool{}}
	for k, e := range texts {
		if err := b.SetString(language.English, k, e.en); err != nil {
			return nil, fmt.Errorf("catalogue %q (en): %w", k, err)
		}
		if err := b.SetString(language.Japanese, k, e.ja); err != nil {
			return nil, fmt.Errorf("catalogue %q (ja): %w", k, err)
		}
		c.takesArg[k] = strings.Contains(e.en, "%")
	}
	for _, lang := range Languages {
		c.printers[lang] = message.NewPrinter(language.Make(lang), message.Catalog(b))
	}
	return c, nil
}

// has reports whether key is in the catalogue.
func (c *catalogue) has(key string) bool {
	_, ok := c.takesArg[key]
	return ok
}

// text translates key into lang. A text with a fmt verb is formatted with
// the first arg; when that arg is missing or zero, its ".plain" variant is
// used instead. Args are ignored by texts without a verb. An unknown key is
// returned unchanged so that a missing translation is visible, not fatal.
func (c *catalogue) text(lang, key string, args ...any) string {
	if !c.has(key) {
		return key
	}
	p, ok := c.printers[lang]
	if !ok {
		p = c.printers[Languages[0]]
	}
	if !c.takesArg[key] {
		return p.Sprintf(key)
	}
	if len(args) > 0 && args[0] != nil && !reflect.ValueOf(args[0]).IsZero() {
		return p.Sprintf(key, args[0])
	}
	if c.has(key + ".plain") {
		return p.Sprintf(key + ".plain")
	}
	return p.Sprintf(key, "")
}

// keyString accepts the key types templates pass to t.
func keyString(key any) string {
	switch k := key.(type) {
	case Message:
		return string(k)
	case string:
		return k
	default:
		return fmt.Sprint(k)
	}
}

package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	configType   = reflect.TypeFor[Config]()
	durationType = reflect.TypeFor[Duration]()
)

// checkYAML walks n against t, the type it decodes into, and returns one
// problem per unknown key, key given twice and value of the wrong type,
// each named by its dotted path (e.g. "clients[1].secrte") and line. It
// removes from n what it reports (a mapping entry; a list item becomes
// the zero value, so that later items keep their index), so that n then decodes
// without error and everything else in the file still counts. bad tells
// the caller to remove n itself.
func checkYAML(n *yaml.Node, t reflect.Type, path string) (found []Problem, bad bool) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, false
		}
		return checkYAML(n.Content[0], t, path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil, false
	case t == durationType:
		return checkDuration(n, path)
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		return checkMapping(n, t, path), false
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			p, bad := checkYAML(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			found = append(found, p...)
			if bad {
				n.Content[i] = zeroNode(t.Elem())
			}
		}
		return found, false
	}
	if err := n.Decode(reflect.New(t).Interface()); err == nil {
		return nil, false
	}
	msg, hint := wrongType(t, n)
	return []Problem{{Key: path, Line: n.Line, Message: msg, Hint: hint}}, true
}

// checkMapping checks the entries of mapping n, which decodes into the
// struct type t, and removes the ones it reports.
func checkMapping(n *yaml.Node, t reflect.Type, path string) []Problem {
	var found []Problem
	seen := map[string]int{} // key -> its line
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		keyPath := joinKey(path, key.Value)
		var p []Problem
		bad := false
		switch field, known := yamlField(t, key.Value); {
		case key.Value == "<<": // merge key: its mappings belong to t
			p, bad = checkMerge(value, t, path)
		case !known:
			p, bad = []Problem{{Key: keyPath, Line: key.Line, Message: "unknown key", Hint: unknownKeyHint(t, path, key.Value)}}, true
		case seen[key.Value] > 0:
			p, bad = []Problem{{Key: keyPath, Line: key.Line, Message: "given twice",
				Hint: fmt.Sprintf("the first is on line %d", seen[key.Value])}}, true
		default:
			seen[key.Value] = key.Line
			p, bad = checkYAML(value, field.Type, keyPath)
		}
		found = append(found, p...)
		if !bad {
			kept = append(kept, key, value)
		}
	}
	n.Content = kept
	return found
}

// zeroNode is the zero value of t as a YAML node.
func zeroNode(t reflect.Type) *yaml.Node {
	var n yaml.Node
	if err := n.Encode(reflect.Zero(t).Interface()); err != nil {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	return &n
}

// checkMerge checks the value of a merge key ("<<: *defaults"): a mapping
// or a list of mappings.
func checkMerge(n *yaml.Node, t reflect.Type, path string) ([]Problem, bool) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode {
		return checkYAML(n, t, path)
	}
	var found []Problem
	for i, item := range n.Content {
		p, bad := checkYAML(item, t, path)
		found = append(found, p...)
		if bad {
			n.Content[i] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: item.Line, Column: item.Column}
		}
	}
	return found, false
}

// checkDuration checks a duration value such as 15m.
func checkDuration(n *yaml.Node, path string) ([]Problem, bool) {
	if n.Kind != yaml.ScalarNode {
		return []Problem{{Key: path, Line: n.Line, Message: "must be a duration like 15m or 1h30m, not " + nodeKind(n)}}, true
	}
	if _, err := parseDuration(n.Value); err != nil {
		return []Problem{{Key: path, Line: n.Line, Message: fmt.Sprintf("invalid duration %q", n.Value),
			Hint: "use a value like 15m or 1h30m"}}, true
	}
	return nil, false
}

// wrongType says what a value of type t must be and what n is instead.
// Only scalars are quoted; no string setting (where a secret could be)
// ever fails on a scalar.
func wrongType(t reflect.Type, n *yaml.Node) (msg, hint string) {
	want := "a " + t.String()
	switch t.Kind() {
	case reflect.Bool:
		want = "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "a whole number"
	case reflect.String:
		want = "a single value"
	case reflect.Slice:
		want = "a list"
		hint = `write [a, b] or one "- item" line per item`
	case reflect.Struct:
		want = "a section of key: value lines"
	}
	return "must be " + want + ", not " + nodeKind(n), hint
}

// nodeKind describes n for a message: a scalar by its quoted value (cut
// when long), else by its shape.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a section"
	}
	if v := []rune(n.Value); len(v) > 40 {
		return strconv.Quote(string(v[:40]) + "…")
	}
	return strconv.Quote(n.Value)
}

// yamlField finds the field of struct t that the YAML key name decodes into,
// following the same naming rule as yaml.v3 (tag name, else lower-cased field
// name; "-" is never decoded).
func yamlField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == name && name != "" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// yamlName is the key field f decodes from, "" for none.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch tag {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return tag
}

// yamlNames lists the keys of struct t, in field order.
func yamlNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

// sectionKeys lists the dotted path of every key in t and its sections
// (not inside lists): the places a misplaced key may belong.
func sectionKeys(t reflect.Type, path string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		keys = append(keys, joinKey(path, name))
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			keys = append(keys, sectionKeys(f.Type, joinKey(path, name))...)
		}
	}
	return keys
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownKeyHint suggests what an unknown key in struct t at path was
// meant to be: the nearest key at the same level, else a key of that name
// in another section (a line indented wrongly).
func unknownKeyHint(t reflect.Type, path, name string) string {
	if path == "" && name == "encryption_key" {
		return "the key itself is never read from the file: use encryption_key_file or OTPGATE_ENCRYPTION_KEY"
	}
	if near, ok := closest(name, yamlNames(t)); ok {
		return "did you mean " + joinKey(path, near) + "?"
	}
	for _, key := range sectionKeys(configType, "") {
		last := key[strings.LastIndex(key, ".")+1:]
		if normalizeKey(last) == normalizeKey(name) {
			return "did you mean " + key + "?"
		}
	}
	return ""
}

package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	configType      = reflect.TypeFor[Config]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
)

// unknownKeys returns one error per mapping key in n that has no field in t,
// naming the key by its dotted path (e.g. "clients[1].secrte") and line.
func unknownKeys(n *yaml.Node, t reflect.Type, path string) []error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return unknownKeys(n.Content[0], t, path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // the type checks its own shape (Duration)
	}
	var errs []error
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Value == "<<" { // merge key: its mappings belong to t
				errs = append(errs, unknownKeysInMerge(value, t, path)...)
				continue
			}
			keyPath := joinKey(path, key.Value)
			field, ok := yamlField(t, key.Value)
			if !ok {
				errs = append(errs, fmt.Errorf("line %d: unknown key %q%s", key.Line, keyPath, unknownKeyHint(keyPath)))
				continue
			}
			errs = append(errs, unknownKeys(value, field.Type, keyPath)...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			errs = append(errs, unknownKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return errs
}

func unknownKeysInMerge(n *yaml.Node, t reflect.Type, path string) []error {
	if n.Kind != yaml.SequenceNode {
		return unknownKeys(n, t, path)
	}
	var errs []error
	for _, item := range n.Content {
		errs = append(errs, unknownKeys(item, t, path)...)
	}
	return errs
}

// yamlField finds the field of struct t that the YAML key name decodes into,
// following the same naming rule as yaml.v3 (tag name, else lower-cased field
// name; "-" is never decoded).
func yamlField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func unknownKeyHint(keyPath string) string {
	if keyPath == "encryption_key" {
		return " (the key itself is never read from the file: use encryption_key_file or OTPGATE_ENCRYPTION_KEY)"
	}
	return ""
}

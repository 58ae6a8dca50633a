package config_test

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otpgate/otpgate/config"
)

const examplePath = "otpgate.example.yaml"

// TestExampleLoadsAndValidates: the example, copied unchanged, is refused
// for one reason only, its placeholder client secret; with a real secret
// in its place it loads and validates.
func TestExampleLoadsAndValidates(t *testing.T) {
	env := envMap(map[string]string{"OTPGATE_ENCRYPTION_KEY": testKeyStd})
	_, err := config.LoadValidated(config.Overrides{ConfigFile: examplePath}, env)
	const placeholder = `clients[0].secret: client "webapp" has a placeholder secret, not a real one: ` +
		"generate one with openssl rand -base64 32 and keep it in a file named by secret_file"
	if err == nil || err.Error() != placeholder {
		t.Fatalf("the example as it is: got\n%v\nwant\n%s", err, placeholder)
	}

	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	const exampleSecret = "secret: replace-with-a-long-random-secret\n"
	if strings.Count(string(data), exampleSecret) != 1 {
		t.Fatalf("the example has no line %q", exampleSecret)
	}
	edited := writeFile(t, "otpgate.yaml", strings.Replace(string(data), exampleSecret,
		"secret: q3Jx0vV4m9yQe7tZk2LwB8sHn5Rc1uFd6GpA0iXoYjE=\n", 1))
	c, err := config.LoadValidated(config.Overrides{ConfigFile: edited}, env)
	if err != nil {
		t.Fatalf("the example with a real secret does not validate:\n%v", err)
	}
	if c.DevMode() {
		t.Error("a loaded file must not be dev mode")
	}

	// Without a key the example must refuse to start: the key is never in the file.
	c, err = config.Load(config.Overrides{ConfigFile: edited}, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertContainsAll(t, c.Validate(), "encryption_key_file: required")
}

// TestExampleDocumentsEveryKey checks that every YAML key of Config appears in
// the example, so the example cannot fall behind the struct.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	collectKeys(&doc, "", present)
	for _, key := range structKeys(reflect.TypeFor[config.Config](), "") {
		if !present[key] {
			t.Errorf("example does not show key %q", key)
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "hunter2") {
			t.Errorf("example holds a test secret: %q", line)
		}
	}
}

// collectKeys records every mapping key path in n, with sequence items as "[]".
func collectKeys(n *yaml.Node, path string, out map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		suffix := ""
		if n.Kind == yaml.SequenceNode {
			suffix = "[]"
		}
		for _, c := range n.Content {
			collectKeys(c, path+suffix, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if path != "" {
				key = path + "." + key
			}
			out[key] = true
			collectKeys(n.Content[i+1], key, out)
		}
	}
}

// structKeys lists the YAML key paths of t's decodable fields.
func structKeys(t reflect.Type, path string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		if path != "" {
			name = path + "." + name
		}
		keys = append(keys, name)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft, name = ft.Elem(), name+"[]"
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[config.Duration]() {
			keys = append(keys, structKeys(ft, name)...)
		}
	}
	return slices.Compact(keys)
}

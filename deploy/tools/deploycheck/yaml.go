package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// checkYAML parses every document of every file strictly enough to catch
// what a YAML consumer would refuse: syntax errors, tabs, duplicate keys.
func checkYAML(files []string) ([]string, error) {
	if len(files) == 0 {
		return nil, errors.New("no files given")
	}
	var problems []string
	for _, name := range files {
		n, err := yamlDocuments(name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		fmt.Printf("%s: %d YAML document(s)\n", name, n)
	}
	return problems, nil
}

// yamlDocuments decodes each document of the file into a generic value
// (which, unlike decoding into a yaml.Node, rejects duplicate keys) and
// returns how many there were.
func yamlDocuments(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	n := 0
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %v", name, err)
		}
		n++
	}
}

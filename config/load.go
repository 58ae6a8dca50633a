package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load builds the configuration from defaults, the YAML file, the OTPGATE_*
// environment, *_FILE secrets and finally ov, in that order. env looks up an
// environment variable (os.LookupEnv in production, a map in tests; nil means
// an empty environment). The file comes from ov.ConfigFile, else
// OTPGATE_CONFIG; with neither, no file is read.
//
// Load reports problems that stop it from building a Config: unreadable
// files, YAML syntax, unknown keys, wrongly typed values and malformed
// environment variables, all at once. It does not call Validate.
func Load(ov Overrides, env func(string) (string, bool)) (*Config, error) {
	e := newEnvReader(env)
	c := Default()
	path := ov.ConfigFile
	if path == "" {
		path, _ = e.get(envConfig)
	}
	if path != "" {
		if err := c.loadFile(path); err != nil {
			return nil, err
		}
	}
	c.applyEnv(e)
	c.applySecretFiles(e)
	if err := errors.Join(e.errs...); err != nil {
		return nil, err
	}
	c.applyOverrides(ov)
	return c, nil
}

// loadFile decodes the YAML file at path over c and records the path.
func (c *Config) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fileError("config file", path, err)
	}
	if err := decodeYAML(data, c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	c.configFile = path
	return nil
}

// decodeYAML decodes a single YAML document over c. Unknown keys are first
// looked for with their full dotted path; the strict decoder
// (KnownFields) then does the actual decoding and is the backstop.
func decodeYAML(data []byte, c *Config) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file, or comments only
		}
		return err
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return fmt.Errorf("line %d: only one YAML document is allowed", next.Line)
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	if err := unknownKeysError(unknownKeys(&doc, configType, "")); err != nil {
		return err
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// unknownKeysError formats unknown-key errors like yaml.v3 formats its own:
// one on the same line, several indented below a heading.
func unknownKeysError(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	lines := make([]string, len(errs))
	for i, err := range errs {
		lines[i] = err.Error()
	}
	return fmt.Errorf("%d unknown keys:\n  %s", len(errs), strings.Join(lines, "\n  "))
}

// applyOverrides applies the non-empty command-line values.
func (c *Config) applyOverrides(ov Overrides) {
	if ov.Issuer != "" {
		c.Issuer = ov.Issuer
		c.issuerSet = true
	}
	if ov.Listen != "" {
		c.Listen = ov.Listen
	}
	if ov.DataDir != "" {
		c.DataDir = ov.DataDir
	}
	if ov.Database != "" {
		c.Database = ov.Database
	}
	if ov.EncryptionKeyFile != "" {
		c.EncryptionKeyFile = ov.EncryptionKeyFile
		c.EncryptionKey = ""
	}
}

// fileError describes a failed read of a named file without repeating the
// operating system's wording twice.
func fileError(what, path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s %s: not found", what, path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s %s: %w", what, path, err)
}

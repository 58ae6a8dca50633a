package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"
)

// Load builds the configuration from defaults, the YAML file, the OTPGATE_*
// environment, *_FILE secrets and finally ov, in that order. env looks up an
// environment variable (os.LookupEnv in production, a map in tests; nil means
// an empty environment). The file comes from ov.ConfigFile, else
// OTPGATE_CONFIG; with neither, no file is read.
//
// Load reports the problems that stop it from building a Config. A file
// that cannot be read or parsed (YAML syntax, several documents) is one
// error. Unknown keys, keys given twice, wrongly typed values and
// malformed environment variables are reported all at once, as an *Error
// with a Problem each. It does not call Validate; LoadValidated does.
func Load(ov Overrides, env func(string) (string, bool)) (*Config, error) {
	c, found, err := load(ov, env)
	if err != nil {
		return nil, err
	}
	if err := found.err(c.configFile); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadValidated is Load then Validate, with the problems of both reported
// together, so that one run names every problem: when Load finds unknown
// keys, wrongly typed values or malformed environment variables, the
// configuration built from everything else is still validated. Validation
// problems of a key that could not be read (it was left at its default)
// are left out. The error is an *Error, or the one that stopped reading
// the file.
func LoadValidated(ov Overrides, env func(string) (string, bool)) (*Config, error) {
	c, found, err := load(ov, env)
	if err != nil {
		return nil, err
	}
	var invalid *Error
	if errors.As(c.Validate(), &invalid) {
		for _, p := range invalid.Problems {
			if !found.covers(p.Key) {
				found = append(found, p)
			}
		}
	}
	if err := found.err(c.configFile); err != nil {
		return nil, err
	}
	return c, nil
}

// load does the layering. It returns the configuration built from
// everything that could be read and the problems of what could not; err
// is set only when there is no configuration to return.
func load(ov Overrides, env func(string) (string, bool)) (*Config, problems, error) {
	e := newEnvReader(env)
	c := Default()
	path := ov.ConfigFile
	if path == "" {
		path, _ = e.get(envConfig)
	}
	var found problems
	if path != "" {
		p, err := c.loadFile(path)
		if err != nil {
			return nil, nil, err
		}
		found = p
	}
	c.applyEnv(e)
	c.applySecretFiles(e)
	c.applyOverrides(ov)
	e.read[envConfig] = true
	c.envRead = e.read
	return c, append(found, e.problems...), nil
}

// loadFile decodes the YAML file at path over c and records the path.
func (c *Config) loadFile(path string) (problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError("config file", path, err)
	}
	found, err := decodeYAML(data, c)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	c.configFile = path
	return found, nil
}

// decodeYAML decodes a single YAML document over c. checkYAML first
// reports, and takes out, unknown keys, keys given twice and values of the
// wrong type; the rest is then decoded, and any error of that decoding is
// one checkYAML missed, returned as is.
func decodeYAML(data []byte, c *Config) (problems, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // empty file, or comments only
		}
		return nil, err
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, fmt.Errorf("line %d: only one YAML document is allowed", next.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(doc.Content) == 1 {
		if root := doc.Content[0]; root.Kind != yaml.MappingNode && root.Tag != "!!null" {
			return nil, fmt.Errorf("line %d: the file must be a mapping of keys (key: value lines)", root.Line)
		}
	}
	found, _ := checkYAML(&doc, configType, "")
	if err := doc.Decode(c); err != nil {
		return nil, err
	}
	return found, nil
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

package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration that reads and writes as a Go duration string
// such as "15m" or "1h30m", in YAML and in environment variables. Use the
// embedded field (d.Duration) where a time.Duration is needed.
type Duration struct{ time.Duration }

// UnmarshalYAML parses a scalar like "15m"; a bad value is reported with its
// line so Load can name it.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: a duration must be a string like 15m or 1h30m", n.Line)}}
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	d.Duration = v
	return nil
}

// UnmarshalText parses a duration string like "15m".
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := parseDuration(string(text))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string, so a dumped
// configuration (YAML or JSON) reads back unchanged.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

func parseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use a value like 15m or 1h30m)", s)
	}
	return v, nil
}

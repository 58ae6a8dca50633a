package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Validate checks the whole configuration and reports every problem at once,
// as an *Error: its text has one line per problem, each starting with the key
// it is about (e.g. "login.flow_lifetime: must be at most 24h"). It returns
// nil when the configuration is usable. Validate does no I/O, and its
// messages never contain a secret, key or DSN.
func (c *Config) Validate() error {
	var p problems
	c.validateServer(&p)
	c.validateEncryption(&p)
	c.Log.validate(&p)
	c.Login.validate(&p)
	c.Tokens.validate(&p)
	c.CORS.validate(&p)
	c.MFA.validate(&p)
	c.validateEnrollmentProof(&p)
	c.Lockout.validate(&p)
	c.Server.validate(&p)
	c.Mail.validate(&p)
	c.Branding.validate(&p)
	c.Entra.validate(&p)
	validateClients(c.Clients, &p)
	validateConnectors(c.Connectors, &p)
	return p.err(c.configFile)
}

func (c *Config) validateServer(p *problems) {
	switch {
	case c.Issuer != "":
		for _, msg := range issuerProblems(c.Issuer) {
			p.add("issuer", "%s", msg)
		}
	case !c.DevMode():
		p.add("issuer", "required outside zero-config development mode")
	}

	listenProblems(p, "listen", c.Listen, "127.0.0.1:8080 or :8080")
	if n := c.Server.HashConcurrency; n < 0 || n > 1024 {
		p.add("server.hash_concurrency", "must be between 0 (the number of CPUs) and 1024")
	}
	if m := c.Server.MetricsListen; m != "" {
		listenProblems(p, "server.metrics_listen", m, "127.0.0.1:9464")
		if m == c.Listen {
			p.add("server.metrics_listen", "must differ from listen: metrics stay off the public port")
		}
	}

	if c.DataDir == "" {
		p.add("data_dir", "must not be empty")
	}

	if strings.Contains(c.Database, "://") && !isPostgresURL(c.Database) {
		scheme, _, _ := strings.Cut(c.Database, "://")
		p.add("database", "unsupported URL scheme %q (use a SQLite file path or a postgres:// URL)", scheme)
	} else if isPostgresURL(c.Database) && !validPostgresURL(c.Database) {
		p.add("database", "is not a valid PostgreSQL URL")
	}
}

func (c *Config) validateEncryption(p *problems) {
	seen := map[string]bool{}
	for i, f := range c.EncryptionAcceptedKeyFiles {
		key := fmt.Sprintf("encryption_accepted_key_files[%d]", i)
		switch {
		case strings.TrimSpace(f) == "":
			p.add(key, "must not be empty")
		case seen[f]:
			p.add(key, "%s is listed twice", f)
		case f == c.EncryptionKeyFile && c.EncryptionKey == "":
			p.add(key, "%s is the primary key file (encryption_key_file)", f)
		}
		seen[f] = true
	}
	if c.EncryptionKey != "" {
		if _, err := decodeKey(c.EncryptionKey); err != nil {
			p.add(envEncryptionKey, "%v", err)
		}
		return
	}
	if c.EncryptionKeyFile == "" && !c.DevMode() {
		p.add("encryption_key_file", "required outside zero-config development mode (or set %s)", envEncryptionKey)
	}
}

// listenProblems checks a host:port to listen on.
func listenProblems(p *problems, key, addr, example string) {
	if host, port, err := net.SplitHostPort(addr); err != nil || strings.ContainsAny(host, " /") {
		p.add(key, "must be host:port, like %s", example)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.add(key, "port must be a number from 1 to 65535")
	}
}

package config

import (
	"fmt"
	"os"
	"strings"
)

// applySecretFiles applies the *_FILE layer: OTPGATE_DATABASE_FILE (a DSN that
// may carry a password), OTPGATE_MAIL_PASSWORD_FILE and each client's
// secret_file. Secret values never appear in the errors it records.
func (c *Config) applySecretFiles(e *envReader) {
	if path, ok := e.get(envDatabaseFile); ok {
		if _, both := e.get(envDatabase); both {
			e.fail(envDatabaseFile, fmt.Errorf("set either %s or %s, not both", envDatabase, envDatabaseFile))
		} else if dsn, err := readSecretFile(path); err != nil {
			e.fail(envDatabaseFile, err)
		} else {
			c.Database = dsn
		}
	}
	if path, ok := e.get(envMailPasswordFile); ok {
		if _, both := e.get(envMailPassword); both {
			e.fail(envMailPasswordFile, fmt.Errorf("set either %s or %s, not both", envMailPassword, envMailPasswordFile))
		} else if password, err := readSecretFile(path); err != nil {
			e.fail(envMailPasswordFile, err)
		} else {
			c.Mail.Password = password
		}
	}
	for i := range c.Clients {
		cl := &c.Clients[i]
		if cl.SecretFile == "" {
			continue
		}
		key := fmt.Sprintf("clients[%d].secret_file", i)
		if cl.Secret != "" {
			e.fail(key, fmt.Errorf("set either secret or secret_file, not both"))
			continue
		}
		secret, err := readSecretFile(cl.SecretFile)
		if err != nil {
			e.fail(key, err)
			continue
		}
		cl.Secret = secret
	}
	c.applyConnectorSecretFiles(e)
}

// readSecretFile returns the file's content without its trailing newline.
func readSecretFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fileError("file", path, err)
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", fmt.Errorf("file %s: is empty", path)
	}
	return s, nil
}

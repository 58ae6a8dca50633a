package slapd

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Where Debian's slapd package puts what the server needs. The binaries
// are looked up on PATH first, then in /usr/sbin, which is not on a normal
// user's PATH.
const (
	moduleDir = "/usr/lib/ldap"
	schemaDir = "/etc/ldap/schema"
)

// modules are the dynamically loaded parts of slapd the configuration
// names, and schemas the schema files it includes, in order.
var (
	modules = []string{"back_mdb", "ppolicy"}
	schemas = []string{"core", "cosine", "inetorgperson"}
)

// required is read when the package is initialised, before a TestMain
// clears OTPGATE_*: with it, a missing slapd fails the test instead of
// skipping it.
var required = os.Getenv("OTPGATE_TEST_REQUIRE_SLAPD") == "1"

// binaries are the two programs Start runs.
type binaries struct {
	slapd, slapadd string
}

// Available says why slapd cannot run here, or nil if it can: both
// programs, the modules and the schema files are where Debian's slapd
// package installs them (apt-get install slapd ldap-utils).
func Available() error {
	_, err := locate()
	return err
}

// locate finds slapd's programs and checks its modules and schemas,
// reporting everything missing at once.
func locate() (binaries, error) {
	var b binaries
	var problems []error
	for _, p := range []struct {
		name string
		dst  *string
	}{{"slapd", &b.slapd}, {"slapadd", &b.slapadd}} {
		path, err := findProgram(p.name)
		if err != nil {
			problems = append(problems, err)
		}
		*p.dst = path
	}
	for _, m := range modules {
		problems = append(problems, mustExist(filepath.Join(moduleDir, m+".so")))
	}
	for _, s := range schemas {
		problems = append(problems, mustExist(filepath.Join(schemaDir, s+".schema")))
	}
	if err := errors.Join(problems...); err != nil {
		return binaries{}, fmt.Errorf("slapd cannot run here (apt-get install slapd ldap-utils): %w", err)
	}
	return b, nil
}

// findProgram finds name on PATH or in /usr/sbin.
func findProgram(name string) (string, error) {
	if path, err := exec.LookPath(name); err == nil {
		return path, nil
	}
	path := filepath.Join("/usr/sbin", name)
	if err := mustExist(path); err != nil {
		return "", fmt.Errorf("%s is neither on PATH nor in /usr/sbin", name)
	}
	return path, nil
}

// mustExist is nil if path is a regular file (or a link to one).
func mustExist(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	return nil
}

// unquotable reports whether path cannot be written inside slapd.conf's
// double quotes.
func unquotable(path string) bool {
	return strings.ContainsAny(path, "\"\\\n")
}

package slapd

import (
	"fmt"
	"path/filepath"
	"strings"
)

// slapdConf is the whole configuration of one server: a slapd.conf rather
// than cn=config, because slapd and slapadd both read it with -f and it
// needs no first slapadd -n0 pass. Paths are quoted (a test's temporary
// directory may hold spaces).
//
// The ACLs are those of a directory that does not answer strangers, like
// Active Directory: an anonymous client may bind and read the root DSE
// and the schema, nothing else; a bound user reads everything but
// passwords and may change their own (the one thing a user whose password
// was reset may do).
func slapdConf(dir string, certs certFiles) string {
	var c strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&c, format+"\n", args...) }
	for _, s := range schemas {
		line("include %q", filepath.Join(schemaDir, s+".schema"))
	}
	line("modulepath %q", moduleDir)
	for _, m := range modules {
		line("moduleload %s", m)
	}
	line("pidfile %q", filepath.Join(dir, "slapd.pid"))
	line("argsfile %q", filepath.Join(dir, "slapd.args"))
	// Nothing to syslog: -d on the command line sends the log to stderr.
	line("loglevel none")
	line("TLSCACertificateFile %q", certs.ca)
	line("TLSCertificateFile %q", certs.cert)
	line("TLSCertificateKeyFile %q", certs.key)
	line("")
	line("database mdb")
	line("suffix %q", Suffix)
	line("rootdn %q", AdminDN)
	line("rootpw %s", AdminPassword)
	line("directory %q", filepath.Join(dir, "db"))
	line("maxsize 16777216")
	line("dbnosync")
	line("index objectClass,uid,mail,member eq")
	line(`access to dn.base="" by * read`)
	line(`access to dn.base="cn=Subschema" by * read`)
	line("access to attrs=userPassword by self write by anonymous auth by * none")
	line("access to * by users read by * none")
	line("")
	line("overlay ppolicy")
	line("ppolicy_default %q", DefaultPolicyDN)
	line("ppolicy_use_lockout")
	return c.String()
}

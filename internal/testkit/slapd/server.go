package slapd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// readyWithin bounds how long Start waits for a started slapd to answer
// (it takes milliseconds; the margin is for a loaded CI machine).
const readyWithin = 15 * time.Second

// portAttempts is how often Start picks new ports when another process
// took one between the pick and slapd's bind.
const portAttempts = 5

// Server is one running slapd, private to a test.
type Server struct {
	// LDAPURL is ldap://127.0.0.1:port, plain LDAP that accepts StartTLS.
	LDAPURL string
	// LDAPSURL is ldaps://127.0.0.1:port, LDAP over TLS.
	LDAPSURL string
	// Host is LDAPURL's host:port.
	Host string
	// LDAPSHost is LDAPSURL's host:port.
	LDAPSHost string
	// CAFile is the path of the PEM certificate of the CA that issued the
	// server's certificate (for 127.0.0.1, ::1 and localhost).
	CAFile string
	// CAPEM is CAFile's content.
	CAPEM []byte
	// CAPool holds the CA alone.
	CAPool *x509.CertPool

	logPath string
}

// Option changes what Start loads.
type Option func(*settings)

type settings struct {
	ldif []string
}

// WithFixture loads ldif instead of DefaultFixture. It must hold the
// suffix entry (dc=example,dc=org) and DefaultPolicyDN, which the
// configuration names.
func WithFixture(ldif string) Option {
	return func(s *settings) { s.ldif = []string{ldif} }
}

// WithLDIF loads ldif after the fixture. Being loaded with slapadd, it may
// set operational attributes (pwdReset, pwdChangedTime,
// pwdPolicySubentry, a fixed entryUUID) that no LDAP client may write.
func WithLDIF(ldif string) Option {
	return func(s *settings) { s.ldif = append(s.ldif, ldif) }
}

// Start loads the fixture with slapadd into a new database in a
// temporary directory of t and runs slapd on it, on 127.0.0.1 and two
// free ports, until t ends; it returns once an administrator's bind over
// LDAPS succeeds. slapd's log is shown if t failed.
//
// When slapd cannot run here (see Available), Start skips t, or fails it
// if OTPGATE_TEST_REQUIRE_SLAPD=1 (CI sets it).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bins, err := locate()
	if err != nil {
		if required {
			t.Fatalf("%v; OTPGATE_TEST_REQUIRE_SLAPD=1 asks for it", err)
		}
		t.Skipf("%v; set OTPGATE_TEST_REQUIRE_SLAPD=1 to fail instead (CI does)", err)
	}
	set := settings{ldif: []string{fixture}}
	for _, o := range opts {
		o(&set)
	}

	dir := t.TempDir()
	if unquotable(dir) {
		t.Fatalf("slapd.conf cannot quote the temporary directory %q", dir)
	}
	certs, err := writeCerts(dir)
	if err != nil {
		t.Fatalf("TLS certificates for slapd: %v", err)
	}
	conf := filepath.Join(dir, "slapd.conf")
	ldifPath := filepath.Join(dir, "fixture.ldif")
	if err := errors.Join(
		os.WriteFile(conf, []byte(slapdConf(dir, certs)), 0o600),
		os.WriteFile(ldifPath, []byte(strings.Join(set.ldif, "\n\n")), 0o600),
		os.Mkdir(filepath.Join(dir, "db"), 0o700),
	); err != nil {
		t.Fatal(err)
	}
	// -q: no consistency checks nor syncs, as for a throwaway database.
	if out, err := exec.Command(bins.slapadd, "-q", "-f", conf, "-l", ldifPath).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}

	s := &Server{CAFile: certs.ca, CAPEM: certs.caPEM, CAPool: x509.NewCertPool()}
	s.CAPool.AppendCertsFromPEM(certs.caPEM)
	for attempt := 1; ; attempt++ {
		s.logPath = filepath.Join(dir, "slapd-"+strconv.Itoa(attempt)+".log")
		err := s.run(t, bins.slapd, conf)
		if err == nil {
			return s
		}
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			t.Fatalf("slapd: %v; log:\n%s", err, s.Log())
		}
	}
}

// errPortTaken is run's error when slapd could not bind a port it was
// given.
var errPortTaken = errors.New("a port was taken before slapd could bind it")

// run starts slapd on two fresh ports and waits until it answers. When it
// does, slapd is killed as t ends; when it does not, it is killed at once.
func (s *Server) run(t testing.TB, slapd, conf string) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	s.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	s.LDAPSHost = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	s.LDAPURL, s.LDAPSURL = "ldap://"+s.Host, "ldaps://"+s.LDAPSHost

	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	// -d stats keeps slapd in the foreground and logs connections, binds
	// and results to stderr. Run as root, slapd stays root (no -u): it
	// reads its files in the test's directory whoever runs the test.
	cmd := exec.Command(slapd, "-d", "stats", "-f", conf, "-h", s.LDAPURL+"/ "+s.LDAPSURL+"/")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	for deadline := time.Now().Add(readyWithin); ; {
		err := s.probe()
		if err == nil {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("slapd log (%s):\n%s", s.LDAPURL, tail(s.Log(), 200))
				}
			})
			return nil
		}
		select {
		case <-exited:
			if strings.Contains(s.Log(), "errno=98") {
				return errPortTaken
			}
			return fmt.Errorf("exited before it answered (%v)", waitErr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("no answer on %s within %s: %v", s.LDAPSURL, readyWithin, err)
		}
	}
}

// probe binds as the administrator over LDAPS and connects to the plain
// port: both listeners are up and TLS works. The handshake verifies this
// server's own CA, so another slapd that took the port does not pass.
func (s *Server) probe() error {
	c, err := s.dial(s.LDAPSURL)
	if err != nil {
		return err
	}
	err = c.Bind(AdminDN, AdminPassword)
	c.Close()
	if err != nil {
		return err
	}
	c, err = s.dial(s.LDAPURL)
	if err != nil {
		return err
	}
	return c.Close()
}

// freePorts asks the kernel for n free ports on 127.0.0.1 and gives them
// back, for slapd to bind a moment later.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// TLSConfig is a new client configuration that trusts the server's CA
// alone and names 127.0.0.1, as StartTLS needs.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CAPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// dial connects to url (ldap:// or ldaps://) with TLSConfig and a
// five-second limit on connecting and on each request.
func (s *Server) dial(url string) (*ldap.Conn, error) {
	c, err := ldap.DialURL(url,
		ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}),
		ldap.DialWithTLSConfig(s.TLSConfig()))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(5 * time.Second)
	return c, nil
}

// Admin is a connection over LDAPS bound as AdminDN, closed when t ends:
// for a test to read or change what no user may (unlock an account, set
// pwdReset).
func (s *Server) Admin(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := s.admin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// admin is a connection over LDAPS bound as AdminDN.
func (s *Server) admin() (*ldap.Conn, error) {
	c, err := s.dial(s.LDAPSURL)
	if err != nil {
		return nil, err
	}
	if err := c.Bind(AdminDN, AdminPassword); err != nil {
		c.Close()
		return nil, fmt.Errorf("bind as %s: %w", AdminDN, err)
	}
	return c, nil
}

// EntryUUID is the entryUUID slapadd gave the entry dn (see UserDN): the
// stable, opaque identifier a connector should key accounts on. It fails
// t if the entry does not exist.
func (s *Server) EntryUUID(t testing.TB, dn string) string {
	t.Helper()
	c, err := s.admin()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		1, 5, false, "(objectClass=*)", []string{"entryUUID"}, nil))
	if err != nil {
		t.Fatalf("read entryUUID of %s: %v", dn, err)
	}
	if len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("entryUUID") == "" {
		t.Fatalf("%s has no entryUUID", dn)
	}
	return res.Entries[0].GetAttributeValue("entryUUID")
}

// Log is what slapd wrote so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// tail is the last n lines of log.
func tail(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return "…\n" + strings.Join(lines[len(lines)-n:], "\n")
}

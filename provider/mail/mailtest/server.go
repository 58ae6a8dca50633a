package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	startTLS, implicitTLS bool
	username, password    string
}

// WithSTARTTLS offers STARTTLS with a self-signed certificate; trust it with
// RootCAs.
func WithSTARTTLS() Option { return func(o *options) { o.startTLS = true } }

// WithImplicitTLS speaks TLS from the first byte (like port 465), with a
// self-signed certificate; trust it with RootCAs.
func WithImplicitTLS() Option { return func(o *options) { o.implicitTLS = true } }

// WithAuth requires AUTH PLAIN with this username and password before MAIL.
// AUTH is offered only over TLS, unless the server has no TLS at all.
func WithAuth(username, password string) Option {
	return func(o *options) { o.username, o.password = username, password }
}

// Received is one message the server accepted.
type Received struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To are the envelope recipients (RCPT TO).
	To []string
	// Data is the message exactly as received after DATA.
	Data []byte
	// Subject is the decoded Subject header.
	Subject string
	// Text is the decoded text/plain body, with line ends as "\n".
	Text string
	// Username is who authenticated, "" if nobody did.
	Username string
	// TLS reports whether the conversation was encrypted when the message
	// was sent.
	TLS bool
}

// Server is a running test SMTP server.
type Server struct {
	opts  options
	smtp  *smtp.Server
	ln    net.Listener
	roots *x509.CertPool
	log   *testLog

	mu       sync.Mutex
	received []Received
}

// Start starts a server on 127.0.0.1 with a random port and closes it when
// the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{log: &testLog{t: t}}
	for _, opt := range opts {
		opt(&s.opts)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.smtp = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.smtp.Domain = "mailtest.localhost"
	s.smtp.ReadTimeout = 30 * time.Second
	s.smtp.WriteTimeout = 30 * time.Second
	s.smtp.MaxMessageBytes = 1 << 20
	s.smtp.ErrorLog = s.log

	if s.opts.startTLS || s.opts.implicitTLS {
		cert, roots, err := selfSigned()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.roots = roots
		config := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if s.opts.implicitTLS {
			ln = tls.NewListener(ln, config)
		} else {
			s.smtp.TLSConfig = config
		}
	} else {
		// Without TLS there is nothing to wait for; let AUTH happen in the clear.
		s.smtp.AllowInsecureAuth = true
	}
	s.ln = ln

	go func() { _ = s.smtp.Serve(ln) }()
	t.Cleanup(func() {
		s.log.stop()
		_ = s.smtp.Close()
	})
	return s
}

// Addr returns the host and port to connect to.
func (s *Server) Addr() (host string, port int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// RootCAs returns a pool trusting the server's certificate, or nil when the
// server has no TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// WaitFor returns the first message addressed to to (envelope recipient,
// case-insensitive), polling until timeout; it fails the test if none comes.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range s.Messages() {
			if slices.ContainsFunc(m.To, func(rcpt string) bool { return strings.EqualFold(rcpt, to) }) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no mail to %s within %s (%d other messages)", to, timeout, len(s.Messages()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{server: s, conn: c}, nil
}

func (s *Server) store(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
}

// session is one SMTP connection's state.
type session struct {
	server   *Server
	conn     *smtp.Conn
	username string // authenticated user
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.server.opts.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || s.server.opts.username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.server.opts.username || password != s.server.opts.password {
			return smtp.ErrAuthFailed
		}
		s.username = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.opts.username != "" && s.username == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	rec := Received{From: s.from, To: slices.Clone(s.to), Data: data, Username: s.username, TLS: isTLS}
	if rec.Subject, rec.Text, err = parse(data); err != nil {
		s.server.log.errorf("mailtest: cannot decode message to %v: %v", s.to, err)
	}
	s.server.store(rec)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// testLog sends the server's own errors to the test log, and stops doing so
// when the test ends (a late call would panic).
type testLog struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
}

func (l *testLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}

func (l *testLog) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped && !errors.Is(lastError(v), net.ErrClosed) {
		l.t.Logf("mailtest: "+format, v...)
	}
}

func (l *testLog) Println(v ...any) { l.Printf("%s", fmt.Sprintln(v...)) }

// errorf fails the test, unless it has ended.
func (l *testLog) errorf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Errorf(format, v...)
	}
}

func lastError(v []any) error {
	if len(v) > 0 {
		if err, ok := v[len(v)-1].(error); ok {
			return err
		}
	}
	return nil
}

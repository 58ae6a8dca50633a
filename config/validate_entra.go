package config

import (
	"crypto/x509"
	"net/url"
	"os"
)

// validate checks the entra section: an https authority (a test
// authority too: Entra's keys are only ever fetched over TLS), a
// readable CA file, and a known way of linking.
func (e Entra) validate(p *problems) {
	if u, err := url.Parse(e.Authority); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.add("entra.authority", "must be an https URL without query (got %q)", e.Authority)
	}
	if e.CAFile != "" {
		if _, err := e.CAPool(); err != nil {
			p.add("entra.ca_file", "%v", err)
		}
	}
	if e.FirstLink != "admin" && e.FirstLink != "username" {
		p.add("entra.first_link", "must be admin or username (got %q)", e.FirstLink)
	}
}

// CAPool is the system's certificate pool with the certificates of
// CAFile added (nil, nil when there is no CAFile).
func (e Entra) CAPool() (*x509.CertPool, error) { return systemPoolWith(e.CAFile) }

// systemPoolWith is the system's certificate pool with the PEM
// certificates of file added (nil, nil when file is "").
func systemPoolWith(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errNoCertificates
	}
	return pool, nil
}

// errNoCertificates: a CA file held no PEM certificate.
var errNoCertificates = errorString("no PEM certificate in the file")

type errorString string

func (e errorString) Error() string { return string(e) }

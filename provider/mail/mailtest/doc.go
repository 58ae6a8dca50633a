// Package mailtest runs a real SMTP server for tests, built on
// github.com/emersion/go-smtp and listening on 127.0.0.1 with a random port.
//
// It holds a real SMTP conversation, so a client under test goes through
// EHLO, STARTTLS or implicit TLS, AUTH PLAIN, MAIL, RCPT and DATA exactly as
// with a production server. TLS uses a self-signed certificate made in memory
// for 127.0.0.1, ::1 and localhost; RootCAs returns a pool that trusts it.
// Every accepted message is kept with its envelope, raw data, decoded subject
// and decoded plain-text body.
package mailtest

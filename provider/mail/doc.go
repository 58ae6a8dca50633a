// Package mail sends otpgate's notification mails: the single-use links of a
// device reset and the notices that a device was reset or enrolled or an
// account was locked.
//
// Callers depend on the Sender interface. SMTP is the real sender, built on
// github.com/wneessen/go-mail; LogSender is for zero-config development mode
// and writes each mail to the log instead of sending it. The texts come from
// constructor functions (ResetLink, ProofLink, DeviceReset, DeviceEnrolled,
// AccountLocked), in English first and then Japanese.
//
// Invariants:
//   - A real sender never logs a message body or puts it in an error: bodies
//     carry single-use links. Message.LogValue and Message.String leave the
//     body out so that a stray log call cannot leak it either.
//   - SMTP never falls back to plain text: "starttls" requires STARTTLS, "tls"
//     speaks TLS from the first byte, and "none" is refused for any host but
//     loopback. Credentials are only sent over TLS, and never appear in errors.
//   - Send honours its context: it returns when the context ends, and the
//     SMTP conversation itself is bounded by the configured timeout.
package mail

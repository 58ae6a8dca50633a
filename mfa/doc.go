// Package mfa is otpgate's second factor as pure logic: TOTP (RFC 6238)
// secrets, codes and their verification with replay refusal, recovery
// codes, and the arithmetic of the temporary password/answer lock
// (Lockout). It depends only on the standard library, pquerna/otp and the
// small Store interface it declares; time and randomness are injected.
//
// Invariants: a device's last accepted time step only increases, and a
// code is accepted only for a step later than it, through one conditional
// update (Store.AdvanceStep), so no code is ever accepted twice, however
// many requests or replicas race; skew is at most one step either side.
package mfa

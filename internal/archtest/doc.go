// Package archtest holds the test that keeps otpgate's import directions:
// the pure packages stay leaves, only the store speaks SQL through gorm,
// only the web adapters speak HTTP through echo, and the sign-in and admin
// rules import neither.
package archtest

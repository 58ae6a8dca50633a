// Package store keeps every piece of otpgate's security state in one SQL
// database: users, clients, sign-in flows, browser sessions, tokens and
// signing keys. It is the only package that imports gorm.
//
// The same code runs on the embedded SQLite default and on PostgreSQL.
// Invariants that must hold under concurrency (an authorization code is
// redeemed once, a refresh token rotates once) are enforced by a single
// conditional UPDATE whose affected-row count decides the winner, never by
// a read followed by a write. The password/answer counters are budgets
// (throttle.go): the account's row for unknown browsers, a known browser's
// row, a name's row; every budget is changed by the same statements.
//
// The schema is versioned SQL, one directory of embedded files per dialect
// (migrations/), applied once each by Migrate and recorded in
// schema_migrations.
package store

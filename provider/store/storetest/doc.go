// Package storetest is the storage conformance suite: one set of cases that
// every database backend of package store must pass, including concurrency
// cases whose results must be exact (one code redeemed once, one refresh
// token rotated once, no lost update, no "database is locked").
//
// A backend's own test file is a few lines:
//
//	func TestSQLite(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }
//
// Every case gets a fresh, migrated store on an empty database from the
// open function, and freezes the store's clock so expiry is exact.
package storetest

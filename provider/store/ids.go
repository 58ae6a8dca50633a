package store

import "crypto/rand"

// newRowID is a random primary key for rows nobody refers to from outside.
func newRowID() string { return rand.Text() }

package store

import (
	"sync/atomic"

	"gorm.io/gorm"
)

// statementCounter counts the SQL statements the store sends, for the
// tests that hold a sign-in step to a fixed number of round trips and for
// the load driver's reports. Counting is one atomic add per statement.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) count(*gorm.DB) { c.n.Add(1) }

// register hooks the counter after every kind of statement gorm runs.
func (c *statementCounter) register(db *gorm.DB) error {
	cb := db.Callback()
	hooks := []error{
		cb.Create().After("gorm:create").Register("otpgate:count", c.count),
		cb.Query().After("gorm:query").Register("otpgate:count", c.count),
		cb.Update().After("gorm:update").Register("otpgate:count", c.count),
		cb.Delete().After("gorm:delete").Register("otpgate:count", c.count),
		cb.Row().After("gorm:row").Register("otpgate:count", c.count),
		cb.Raw().After("gorm:raw").Register("otpgate:count", c.count),
	}
	for _, err := range hooks {
		if err != nil {
			return err
		}
	}
	return nil
}

// Statements is the number of SQL statements this store has sent since it
// was opened (transaction begin and commit are not counted).
func (s *Store) Statements() int64 { return s.statements.n.Load() }

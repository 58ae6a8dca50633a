package store_test

import (
	"os"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

func TestPostgres(t *testing.T) {
	dsn := os.Getenv("OTPGATE_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set OTPGATE_TEST_POSTGRES_DSN to run the PostgreSQL storage tests")
	}
	storetest.Run(t, func(t *testing.T) *store.Store {
		s := storetest.OpenPostgres(t, dsn)
		store.SetResealBatch(s, 2)
		return s
	})
}

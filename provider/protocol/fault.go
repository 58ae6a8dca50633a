package protocol

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/otpgate/otpgate/provider/store"
)

// The library maps every storage error of some calls onto a client error
// (a code lookup failure becomes invalid_grant, a token lookup failure
// invalid_token), which would make a client throw away a valid credential
// while the database is merely unreachable. Storage therefore notes a
// database fault in the request's context, and the protocol endpoints turn
// such an answer into a server error the client retries.

type faultKey struct{}

// WithFaultMarker returns ctx carrying a fresh fault marker, on which
// Storage notes the database faults it meets while answering the request.
func WithFaultMarker(ctx context.Context) context.Context {
	return context.WithValue(ctx, faultKey{}, new(atomic.Bool))
}

// FaultNoted reports whether Storage noted a database fault on ctx's
// marker; it is false when ctx carries no marker.
func FaultNoted(ctx context.Context) bool {
	f, _ := ctx.Value(faultKey{}).(*atomic.Bool)
	return f != nil && f.Load()
}

// noteFault records that err is a database fault (not "not found" or
// "already used") on the request's fault marker, if any.
func noteFault(ctx context.Context, err error) {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyUsed) || errors.Is(err, store.ErrStale) {
		return
	}
	if f, ok := ctx.Value(faultKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
}

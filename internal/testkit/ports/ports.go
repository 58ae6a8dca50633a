// Package ports hands tests a TCP port on 127.0.0.1 for a server they
// start a moment later. Port 0 is not asked for: the kernel gives that
// from the ephemeral range, the same range every outgoing connection of
// the machine takes its local port from, so in the moment between asking
// and binding a test's own HTTP clients can take the port (and another
// server of a parallel test can too). The ports handed out here lie below
// Linux's ephemeral range, where outgoing connections never land, and are
// picked at random, so that parallel tests rarely meet; a server that
// still finds its port taken should start again on another (see
// AddressInUse).
package ports

import (
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
)

// The range handed out: below the default ephemeral range (32768-60999)
// and above the ports well-known services use.
const (
	low  = 20000
	high = 32767
)

// Free is a port of 127.0.0.1 that was free when it was asked.
func Free(t testing.TB) int {
	t.Helper()
	for range 200 {
		p := low + rand.IntN(high-low+1)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		return p
	}
	t.Fatalf("no free port on 127.0.0.1 between %d and %d", low, high)
	return 0
}

// Addr is "127.0.0.1:<Free>".
func Addr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(Free(t))
}

// AddressInUse reports whether a server's output says it could not bind
// its port: it should start again on another.
func AddressInUse(output string) bool {
	return strings.Contains(output, "address already in use")
}

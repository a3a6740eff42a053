// Package servertest runs the service inside a test, as net/http/httptest
// runs a handler: on a loopback port, with ticks and consumer-group
// timings short enough for tests, until the test ends.
package servertest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/server"
)

// Start runs the service with cfg until the test ends (before the broker
// and database the test set up earlier are cleaned up). It returns the
// HTTP address and the context the service runs under.
func Start(t testing.TB, cfg *config.Config) (addr string, ctx context.Context) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, cfg, server.Options{Listener: ln, TickInterval: 100 * time.Millisecond,
			HeartbeatInterval: 300 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), ctx
}

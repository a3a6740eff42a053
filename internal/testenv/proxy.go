package testenv

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
)

// TCPProxy forwards TCP connections to a server until Cut: a test takes the
// server away from a client that holds open connections to it, without
// stopping a server other tests share.
type TCPProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// StartTCPProxy listens on a free loopback port and forwards what it
// accepts to target; the test's cleanup cuts it.
func StartTCPProxy(t testing.TB, target string) *TCPProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &TCPProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(p.Cut)
	return p
}

// Addr is the address clients dial.
func (p *TCPProxy) Addr() string { return p.ln.Addr().String() }

// Cut stops accepting and closes every connection, both ways.
func (p *TCPProxy) Cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// SyncBuffer is a log sink a service's goroutines write to while the test
// reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package web

import (
	"container/list"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HTTPServer returns an http.Server for h with the server's limits: the
// header, idle and (as a backstop to the route guard's per-route
// deadlines) read and write timeouts, the header size, and the
// connection states that Listener's connection cap needs.
func (s *Server) HTTPServer(h http.Handler) *http.Server {
	lim := s.guarded().limits
	longest := max(lim.ProbeTimeout, lim.MetricsTimeout, lim.APITimeout, lim.SlowTimeout) + deadlineGrace
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       longest,
		WriteTimeout:      longest,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         trackConn,
	}
}

// Listener returns ln with at most Limits.MaxConnections connections open
// at once; name labels its metrics. It must be served by an http.Server
// from HTTPServer, whose connection states tell it which connections wait
// for a request.
//
// At the cap, a new connection is accepted only by closing one that waits
// for a request: the one idle longest (its client has had its answers and
// retries on a new connection, as HTTP clients do with a closed
// keep-alive connection), else the one that has waited longest without
// sending a whole request header, once it has had freshGrace to send it.
// A connection with a request in progress is never closed for another;
// those are bounded by the routes' limits and budgets, so the wait for
// one to end is short. This keeps the service's file descriptors
// bounded, and new clients (probes among them) served, however many
// connections others open and leave open.
func (s *Server) Listener(ln net.Listener, name string) net.Listener {
	g := s.guarded()
	return &limitListener{Listener: ln, max: g.limits.MaxConnections,
		evicted: g.evicted.WithLabelValues(name), gauge: g.open.WithLabelValues(name),
		freed: make(chan struct{}, 1), done: make(chan struct{}), now: time.Now}
}

// freshGrace is how long a new connection may take to send its request
// header before it may be closed for another. A client sends its request
// as soon as it is connected, so this is the server's own delay in
// reading it (scheduling, a busy CPU) with a wide margin: a connection
// closed in that delay would lose a request its client never retries.
// It is short because, while only connections that have sent nothing are
// left to close, a new connection waits up to this long for room.
const freshGrace = 100 * time.Millisecond

type limitListener struct {
	net.Listener
	max     int
	evicted prometheus.Counter
	gauge   prometheus.Gauge

	mu   sync.Mutex
	open int
	// The connections that wait for a request, longest first: idle ones
	// (between requests) and fresh ones (no whole request yet).
	idle, fresh list.List
	// freed is told when a connection closed or became idle: room for
	// an Accept waiting at the cap. One Accept runs at a time.
	freed     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	now       func() time.Time
}

// limitedConn is a connection of a limitListener.
type limitedConn struct {
	net.Conn
	l *limitListener
	// waiting is the list (l.idle or l.fresh) elem is in; nil while a
	// request is in progress. Both are guarded by l.mu.
	waiting   *list.List
	elem      *list.Element
	accepted  time.Time
	closed    bool // guarded by l.mu
	closeOnce sync.Once
}

// Accept accepts the next connection and, at the cap, makes room for it
// or holds it until there is room.
func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		l.mu.Lock()
		victim, retry := l.victim()
		if l.open < l.max || victim != nil {
			l.open++
			l.gauge.Inc()
			lc := &limitedConn{Conn: c, l: l, accepted: l.now()}
			lc.wait(&l.fresh)
			l.mu.Unlock()
			if victim != nil {
				l.evicted.Inc()
				victim.Close()
			}
			return lc, nil
		}
		l.mu.Unlock()
		if !l.wait(retry) {
			c.Close()
			return nil, net.ErrClosed
		}
	}
}

// victim takes out the connection to close for a new one once the cap is
// reached. It finds none below the cap, nor when every connection has a
// request in progress or is new and within freshGrace; in the last case
// retry is when the oldest new one will be past it. l.mu is held.
func (l *limitListener) victim() (victim *limitedConn, retry time.Duration) {
	if l.open < l.max {
		return nil, 0
	}
	if e := l.idle.Front(); e != nil {
		victim = e.Value.(*limitedConn)
	} else if e := l.fresh.Front(); e != nil {
		c := e.Value.(*limitedConn)
		if retry = c.accepted.Add(freshGrace).Sub(l.now()); retry > 0 {
			return nil, retry
		}
		victim = c
	}
	if victim != nil {
		victim.unwait()
	}
	return victim, 0
}

// wait waits for a connection to close or turn idle, or for retry when
// it is positive, and reports false if the listener closed meanwhile.
func (l *limitListener) wait(retry time.Duration) bool {
	var aged <-chan time.Time
	if retry > 0 {
		t := time.NewTimer(retry)
		defer t.Stop()
		aged = t.C
	}
	select {
	case <-l.freed:
	case <-aged:
	case <-l.done:
		return false
	}
	return true
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) signal() {
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// wait puts c at the back of a waiting list. l.mu is held.
func (c *limitedConn) wait(waiting *list.List) {
	c.unwait()
	c.waiting, c.elem = waiting, waiting.PushBack(c)
}

// unwait takes c out of its waiting list, if it is in one. l.mu is held.
func (c *limitedConn) unwait() {
	if c.waiting != nil {
		c.waiting.Remove(c.elem)
		c.waiting, c.elem = nil, nil
	}
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		l := c.l
		l.mu.Lock()
		c.unwait()
		c.closed = true
		l.open--
		l.gauge.Dec()
		l.mu.Unlock()
		l.signal()
	})
	return err
}

// trackConn is the http.Server's ConnState hook: it tells a connection's
// listener whether the connection waits for a request. Go reports a
// connection active once it has read a whole request header, and idle
// once the answer is written; before its first request it is new.
func trackConn(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	l := c.l
	l.mu.Lock()
	if c.closed {
		l.mu.Unlock()
		return
	}
	switch state {
	case http.StateActive, http.StateHijacked, http.StateClosed:
		c.unwait()
	case http.StateIdle:
		c.wait(&l.idle)
	}
	l.mu.Unlock()
	if state == http.StateIdle {
		l.signal()
	}
}

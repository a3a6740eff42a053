package clickhouse

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/driftmon/driftmon/storage"
)

// Options configure Open.
type Options struct {
	// Addr lists host:port of the native protocol (default
	// 127.0.0.1:9000); they are tried in order.
	Addr []string
	// Database holds driftmon's tables (default "driftmon"); it is created
	// if missing. Letters, digits and underscores only.
	Database string
	User     string // default "default"
	Password string
	TLS      *tls.Config
	// DialTimeout bounds connecting (default 5 s).
	DialTimeout time.Duration
	Logger      *slog.Logger // default slog.Default()
}

// identRE is what a database (or migration identifier) may be: it is
// spliced into SQL, so nothing that could quote or comment.
var identRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Store is the ClickHouse store. Its methods are safe for concurrent use.
type Store struct {
	conn driver.Conn
	db   string
	addr string // for error messages; never the password
	log  *slog.Logger
	now  func() time.Time // versions of raw-log rows, migration records

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// The whole contract, checked when this package builds.
var _ storage.Store = (*Store)(nil)

// errClosed is returned by calls on a closed store.
var errClosed = errors.New("clickhouse store is closed")

// Open connects, creates the database if missing and applies pending
// migrations. A server that cannot be reached gives an error wrapping
// storage.ErrUnavailable.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Database == "" {
		o.Database = "driftmon"
	}
	if !identRE.MatchString(o.Database) {
		return nil, fmt.Errorf("clickhouse: database name %q: want [A-Za-z0-9_]+: %w", o.Database, storage.ErrInvalid)
	}
	if len(o.Addr) == 0 {
		o.Addr = []string{"127.0.0.1:9000"}
	}
	if o.User == "" {
		o.User = "default"
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	conn, err := ch.Open(&ch.Options{
		Protocol:    ch.Native,
		Addr:        o.Addr,
		Auth:        ch.Auth{Username: o.User, Password: o.Password},
		TLS:         o.TLS,
		DialTimeout: o.DialTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", strings.Join(o.Addr, ","), err)
	}
	s := &Store{conn: conn, db: o.Database, addr: strings.Join(o.Addr, ","), log: o.Logger, now: time.Now}
	if err := s.open(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return s.fail("connect", err)
	}
	if err := s.conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+s.db); err != nil {
		return s.fail("create database "+s.db, err)
	}
	return s.migrate(ctx)
}

// Close releases the connections; a second Close does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if err := s.conn.Close(); err != nil {
			s.closeErr = fmt.Errorf("clickhouse %s: close: %w", s.addr, err)
		}
	})
	return s.closeErr
}

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := s.conn.Ping(ctx); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// table is a table's qualified name.
func (s *Store) table(name string) string { return s.db + "." + name }

// fail wraps err once, marking outages with storage.ErrUnavailable and the
// address.
func (s *Store) fail(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("clickhouse %s at %s: %w: %w", op, s.addr, storage.ErrUnavailable, err)
	}
	return fmt.Errorf("clickhouse %s: %w", op, err)
}

// Server errors that pass: overload, timeouts, a replica's network.
var transientCodes = map[int32]bool{
	159: true, // TIMEOUT_EXCEEDED
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	319: true, // UNKNOWN_STATUS_OF_INSERT
	999: true, // KEEPER_EXCEPTION
}

// unavailable tells outages (retry later) from errors the server gave for
// the request itself (retrying cannot help). A cancelled context is the
// caller's decision, not an outage; an expired one means the server did
// not answer in time.
func unavailable(err error) bool {
	var ex *ch.Exception
	if errors.As(err, &ex) {
		return transientCodes[ex.Code]
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, ch.ErrAcquireConnTimeout)
}

// insert sends n rows to table in one batch (PrepareBatch/Append/Send: an
// INSERT through Exec hangs on 18.16).
func (s *Store) insert(ctx context.Context, table, columns string, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	b, err := s.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s (%s)", s.table(table), columns))
	if err != nil {
		return err
	}
	for i := range n {
		if err := b.Append(row(i)...); err != nil {
			b.Abort()
			return fmt.Errorf("%s row %d: %w", table, i, err)
		}
	}
	return b.Send()
}

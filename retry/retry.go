// Package retry waits between attempts at an unavailable service: Kafka,
// storage, a dead-letter write. Outages pause work; they never drop it.
// It imports nothing of driftmon's.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff waits exponentially longer between retries, with jitter, capped
// so that recovery is noticed within seconds.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// New returns a Backoff from 100 ms up to 10 s.
func New() *Backoff { return &Backoff{Min: 100 * time.Millisecond, Max: 10 * time.Second} }

// Reset starts the next wait from Min again (after a success).
func (b *Backoff) Reset() { b.next = 0 }

// Wait sleeps for the next interval; false when ctx ended first.
func (b *Backoff) Wait(ctx context.Context) bool {
	if b.next == 0 {
		b.next = b.Min
	}
	d := b.next/2 + rand.N(b.next/2+1)
	b.next = min(2*b.next, b.Max)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Do calls fn until it succeeds, fails permanently (fn returned an error
// made by Stop: returned at once, unwrapped) or ctx ends, calling onErr
// after each retried failure (to log and count it). It returns fn's last
// error wrapped with ctx's when ctx ends first.
func Do(ctx context.Context, fn func(context.Context) error, onErr func(error)) error {
	b := New()
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		var stop stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		if onErr != nil {
			onErr(err)
		}
		if !b.Wait(ctx) {
			if errors.Is(err, ctx.Err()) {
				return err // fn already reported the context's end
			}
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		}
	}
}

// Stop marks an error that retrying cannot mend (the request itself is
// wrong): Do returns it at once.
func Stop(err error) error { return stopError{err} }

type stopError struct{ err error }

func (s stopError) Error() string { return s.err.Error() }
func (s stopError) Unwrap() error { return s.err }

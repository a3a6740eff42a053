package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/driftmon/driftmon/retry"
)

// The tests run in synctest bubbles: time is virtual, so a wait of 100 ms
// costs nothing, and time.Since measures exactly the intervals the code
// chose (the clock moves only when every goroutine of the bubble waits).

func TestDo(t *testing.T) {
	errDown := errors.New("down")
	tests := []struct {
		name     string
		failures int // fn fails this many times, then succeeds
		// Bounds of the total wait: retry.New waits from 100 ms, each wait
		// in [next/2, next] with next doubling: [50, 100] ms, then
		// [100, 200] ms.
		minWait, maxWait time.Duration
	}{
		{"succeeds first time", 0, 0, 0},
		{"fails once", 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{"fails twice", 2, 150 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				var seen []error
				start := time.Now()
				err := retry.Do(context.Background(), func(ctx context.Context) error {
					calls++
					if calls <= tc.failures {
						return fmt.Errorf("attempt %d: %w", calls, errDown)
					}
					return nil
				}, func(err error) { seen = append(seen, err) })
				waited := time.Since(start)
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if calls != tc.failures+1 {
					t.Errorf("fn called %d times, want %d", calls, tc.failures+1)
				}
				if len(seen) != tc.failures {
					t.Fatalf("onErr called %d times, want %d", len(seen), tc.failures)
				}
				for i, e := range seen {
					if want := fmt.Sprintf("attempt %d: down", i+1); e.Error() != want {
						t.Errorf("onErr #%d got %q, want %q", i+1, e, want)
					}
				}
				if waited < tc.minWait || waited > tc.maxWait {
					t.Errorf("waited %v, want within [%v, %v]", waited, tc.minWait, tc.maxWait)
				}
			})
		})
	}
}

func TestDoNilOnErr(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		err := retry.Do(context.Background(), func(context.Context) error {
			calls++
			if calls == 1 {
				return errors.New("down")
			}
			return nil
		}, nil)
		if err != nil || calls != 2 {
			t.Fatalf("Do = %v after %d calls, want nil after 2", err, calls)
		}
	})
}

func TestDoContextEnds(t *testing.T) {
	errDown := errors.New("down")
	tests := []struct {
		name     string
		cancelAt time.Duration // after the start of Do; 0 = before it
		// calls: the first wait lasts at least 50 ms, so a cancel at 30 ms
		// lands in it, after one call; at 0 fn still runs once.
		calls int
		// fnSeesCtx: fn reports the context's end itself once it sees it,
		// as a store does.
		fnSeesCtx bool
	}{
		{"cancelled during the first wait", 30 * time.Millisecond, 1, false},
		{"cancelled before Do", 0, 1, false},
		{"fn returns the context's error", 0, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.cancelAt == 0 {
					cancel()
				} else {
					time.AfterFunc(tc.cancelAt, cancel)
				}
				calls, onErrs := 0, 0
				start := time.Now()
				err := retry.Do(ctx, func(ctx context.Context) error {
					calls++
					if calls > 10 {
						return nil // Do ignored ctx: end the loop, and fail below
					}
					if tc.fnSeesCtx && ctx.Err() != nil {
						return ctx.Err()
					}
					return fmt.Errorf("attempt %d: %w", calls, errDown)
				}, func(error) { onErrs++ })
				if waited := time.Since(start); waited != tc.cancelAt {
					t.Errorf("returned after %v, want %v (when ctx ended)", waited, tc.cancelAt)
				}
				switch {
				case tc.fnSeesCtx:
					if err != context.Canceled {
						t.Errorf("err = %v, want context.Canceled as fn returned it", err)
					}
				case !errors.Is(err, errDown) || !errors.Is(err, context.Canceled):
					t.Errorf("err = %v, want fn's last error wrapped with context.Canceled", err)
				}
				if calls != tc.calls || onErrs != tc.calls {
					t.Errorf("fn called %d times, onErr %d, want %d", calls, onErrs, tc.calls)
				}
			})
		})
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &retry.Backoff{Min: time.Millisecond, Max: 8 * time.Millisecond}
		ctx := context.Background()
		wait := func() time.Duration {
			start := time.Now()
			if !b.Wait(ctx) {
				t.Fatal("Wait returned false with a live context")
			}
			return time.Since(start)
		}
		// The interval doubles from Min and stays at Max: 1, 2, 4, 8, 8, 8
		// ms; each wait is jittered within [interval/2, interval].
		steps := []time.Duration{1, 2, 4, 8, 8, 8, 8, 8}
		for round := 0; round < 2; round++ {
			for i, step := range steps {
				d := step * time.Millisecond
				if got := wait(); got < d/2 || got > d {
					t.Errorf("round %d wait %d: %v, want within [%v, %v]", round, i, got, d/2, d)
				}
			}
			b.Reset() // the second round starts again from Min
		}

		// Jitter: at the cap, waits spread over [4, 8] ms. Of 200 draws,
		// all landing on one side of 6 ms has probability 2*2^-200.
		for range 3 {
			wait() // 1, 2, 4 ms: up to the cap
		}
		lo, hi := 0, 0
		for i := 0; i < 200; i++ {
			if wait() < 6*time.Millisecond {
				lo++
			} else {
				hi++
			}
		}
		if lo == 0 || hi == 0 {
			t.Errorf("waits at the cap not jittered: %d below 6 ms, %d at or above", lo, hi)
		}
	})
}

func TestBackoffWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &retry.Backoff{Min: time.Second, Max: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		start := time.Now()
		if b.Wait(ctx) {
			t.Fatal("Wait returned true after ctx ended")
		}
		// The wait would have been at least 500 ms (Min/2).
		if got := time.Since(start); got != 10*time.Millisecond {
			t.Errorf("Wait returned after %v, want 10ms", got)
		}
	})
}

func TestNew(t *testing.T) {
	b := retry.New()
	if b.Min != 100*time.Millisecond || b.Max != 10*time.Second {
		t.Errorf("New() = Min %v Max %v, want 100ms 10s", b.Min, b.Max)
	}
}

func TestDoStopsOnPermanentErrors(t *testing.T) {
	bad := errors.New("bad request")
	calls, reported := 0, 0
	err := retry.Do(context.Background(), func(context.Context) error {
		calls++
		return retry.Stop(fmt.Errorf("write: %w", bad))
	}, func(error) { reported++ })
	if calls != 1 || reported != 0 {
		t.Errorf("calls %d, reported %d; want 1 and 0", calls, reported)
	}
	if !errors.Is(err, bad) || err.Error() != "write: bad request" {
		t.Errorf("err = %v, want the error Stop wrapped", err)
	}
}

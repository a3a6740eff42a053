package demo

import (
	"context"
	"sync"
	"time"
)

// stepClock is the demo's clock in tests: it stands still but when the
// demo sleeps, and then jumps by what the demo sleeps. The service then
// sees a silence only where the demo makes one, and as long as the demo
// says, however slowly the machine runs it.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func newStepClock() *stepClock { return &stepClock{now: time.Now()} }

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/driftmon/driftmon/check"
)

// Progress is shown only after progressAfter, so that a quick check
// prints nothing but its report, then every progressEvery.
const (
	progressAfter = 3 * time.Second
	progressEvery = time.Second
)

// progressTicks ticks every progressEvery from progressAfter on, until
// stop.
func progressTicks() (<-chan time.Time, func()) {
	ticks := make(chan time.Time)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		wait := time.NewTimer(progressAfter)
		defer wait.Stop()
		select {
		case <-wait.C:
		case <-quit:
			return
		}
		tk := time.NewTicker(progressEvery)
		defer tk.Stop()
		for {
			select {
			case now := <-tk.C:
				select {
				case ticks <- now:
				case <-quit:
					return
				}
			case <-quit:
				return
			}
		}
	})
	return ticks, func() { close(quit); wg.Wait() }
}

// showProgress rewrites one line of w with p on each tick, until the
// returned done is called; done erases the line if one was written, so
// that the report or the error that follows starts clean.
func showProgress(w io.Writer, p *check.Progress, ticks <-chan time.Time) (done func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		shown := false
		defer func() {
			if shown {
				fmt.Fprint(w, "\r\x1b[K")
			}
		}()
		for {
			select {
			case <-ticks:
				fmt.Fprintf(w, "\r\x1b[Kdriftmon check: %s", progressLine(p))
				shown = true
			case <-quit:
				return
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}

// progressLine says how far p has come.
func progressLine(p *check.Progress) string {
	line := fmt.Sprintf("read %d reference rows, %d current rows", p.RowsReference.Load(), p.RowsCurrent.Load())
	if n := p.Columns.Load(); n > 0 {
		line += fmt.Sprintf("; %d of %d columns compared", p.ColumnsDone.Load(), n)
	}
	return line
}

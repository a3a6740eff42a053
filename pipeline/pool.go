package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// Pool evaluates and stores closed windows off the partitions' consume
// loops: one set of workers shared by every partition and model, so that
// a partition goes on reading while its windows are evaluated, and every
// core works when windows close in bursts. The consume loop hands a
// closed window over and moves on; the guarantees hold as they did when it
// waited:
//
//   - One model's windows are evaluated, stored and observed in window
//     order, one after the other: a model's windows form a chain, and only
//     a chain's head is ever in the pool (a `previous` reference is the
//     window before, observed before the next is evaluated).
//   - A partition's Checkpoint waits until every window handed over before
//     it is durable with its results, and fails (saving nothing, so the
//     offset is not committed) when one could not be stored: a crash or a
//     revoke replays, it never skips.
//   - Back-pressure, not a queue that grows: a partition holds at most
//     PerPartition windows in flight, the pool's queue at most Queue
//     chains; a consume loop blocks when either is full.
type Pool struct {
	tasks chan *chainTask
	// perPartition bounds the windows in flight per partition.
	perPartition int
	wg           sync.WaitGroup
	stop         chan struct{}
	once         sync.Once
}

// PoolConfig sizes a Pool.
type PoolConfig struct {
	// Workers evaluate windows at once (default 1).
	Workers int
	// Queue is how many models' chains may wait for a worker (default
	// 2 x Workers).
	Queue int
	// PerPartition bounds the windows one partition has in flight, queued
	// or running (default 4 x Workers).
	PerPartition int
}

// NewPool starts the pool's workers; Stop ends them.
func NewPool(cfg PoolConfig) *Pool {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 2 * cfg.Workers
	}
	if cfg.PerPartition <= 0 {
		cfg.PerPartition = 4 * cfg.Workers
	}
	pl := &Pool{tasks: make(chan *chainTask, cfg.Queue), perPartition: cfg.PerPartition, stop: make(chan struct{})}
	for range cfg.Workers {
		pl.wg.Add(1)
		go pl.work()
	}
	return pl
}

// Stop ends the workers once the queue is empty. Partitions are closed
// first; what a closing partition still had queued runs (and, its own
// context cancelled, ends at once) before the workers go.
func (pl *Pool) Stop() {
	pl.once.Do(func() { close(pl.stop) })
	pl.wg.Wait()
}

func (pl *Pool) work() {
	defer pl.wg.Done()
	for {
		select {
		case t := <-pl.tasks:
			pl.run(t)
		case <-pl.stop:
			for {
				select {
				case t := <-pl.tasks:
					pl.run(t)
				default:
					return
				}
			}
		}
	}
}

// run stores the head of t's chain, then hands the chain's next window
// back to the queue behind what waits there (so models take turns), or,
// with the queue full, stores it here: a worker never blocks on the queue
// it drains.
func (pl *Pool) run(t *chainTask) {
	for {
		if !t.q.runHead(t.model) {
			return
		}
		select {
		case pl.tasks <- t:
			return
		default:
		}
	}
}

// chainTask is one model's chain of a partition, in the pool's queue.
type chainTask struct {
	q     *inflight
	model string
}

// closing is a closed window handed over, with the time it closed at on
// the partition's clock (now: versions come from it) and on the process's
// own (at: for the latency metric).
type closing struct {
	w   *drift.WindowSummary
	now time.Time
	at  time.Time
}

// inflight is one partition's windows handed to the pool and not yet
// stored.
type inflight struct {
	p     *Partition
	pool  *Pool
	ctx   context.Context // the windows' own: Close cancels it
	abort context.CancelFunc
	slots chan struct{}

	mu      sync.Mutex
	chains  map[string][]closing
	pending int
	drained chan struct{} // closed while pending == 0
	err     error         // the first window that could not be stored
}

func newInflight(p *Partition, pool *Pool) *inflight {
	ctx, cancel := context.WithCancel(context.Background())
	q := &inflight{p: p, pool: pool, ctx: ctx, abort: cancel, slots: make(chan struct{}, pool.perPartition),
		chains: map[string][]closing{}, drained: make(chan struct{})}
	close(q.drained)
	return q
}

// submit hands a closed window to the pool, waiting for room.
func (q *inflight) submit(ctx context.Context, c closing) error {
	if err := q.failed(); err != nil {
		return err
	}
	m := q.p.pl.cfg.Metrics
	select {
	case q.slots <- struct{}{}:
	default:
		m.poolWaits.Inc()
		select {
		case q.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.inFlight.Inc()
	q.mu.Lock()
	if q.pending == 0 {
		q.drained = make(chan struct{})
	}
	q.pending++
	model := c.w.Model
	q.chains[model] = append(q.chains[model], c)
	head := len(q.chains[model]) == 1
	q.mu.Unlock()
	if !head {
		return nil // the chain's worker stores it after the ones before
	}
	t := &chainTask{q: q, model: model}
	select {
	case q.pool.tasks <- t:
		return nil
	case <-ctx.Done():
		// The window is handed over and must be accounted for: its own
		// context, not the caller's, decides whether it is stored.
		go q.pool.run(t)
		return ctx.Err()
	}
}

// runHead stores the head of model's chain and reports whether the chain
// has another window.
func (q *inflight) runHead(model string) bool {
	q.mu.Lock()
	c := q.chains[model][0]
	q.mu.Unlock()
	err := q.p.store(q.ctx, c)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil && q.err == nil {
		q.err = err
	}
	rest := q.chains[model][1:]
	if len(rest) == 0 {
		delete(q.chains, model)
	} else {
		q.chains[model] = rest
	}
	q.pending--
	q.p.pl.cfg.Metrics.inFlight.Dec()
	if q.pending == 0 {
		close(q.drained)
	}
	<-q.slots
	return len(rest) > 0
}

func (q *inflight) failed() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// wait returns once every window handed over is stored, with the first
// error of those that could not be.
func (q *inflight) wait(ctx context.Context) error {
	q.mu.Lock()
	drained := q.drained
	q.mu.Unlock()
	select {
	case <-drained:
	case <-ctx.Done():
		return ctx.Err()
	}
	return q.failed()
}

// close stops the windows still in flight (they replay from the last
// checkpoint) and waits for them to end.
func (q *inflight) close() {
	q.abort()
	q.mu.Lock()
	drained := q.drained
	q.mu.Unlock()
	<-drained
}

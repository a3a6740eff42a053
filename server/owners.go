package server

import "sync"

// owners is the set of models this instance's partitions hold: the
// pipeline takes and releases them (pipeline.Owners), the dispatcher asks
// it before sending (alerting.Owner), so that of the instances in one
// consumer group only a model's owner sends its notifications.
type owners struct {
	mu sync.Mutex
	// n counts the partitions holding each model: events are keyed by
	// model, but a producer with its own partitioner can spread one model
	// over two, and releasing one must not disown the other.
	n map[string]int
	// taken hears of each model this instance did not own before (the
	// dispatcher's WakeAll): entries its previous owner left pending are
	// sent now, not when the model's next window closes.
	taken func()
	// released hears of each model this instance no longer owns (the
	// alerting engine's Forget).
	released func(model string)
}

func newOwners() *owners { return &owners{n: map[string]int{}} }

func (o *owners) Take(model string) {
	o.mu.Lock()
	o.n[model]++
	first := o.n[model] == 1
	taken := o.taken
	o.mu.Unlock()
	if first && taken != nil {
		taken()
	}
}

func (o *owners) Release(model string) {
	o.mu.Lock()
	last := o.n[model] == 1
	if o.n[model] <= 1 {
		delete(o.n, model)
	} else {
		o.n[model]--
	}
	released := o.released
	o.mu.Unlock()
	if last && released != nil {
		released(model)
	}
}

func (o *owners) Owns(model string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[model] > 0
}

// onTake sets what hears of newly owned models, before the pipeline runs.
func (o *owners) onTake(f func()) {
	o.mu.Lock()
	o.taken = f
	o.mu.Unlock()
}

// onRelease sets what hears of models no longer owned, before the pipeline
// runs.
func (o *owners) onRelease(f func(model string)) {
	o.mu.Lock()
	o.released = f
	o.mu.Unlock()
}

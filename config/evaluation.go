package config

import "runtime"

// EvaluationConfig is the `evaluation` section: the pool of workers that
// evaluate and store closed windows while the partitions read on.
type EvaluationConfig struct {
	// Workers evaluate windows at once, across every partition and model;
	// default the number of CPUs the process may use.
	Workers int `yaml:"workers"`
	// MaxInFlight bounds the closed windows one partition has handed to
	// the workers and not yet stored; a partition that reaches it waits.
	// Default 4 x workers.
	MaxInFlight int `yaml:"max_in_flight"`
}

func (e *EvaluationConfig) fillDefaults() {
	if e.Workers == 0 {
		e.Workers = runtime.GOMAXPROCS(0)
	}
	if e.MaxInFlight == 0 {
		e.MaxInFlight = 4 * e.Workers
	}
}

func (e *EvaluationConfig) validate(v *validator) {
	if e.Workers < 0 {
		v.errorf("evaluation.workers", "must be positive, got %d", e.Workers)
	}
	if e.MaxInFlight < 0 {
		v.errorf("evaluation.max_in_flight", "must be positive, got %d", e.MaxInFlight)
	}
	e.fillDefaults()
}

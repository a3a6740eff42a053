// Package pipeline runs what happens to a partition's records after they
// are decoded: predictions go into windows; a closed window is evaluated
// against its reference, stored with its results, and published as
// metrics; labels and the raw prediction log are stored; and checkpoints
// make all of it durable before the consumer commits offsets.
//
// It owns small interfaces for the stages it drives (Windows, Store,
// Evaluator) and imports only drift and retry; cmd/driftmon wires the
// window, storage and detectors packages into it.
package pipeline

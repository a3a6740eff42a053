// Package monitor is the one place where a model's config becomes its
// run-time objects: its window spec, its drift and quality policies, the
// Source of its reference (a file read once at start, a pinned range of
// stored windows, or each window's predecessor), its label side, and the
// Evaluator that compares each closed window with its reference for the
// pipeline.
//
// A Source owns its resolution: a file reference is fixed at start; a
// pinned range is read from storage once it has passed; a previous-window
// reference is the newest window known to be durable, or storage's answer
// when that is not the immediate predecessor (after a restart or a
// rebalance).
package monitor

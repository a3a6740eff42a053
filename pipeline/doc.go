// Package pipeline runs what happens to a partition's records after they
// are decoded: predictions go into windows; a closed window is evaluated
// against its reference, stored with its results, and published as
// metrics; labels and the raw prediction log are stored; and checkpoints
// make all of it durable before the consumer commits offsets.
//
// It owns small interfaces for the stages it drives (Windows, Store,
// Evaluator, LabelSide and the label side's Joiner and StreamDetectors),
// each declaring every method the pipeline calls, and imports of
// driftmon's packages only drift, retry and labels/join (the join's
// nouns); server wires window, storage, monitor and labels into it.
package pipeline

// Package drift holds the nouns every stage of driftmon shares: the decoded
// prediction and label events, the per-window feature summaries, the model's
// reference, and the results detectors produce.
//
// It is the leaf of the dependency graph: stage packages (ingest, window,
// storage, detectors, alerting) meet only through these types and through
// small interfaces owned by whoever consumes them. It must import nothing of
// driftmon's except the sketch package, whose types a summary embeds.
package drift

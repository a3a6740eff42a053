// Package reference builds a model's drift.Reference: the summaries every
// window is compared with, and whose numeric bin edges (the reference's
// deciles, as in ../shared/oracle/reference.py) fix the bins of every window
// of the model.
//
// A reference comes from a file or from stored window summaries (a pinned
// production window range, or the previous window), merged. A file is a
// training set, CSV or Parquet, and Load reads it once, through table: the
// feature and prediction summaries, and the outcomes (prediction, label,
// class probabilities) the label side needs, in the same pass. Building
// from a file is exact: edges, bin counts and moments are over every
// value, and the sample holds every value up to MaxExactValues.
//
// It imports only drift (and, through it, sketch) and table. It must not
// import storage, detectors, ingest, window or anything that talks to Kafka
// or ClickHouse: callers load window summaries and hand them in.
package reference

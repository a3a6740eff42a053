// Package embedded is a storage.Store in pure Go on local disk, for `driftmon
// demo` and one-machine use: nothing to install, the same contract as the
// ClickHouse store (storage/storagetest runs against both).
//
// Each table is an append-only file of JSON lines in the store's directory
// (window_summaries.jsonl, drift_results.jsonl, window_checkpoints.jsonl,
// predictions.jsonl, labels.jsonl, labelled.jsonl, detections.jsonl, and
// alerting's). Every write call appends its lines in one write and fsyncs
// before returning, so a returned write survives a crash. Open loads every
// file into memory, newest version per key; a torn last line (a crash
// mid-write) is dropped and cut off, while a bad line followed by others is
// corruption and fails Open. A file whose replaced lines outnumber its live
// ones is compacted (rewritten aside, then renamed). Retention
// (DropPartitionsBefore) drops the rows of whole months by the time
// ClickHouse partitions each table by, and rewrites the file without them
// the same way. Everything live is held in memory, the raw prediction and
// label logs included, which bounds the store to one machine's worth of
// data.
//
// Of driftmon's packages it imports only drift, storage and storage's
// internal codec (and sketch through them).
package embedded

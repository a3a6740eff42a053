// Package storage is the contract between driftmon's pipeline and its
// stores: what a store keeps (window summaries, drift results, partition
// checkpoints, the raw prediction and label logs) and how it answers. Two
// stores implement it, storage/clickhouse for production and
// storage/embedded for one machine; storage/storagetest is the contract
// suite both pass.
//
// Writes are idempotent: a row written again under the same key with a newer
// version replaces the older one, so a replay after a crash is harmless.
// Outages surface as errors wrapping ErrUnavailable, which callers retry with
// backoff; every other error is permanent.
//
// It imports only drift and sketch of driftmon's packages; stage packages
// (ingest, window, detectors, alerting) import it, never the reverse.
package storage

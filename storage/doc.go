// Package storage is the contract between driftmon and its stores: what a
// store keeps (window summaries, drift results, partition checkpoints, the
// raw prediction and label logs, the label side's rows, alerting's state)
// and how it answers. Store is the whole contract, composed of named parts
// (WindowStore, CheckpointStore, RawLog, LabelStore, AlertStore,
// Retention) that callers may ask for alone. Two stores implement all of
// it, checked at compile time: storage/clickhouse for production and
// storage/embedded for one machine; storage/storagetest is the contract
// suite both pass.
//
// Writes are idempotent: a row written again under the same key with a newer
// version replaces the older one, so a replay after a crash is harmless.
// Outages surface as errors wrapping ErrUnavailable, which callers retry with
// backoff; every other error is permanent.
//
// Of driftmon's packages it imports only drift (and sketch through drift).
// The stages do not import it: pipeline, monitor, labels (and its join)
// and alerting declare the small interfaces they use, which a Store
// satisfies, and use storage only in their tests. Outside storage's own
// packages, only server (which opens a store and wires it in) and web
// (which reads it with storage's queries and errors) import it.
package storage

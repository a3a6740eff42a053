// Package window cuts one partition's prediction stream into tumbling
// windows per model, by event time or by count, and keeps one mergeable
// summary per feature for each open window.
//
// A Windower is a deterministic state machine: events and clock ticks in,
// closed windows out. Its state (open windows, watermarks) snapshots to
// bytes and restores, which is how a checkpoint lets a restart resume
// without losing or double-counting events. It knows nothing of Kafka or
// storage and imports only drift.
package window

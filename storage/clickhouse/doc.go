// Package clickhouse is the production storage.Store: ClickHouse over the
// native protocol (clickhouse-go v2.25.0), on 18.16 as on current releases.
//
// Every table is a ReplacingMergeTree(version), partitioned by month where
// it has a time, so a replayed or rewritten row (same key, newer version)
// replaces the old one and retention drops whole months
// (DropPartitionsBefore; 18.16 has no TTL). Readers use FINAL, or ORDER BY
// version DESC LIMIT 1 BY the key (labels.go says why). Rows go in with
// PrepareBatch/Append/Send, one batch per table per call, never an INSERT
// through Exec (it hangs on 18.16); each table's columns are named once, in
// columns.go, for its INSERT and its SELECTs. Model and feature names are
// bound as parameters; the database name, the one identifier spliced into
// SQL, is checked against [A-Za-z0-9_]+. The schema is applied as numbered
// migrations at Open (see migrations.go for how to add one).
//
// Outages (refused or broken connections, timeouts, an overloaded server)
// come back wrapping storage.ErrUnavailable, with the address and never the
// password; errors of the request itself do not.
//
// Of driftmon's packages it imports only drift, storage and storage's
// internal codec (and sketch through them).
package clickhouse

// Package server is the driftmon service: Run wires, under one errgroup,
// the HTTP side (web), storage (ClickHouse or the embedded store, retried
// with backoff until it answers), the consumer group (ingest) feeding the
// pipeline, the monitored models (monitor) as the pipeline's evaluator,
// the label side (labels), alerting (the rule engine as a pipeline
// observer, the dispatcher beside the consumer) and retention, and stops
// them together when its context ends.
//
// Ownership: the instance whose partitions hold a model is the only one
// that writes its windows and sends its notifications; owners tracks the
// models the partitions take and release, and the dispatcher asks it
// before sending.
//
// Tests that run one service for their whole length use servertest.Start;
// those that stop and restart instances call Run themselves.
package server

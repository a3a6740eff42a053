// Package alerting will turn stored results into notifications: rules with
// pending, firing and resolved states, grouping per model and window, and
// receivers (Slack, signed webhooks, retraining webhooks) behind a durable
// outbox. It consumes drift.Result values only and must not import the
// ingest, window or storage packages; cmd/driftmon wires it in as a
// pipeline.Observer.
//
// Nothing is implemented here yet: closed windows are visible through the
// drift_results table, the Prometheus gauges and the HTTP API meanwhile.
package alerting

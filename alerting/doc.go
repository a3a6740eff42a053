// Package alerting turns each window's drift results into notifications,
// in stages as Alertmanager does: rules with pending, firing and resolved
// states (for and keep_firing_for, so that a feature hovering at its
// threshold does not flap); grouping, one message per receiver, model and
// window; silences; a durable outbox; and a dispatcher that retries with
// backoff. Receivers (Slack, signed webhooks, retraining webhooks) each
// implement Notifier and know nothing of retries. With several instances
// in one consumer group, the dispatcher sends only the entries of the
// models this instance owns (an Owner says which), asking again before each
// retry, so that a notification is sent by one instance, not by each.
//
// It consumes drift values and the small storage interfaces it declares
// (Store, with the silences, and Outbox); it must not import the ingest,
// window or storage packages. Its rules come from config, which parses and
// checks them; what a rule's condition means for a result (the number it
// reads, the comparison) is decided here (conditionOn), and detectors
// names the dataset row that drifted_share reads. server wires it in
// as a pipeline.Observer.
package alerting

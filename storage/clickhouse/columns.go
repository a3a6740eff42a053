package clickhouse

// Each table's row, named once: the columns its INSERT binds and its
// readers scan, in the order both follow. Where readers take less than
// the whole row, the list they read (<table>Columns) is the shared part,
// and the INSERT (<table>WriteColumns) adds what only writing binds: the
// key the readers filter on, and the DateTime copies of exact times that
// partition the table. The schema itself is migrations.go's.

// window_summaries: one row per codec.Feature, repeating the window's own
// fields.
const (
	featureColumns = `role, feature, kind, count, missing, invalid, sum, sum_sq, min, max,
	edges, bin_counts, category_names, category_counts, max_categories,
	sketch, sample, sample_seen, sample_cap, sample_rng`
	windowColumns      = `model_version, seq, start_ns, end_ns, events, late, ` + featureColumns + `, version`
	windowWriteColumns = `model, window_start, window_end, position, ` + windowColumns
)

// drift_results, and drift_result_meta under the same key.
const (
	resultKeyColumns = `model, model_version, family, feature, method, window_start`
	resultColumns    = resultKeyColumns + `, window_end,
	statistic, p_value, threshold, drifted, decision, threshold_source, n_reference, n_current, version`
	metaColumns      = resultKeyColumns + `, window_seq, decision`
	metaWriteColumns = metaColumns + `, version`
)

// window_checkpoints.
const (
	checkpointColumns      = `kafka_offset, state, version`
	checkpointWriteColumns = `group_id, topic, kafka_partition, ` + checkpointColumns
)

// predictions and labels, the raw logs.
const (
	predictionColumns      = `model_version, id, time_ns, output, window_seq, body, topic, kafka_partition, kafka_offset`
	predictionWriteColumns = `model, event_time, version, ` + predictionColumns
	labelColumns           = `id, time_ns, label, body, topic, kafka_partition, kafka_offset`
	labelWriteColumns      = `model, event_time, version, ` + labelColumns
)

// labelled and detections, the label side.
const (
	labelledColumns = `model_version, id, pred_ns, label_ns,
	output, score, probs, label, signals, label_partition, label_offset, version`
	labelledWriteColumns  = `model, window_seq, pred_time, label_time, ` + labelledColumns
	detectionColumns      = `model_version, detector, kind, event_index, event_time, version`
	detectionWriteColumns = `model, ` + detectionColumns
)

// alerts, alert_states, notifications and silences, alerting's tables.
const (
	alertColumns = `rule, fingerprint, model, model_version, family, feature, method,
	state, severity, value, started_at, updated_at, fired_at, resolved_at, message, receivers, version`
	alertStateColumns   = `key, state, version`
	notificationColumns = `id, receiver, created_at, status, attempts, last_error, response, payload, version`
	silenceColumns      = `id, matchers, starts_at, ends_at, created_by, comment, created_at, version`
)

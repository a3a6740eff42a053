package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Schema changes ship as numbered migrations, applied in order at Open and
// recorded in schema_migrations, each once.
//
// To change the schema, append a migration with the next number; never edit
// or renumber one that has shipped (databases in the field have recorded
// it). Statements name tables as {db}.table; {db} becomes the validated
// database name. The schema must run on ClickHouse 18.16 as on current
// releases: no TTL, DateTime64, Map, JSON, CODEC or LowCardinality, and no
// IF NOT EXISTS on ADD COLUMN, so add columns with addColumn, which asks
// system.columns first. Every step must be safe to run twice: two instances
// may start at once, and a crash between a step and its record replays it.
//
// Example:
//
//	{Version: 2, Name: "window summaries: reference id", Steps: []step{
//		addColumn("window_summaries", "reference_id", "String", "version"),
//	}},
var migrations = []migration{
	{Version: 1, Name: "base schema", Steps: []step{
		sql(`CREATE TABLE IF NOT EXISTS {db}.predictions (
			model String, model_version String, id String,
			event_time DateTime, time_ns Int64,
			output String, body String,
			topic String, kafka_partition Int32, kafka_offset Int64,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(event_time)
		ORDER BY (model, id, topic, kafka_partition, kafka_offset)`),

		sql(`CREATE TABLE IF NOT EXISTS {db}.labels (
			model String, id String,
			event_time DateTime, time_ns Int64,
			label String, body String,
			topic String, kafka_partition Int32, kafka_offset Int64,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(event_time)
		ORDER BY (model, id, topic, kafka_partition, kafka_offset)`),

		// One row per feature and one for the prediction (role), or one
		// role='window' row for a window with neither. Window-level fields
		// repeat on each row; start_ns/end_ns keep what DateTime rounds.
		sql(`CREATE TABLE IF NOT EXISTS {db}.window_summaries (
			model String, model_version String, seq Int64,
			window_start DateTime, window_end DateTime, start_ns Int64, end_ns Int64,
			events UInt64, late UInt64,
			role String, position UInt32, feature String, kind String,
			count UInt64, missing UInt64, invalid UInt64,
			sum Float64, sum_sq Float64, min Float64, max Float64,
			edges Array(Float64), bin_counts Array(UInt64),
			category_names Array(String), category_counts Array(UInt64), max_categories UInt32,
			sketch String,
			sample Array(Float64), sample_seen UInt64, sample_cap UInt32, sample_rng String,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(window_start)
		ORDER BY (model, model_version, seq, role, feature)`),

		sql(`CREATE TABLE IF NOT EXISTS {db}.window_checkpoints (
			group_id String, topic String, kafka_partition Int32,
			kafka_offset Int64, state String,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		ORDER BY (group_id, topic, kafka_partition)`),

		// Exactly DESIGN.md's DDL: Grafana and tests read this table.
		sql(`CREATE TABLE IF NOT EXISTS {db}.drift_results (
			model String, model_version String, family String,
			feature String,
			method String, window_start DateTime, window_end DateTime,
			statistic Float64, p_value Nullable(Float64), threshold Float64, drifted UInt8,
			n_reference UInt64, n_current UInt64, version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(window_start)
		ORDER BY (model, model_version, family, feature, method, window_start)`),

		// What drift.Result holds beyond drift_results' fixed shape: the
		// window's sequence number and which row is the feature's verdict.
		// Same key as drift_results, written with it.
		sql(`CREATE TABLE IF NOT EXISTS {db}.drift_result_meta (
			model String, model_version String, family String,
			feature String, method String, window_start DateTime,
			window_seq Int64, decision UInt8,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(window_start)
		ORDER BY (model, model_version, family, feature, method, window_start)`),

		// Alert history: one row per alert instance (rule and fingerprint
		// of its labels) and start; each state change rewrites the row with
		// a newer version.
		sql(`CREATE TABLE IF NOT EXISTS {db}.alerts (
			rule String, fingerprint String,
			model String, model_version String,
			family String, feature String, method String,
			state String, severity String, value Float64,
			started_at DateTime, updated_at DateTime, resolved_at Nullable(DateTime),
			message String,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(started_at)
		ORDER BY (rule, fingerprint, started_at)`),

		// Stream-detector signals (kind warning|drift).
		sql(`CREATE TABLE IF NOT EXISTS {db}.detections (
			model String, model_version String, detector String, kind String,
			event_index UInt64, event_time DateTime,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(event_time)
		ORDER BY (model, model_version, detector, event_index, kind)`),
	}},
	// What alerting must not lose across a restart (storage.AlertStore).
	{Version: 2, Name: "alerting: alert history columns, alert states, outbox, silences", Steps: []step{
		addColumn("alerts", "fired_at", "Nullable(DateTime)", "updated_at"),
		addColumn("alerts", "receivers", "Array(String)", "message"),
		// One JSON document per model version: every rule's alert
		// instances and the last window evaluated.
		sql(`CREATE TABLE IF NOT EXISTS {db}.alert_states (
			key String, state String, version UInt64
		) ENGINE = ReplacingMergeTree(version)
		ORDER BY key`),
		// The outbox: created_at never changes for an id, so every version
		// of an entry lands in the same partition.
		sql(`CREATE TABLE IF NOT EXISTS {db}.notifications (
			id String, receiver String, created_at DateTime,
			status String, attempts UInt32, last_error String, response String,
			payload String,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(created_at)
		ORDER BY id`),
		sql(`CREATE TABLE IF NOT EXISTS {db}.silences (
			id String, matchers String,
			starts_at DateTime, ends_at DateTime,
			created_by String, comment String, created_at DateTime,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		ORDER BY id`),
	}},
	// What the label join needs (storage.LabelStore).
	{Version: 3, Name: "labels: window seq of predictions, labelled rows", Steps: []step{
		// Rows logged before this migration read back as window -1, in no
		// window: their labels count as late rather than landing in a
		// window 0 that is not theirs.
		addColumn("predictions", "window_seq", "Int64 DEFAULT -1", "output"),
		// One row per prediction joined to its label, keyed by the window
		// the prediction was counted in. ReplacingMergeTree replaces only
		// within a partition, so the partition is a function of a value
		// that never changes for a key: the prediction's time is fixed
		// once the prediction is logged (a label's time is not: a
		// corrected label comes later, maybe in another month).
		// pred_ns/label_ns keep what DateTime rounds.
		sql(`CREATE TABLE IF NOT EXISTS {db}.labelled (
			model String, model_version String, window_seq Int64, id String,
			pred_time DateTime, pred_ns Int64, label_time DateTime, label_ns Int64,
			output String, score Float64, probs String, label String, signals UInt16,
			label_partition Int32, label_offset Int64,
			version UInt64
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(pred_time)
		ORDER BY (model, window_seq, id)`),
	}},
	// drift_results says by itself which row of a feature is its verdict
	// and where that row's threshold came from: a dashboard or a user's
	// SQL no longer needs drift_result_meta (still written, for the
	// window seq) or the policy to tell a verdict from a report.
	{Version: 4, Name: "drift_results: decision and threshold_source; reported rows not drifted", Steps: []step{
		addColumn("drift_results", "decision", "UInt8", "drifted"),
		addColumn("drift_results", "threshold_source", "String", "decision"),
		// The rows written before: decision from drift_result_meta
		// (written with every row since migration 1), and drifted = 0
		// on the covariate and prior rows that only report, as every
		// row written from now on (their statistic, p-value and
		// threshold still say what they measured). threshold_source
		// was never kept: it stays empty there. One mutation, so that
		// both assignments read the same old row; ClickHouse runs it in
		// the background on the parts that exist now, and rows written
		// later are not touched. Running it twice changes nothing.
		sql(`ALTER TABLE {db}.drift_results UPDATE
			decision = ` + verdictKeys + `,
			drifted = drifted AND (` + verdictKeys + ` OR family NOT IN ('covariate', 'prior'))
			WHERE decision = 0`),
	}},
}

// verdictKeys is true for a drift_results row that drift_result_meta marks
// as its feature's verdict. Part of migration 4: never to be edited.
const verdictKeys = `(model, model_version, family, feature, method, window_start) IN (
	SELECT model, model_version, family, feature, method, window_start
	FROM {db}.drift_result_meta FINAL WHERE decision = 1)`

// timePartitioned lists the tables partitioned by month, for retention.
var timePartitioned = []string{
	"predictions", "labels", "window_summaries", "drift_results", "drift_result_meta", "alerts", "detections",
	"notifications", "labelled",
}

type migration struct {
	Version uint32
	Name    string
	Steps   []step
}

// step is one idempotent schema change.
type step func(ctx context.Context, s *Store) error

// sql is a step of one statement.
func sql(stmt string) step {
	return func(ctx context.Context, s *Store) error {
		return s.conn.Exec(ctx, strings.ReplaceAll(stmt, "{db}", s.db))
	}
}

// addColumn adds a column unless it exists: 18.16 has no ADD COLUMN IF NOT
// EXISTS. after names the column it follows ("" for the end).
func addColumn(table, column, typ, after string) step {
	return func(ctx context.Context, s *Store) error {
		exists := func() (bool, error) {
			var n uint64
			err := s.conn.QueryRow(ctx,
				"SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?",
				s.db, table, column).Scan(&n)
			return n > 0, err
		}
		if ok, err := exists(); err != nil || ok {
			return err
		}
		if !identRE.MatchString(table) || !identRE.MatchString(column) || (after != "" && !identRE.MatchString(after)) {
			return fmt.Errorf("add column %q to %q: bad identifier", column, table)
		}
		stmt := fmt.Sprintf("ALTER TABLE %s.%s ADD COLUMN %s %s", s.db, table, column, typ)
		if after != "" {
			stmt += " AFTER " + after
		}
		err := s.conn.Exec(ctx, stmt)
		if err != nil {
			// Another instance starting at the same time may have added
			// it between the check and the ALTER: that is success.
			if ok, cerr := exists(); cerr == nil && ok {
				return nil
			}
		}
		return err
	}
}

// migrate creates schema_migrations and applies what it does not list.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations (
		version UInt32, name String, applied_at DateTime
	) ENGINE = ReplacingMergeTree() ORDER BY version`, s.db)); err != nil {
		return s.fail("create schema_migrations", err)
	}
	applied := make(map[uint32]bool)
	rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT version FROM %s.schema_migrations", s.db))
	if err != nil {
		return s.fail("read schema_migrations", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return s.fail("read schema_migrations", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.fail("read schema_migrations", err)
	}
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		for i, st := range m.Steps {
			if err := st(ctx, s); err != nil {
				return s.fail(fmt.Sprintf("migration %d (%s) step %d", m.Version, m.Name, i+1), err)
			}
		}
		err := s.insert(ctx, "schema_migrations", "version, name, applied_at", 1, func(_ int) []any {
			return []any{m.Version, m.Name, s.now().UTC().Truncate(time.Second)}
		})
		if err != nil {
			return s.fail(fmt.Sprintf("record migration %d", m.Version), err)
		}
		s.log.Info("clickhouse migration applied", "database", s.db, "version", m.Version, "name", m.Name)
	}
	return nil
}

package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ingest stage's Prometheus series.
type Metrics struct {
	ingested         *prometheus.CounterVec
	rejected         *prometheus.CounterVec
	rejectedByModel  *prometheus.CounterVec
	lag              *prometheus.GaugeVec
	commits          *prometheus.CounterVec
	restarts         *prometheus.CounterVec
	deadLetterErrors prometheus.Counter
	groupRejoins     prometheus.Counter
}

// NewMetrics registers the ingest metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_events_ingested_total",
			Help: "Records decoded and accepted, by topic.",
		}, []string{"topic"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_events_rejected_total",
			Help: "Records sent to the dead-letter topic, by reason.",
		}, []string{"reason"}),
		rejectedByModel: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_model_events_rejected_total",
			Help: "Records sent to the dead-letter topic whose key names a configured model, by model and reason (the rest count only in driftmon_events_rejected_total).",
		}, []string{"model", "reason"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_ingest_consumer_lag_messages",
			Help: "The partition's high watermark, asked of the broker every tick, minus the next offset the pipeline handles.",
		}, []string{"topic", "partition"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_ingest_offset_commits_total",
			Help: "Offset commits made after a durable checkpoint, by topic.",
		}, []string{"topic"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_ingest_partition_restarts_total",
			Help: "Partitions reopened from their checkpoint after an error, by topic.",
		}, []string{"topic"}),
		deadLetterErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "driftmon_ingest_dead_letter_errors_total",
			Help: "Failed writes to the dead-letter topic (each is retried).",
		}),
		groupRejoins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "driftmon_ingest_group_rejoins_total",
			Help: "Times the consumer group failed (a broker away, the group's coordinator lost) and was joined again.",
		}),
	}
	for _, r := range Reasons() {
		m.rejected.WithLabelValues(string(r))
	}
	reg.MustRegister(m.ingested, m.rejected, m.rejectedByModel, m.lag, m.commits, m.restarts, m.deadLetterErrors, m.groupRejoins)
	return m
}

package pipeline

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/driftmon/driftmon/drift"
)

// Metrics are the pipeline's Prometheus series. By default only the
// decision method's statistic is exported per feature, so a thousand models
// of a hundred features stay scrapeable; AllMethods exports every method.
type Metrics struct {
	AllMethods bool

	windows        *prometheus.CounterVec
	late           *prometheus.CounterVec
	events         *prometheus.CounterVec
	statistic      *prometheus.GaugeVec
	threshold      *prometheus.GaugeVec
	drifted        *prometheus.GaugeVec
	share          *prometheus.GaugeVec
	lastWindow     *prometheus.GaugeVec
	storageErrors  *prometheus.CounterVec
	evalErrors     *prometheus.CounterVec
	evalRetries    *prometheus.CounterVec
	windowsRefused *prometheus.CounterVec
	// The evaluation pool: windows handed over and not yet stored, and
	// hand-overs that waited for room (the workers are the bottleneck).
	inFlight  prometheus.Gauge
	poolWaits prometheus.Counter
	// partition says which partition holds a model here: the lag of its
	// records is that partition's lag.
	partition *prometheus.GaugeVec
	// closeLatency is how long a closed window took to be durable with
	// its results, from the moment it closed (wall time).
	closeLatency prometheus.Histogram

	// Quality: per feature, the number of its checks that failed; per
	// model and check, the number of features failing it; the measured
	// values of the window-level checks (and, with AllMethods, of every
	// check). Failures stay countable at any cardinality.
	qualityFailedChecks *prometheus.GaugeVec
	qualityFailures     *prometheus.GaugeVec
	qualityValue        *prometheus.GaugeVec
	freshness           *prometheus.GaugeVec

	// The label side: what became of each label, the labels waiting for
	// their prediction, the window performance and the stream detectors'
	// signals.
	labels      *prometheus.CounterVec
	waiting     prometheus.Gauge
	performance *prometheus.GaugeVec
	detections  *prometheus.CounterVec
}

// qualityChecks are the methods of family quality, for the
// per-check gauges to start at zero.
var qualityChecks = []string{"missing_share", "invalid_share", "out_of_range_share", "new_category_share",
	"constant_share", "mean_shift", "reference_unstable", "schema_violations", "duplicate_ids", "volume", "freshness_seconds",
	"late_share"}

// NewMetrics registers the pipeline metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		windows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_windows_closed_total",
			Help: "Windows closed, evaluated and stored, by model.",
		}, []string{"model"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "driftmon_evaluation_in_flight",
			Help: "Closed windows handed to the evaluation workers and not yet stored.",
		}),
		poolWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "driftmon_evaluation_waits_total",
			Help: "Closed windows whose partition waited for room among the windows in flight (evaluation.max_in_flight): the workers fall behind.",
		}),
		partition: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_model_partition",
			Help: "1 for the partition of the predictions topic that holds a model's records on this instance (its lag is driftmon_ingest_consumer_lag_messages of that partition).",
		}, []string{"model", "topic", "partition"}),
		closeLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "driftmon_window_store_seconds",
			Help:    "From a window's close to its summary and results being durable (evaluation, queueing for a worker and the write), wall time.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		late: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_events_late_total",
			Help: "Predictions that arrived after their window had closed (counted, not summarised).",
		}, []string{"model"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_window_events_total",
			Help: "Predictions summarised in closed windows, by model.",
		}, []string{"model"}),
		statistic: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_drift_statistic",
			Help: "Latest window's drift statistic per feature and method (the decision method's by default).",
		}, []string{"model", "family", "feature", "method"}),
		threshold: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_drift_threshold",
			Help: "Threshold the latest statistic was compared with.",
		}, []string{"model", "family", "feature", "method"}),
		drifted: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_drift_drifted",
			Help: "1 when the feature's verdict in the latest window is drift, else 0.",
		}, []string{"model", "family", "feature"}),
		share: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_drift_dataset_drifted_share",
			Help: "Share of the model's features drifted in the latest window.",
		}, []string{"model"}),
		lastWindow: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_window_last_end_timestamp_seconds",
			Help: "End (event time) of the model's latest closed window.",
		}, []string{"model"}),
		storageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_storage_write_errors_total",
			Help: "Failed storage writes (each is retried), by operation.",
		}, []string{"op"}),
	}
	m.evalErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "driftmon_evaluation_errors_total",
		Help: "Windows stored without results because their reference can never be built, by model.",
	}, []string{"model"})
	m.evalRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "driftmon_evaluation_retries_total",
		Help: "Failed window evaluations (a reference read from storage failed), each retried, by model.",
	}, []string{"model"})
	m.windowsRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "driftmon_windows_refused_total",
		Help: "Closed windows storage refused as invalid (not retried, not stored), by model.",
	}, []string{"model"})
	m.qualityFailedChecks = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "driftmon_quality_failed_checks",
		Help: "Quality checks the feature failed in the latest window (feature \"\" for the window's own checks).",
	}, []string{"model", "feature"})
	m.qualityFailures = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "driftmon_quality_failures",
		Help: "Features that failed the quality check in the latest window (1 or 0 for the window's own checks).",
	}, []string{"model", "check"})
	m.qualityValue = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "driftmon_quality_value",
		Help: "Measured value of a quality check in the latest window: the window's own checks, and every check with metrics.all_methods.",
	}, []string{"model", "feature", "check"})
	m.freshness = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "driftmon_quality_freshness_seconds",
		Help: "Wall-clock seconds since the model's last event, updated on every tick even when no window closes.",
	}, []string{"model"})
	m.labels = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "driftmon_labels_total",
		Help: "Labels by what became of them: joined, late (beyond the model's label_delay), duplicate (the prediction had one), unmatched (no prediction found in time), own (carried by the prediction).",
	}, []string{"model", "outcome"})
	m.waiting = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "driftmon_labels_waiting",
		Help: "Labels waiting for their prediction to arrive, across this instance's label partitions.",
	})
	m.performance = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "driftmon_concept_performance",
		Help: "Latest updated window's realised (or, for cbpe_*, estimated) performance, by model and metric.",
	}, []string{"model", "method"})
	m.detections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "driftmon_concept_detections_total",
		Help: "Stream concept-drift detector signals, by model, detector and kind (warning or drift).",
	}, []string{"model", "detector", "kind"})
	for _, op := range []string{"window", "checkpoint", "predictions", "labels", "labelled", "detections"} {
		m.storageErrors.WithLabelValues(op)
	}
	reg.MustRegister(m.windows, m.inFlight, m.poolWaits, m.closeLatency, m.partition, m.late, m.events, m.statistic, m.threshold, m.drifted, m.share, m.lastWindow, m.storageErrors,
		m.evalErrors, m.evalRetries, m.windowsRefused, m.qualityFailedChecks, m.qualityFailures, m.qualityValue, m.freshness,
		m.labels, m.waiting, m.performance, m.detections)
	return m
}

func (m *Metrics) window(w *drift.WindowSummary, results []drift.Result) {
	m.windows.WithLabelValues(w.Model).Inc()
	m.events.WithLabelValues(w.Model).Add(float64(w.Events))
	m.lastWindow.WithLabelValues(w.Model).Set(float64(w.End.Unix()))
	m.results(w.Model, results)
}

// results exports a window's results: those of a closed window, or those
// written later for it (late labels).
func (m *Metrics) results(model string, results []drift.Result) {
	failures := map[string]int{}
	failedChecks := map[string]int{}
	for _, r := range results {
		if r.Family == drift.Quality {
			if _, ok := failedChecks[r.Feature]; !ok {
				failedChecks[r.Feature] = 0
			}
			if r.Drifted {
				failures[r.Method]++
				failedChecks[r.Feature]++
			}
			if r.Feature == "" || m.AllMethods {
				m.qualityValue.WithLabelValues(r.Model, r.Feature, r.Method).Set(r.Statistic)
			}
			continue
		}
		if r.Family == drift.Dataset && r.Method == "drifted_share" {
			m.share.WithLabelValues(r.Model).Set(r.Statistic)
			continue
		}
		if r.Family == drift.Concept && r.Feature == "" {
			// Model-level performance: a handful of series per model.
			m.performance.WithLabelValues(r.Model, r.Method).Set(r.Statistic)
		}
		if r.Decision || m.AllMethods {
			m.statistic.WithLabelValues(r.Model, string(r.Family), r.Feature, r.Method).Set(r.Statistic)
			m.threshold.WithLabelValues(r.Model, string(r.Family), r.Feature, r.Method).Set(r.Threshold)
		}
		if r.Decision {
			m.drifted.WithLabelValues(r.Model, string(r.Family), r.Feature).Set(b2f(r.Drifted))
		}
	}
	if len(failedChecks) > 0 {
		for _, c := range qualityChecks {
			if c != "freshness_seconds" {
				m.qualityFailures.WithLabelValues(model, c).Set(float64(failures[c]))
			}
		}
		for f, n := range failedChecks {
			m.qualityFailedChecks.WithLabelValues(model, f).Set(float64(n))
		}
	}
}

// fresh reports how long a model has been silent, and whether that fails
// its freshness limit.
func (m *Metrics) fresh(model string, silent float64, failed bool) {
	m.freshness.WithLabelValues(model).Set(silent)
	m.qualityFailures.WithLabelValues(model, "freshness_seconds").Set(b2f(failed))
}

// dropModel forgets a model's series when its partition moves away.
func (m *Metrics) dropModel(model string) {
	l := prometheus.Labels{"model": model}
	for _, v := range []*prometheus.GaugeVec{m.partition, m.statistic, m.threshold, m.drifted, m.share, m.lastWindow,
		m.qualityFailedChecks, m.qualityFailures, m.qualityValue, m.freshness, m.performance} {
		v.DeletePartialMatch(l)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

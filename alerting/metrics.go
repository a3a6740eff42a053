package alerting

import "github.com/prometheus/client_golang/prometheus"

// Results of a delivery attempt, the bounded values of the result label.
const (
	resultSent    = "sent"
	resultRetried = "retried"
	resultFailed  = "failed"
)

// Metrics are alerting's Prometheus series.
type Metrics struct {
	notifications *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	firing        *prometheus.GaugeVec
}

// NewMetrics registers alerting's series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftmon_notifications_total",
			Help: "Delivery attempts by receiver and result (sent, retried, failed: refused for good).",
		}, []string{"receiver", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "driftmon_notification_latency_seconds",
			Help:    "Duration of one delivery attempt to a receiver.",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 9),
		}, []string{"receiver"}),
		firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driftmon_alerts_firing",
			Help: "Alerts currently firing, by model and rule.",
		}, []string{"model", "rule"}),
	}
	reg.MustRegister(m.notifications, m.latency, m.firing)
	return m
}

// initReceiver starts a receiver's series at zero.
func (m *Metrics) initReceiver(name string) {
	for _, r := range []string{resultSent, resultRetried, resultFailed} {
		m.notifications.WithLabelValues(name, r)
	}
	m.latency.WithLabelValues(name)
}

// Notifications is driftmon_notifications_total, for tests.
func (m *Metrics) Notifications() *prometheus.CounterVec { return m.notifications }

// Firing is driftmon_alerts_firing, for tests.
func (m *Metrics) Firing() *prometheus.GaugeVec { return m.firing }

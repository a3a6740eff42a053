package web

import (
	"slices"
	"sort"
	"strconv"

	dto "github.com/prometheus/client_model/go"

	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/drift"
)

// viewQuality is the chosen window's data-quality results, as the
// pipeline stored them (family quality in drift_results).
type viewQuality struct {
	Seq            int64
	Events, Late   uint64
	Checks, Failed int
	Rows           []viewCheck // failed first, then in stored order
}

// viewCheck is one quality row in words: what was measured and what it was
// held to, in the check's own unit.
type viewCheck struct {
	Feature, Check string
	Value, Limit   string
	Failed         bool
}

// Passed is how many checks passed.
func (q *viewQuality) Passed() int { return q.Checks - q.Failed }

// buildQuality turns the window's quality rows into the view's table.
func buildQuality(rows []drift.Result, w *drift.WindowSummary) *viewQuality {
	q := &viewQuality{Seq: w.Seq, Events: w.Events, Late: w.Late}
	for _, r := range rows {
		q.Checks++
		if r.Drifted {
			q.Failed++
		}
		q.Rows = append(q.Rows, qualityCheck(r))
	}
	sort.SliceStable(q.Rows, func(i, j int) bool { return q.Rows[i].Failed && !q.Rows[j].Failed })
	return q
}

// qualityCheck says a quality row in its check's unit: shares as
// percentages of the values they count, the mean's shift in reference
// standard deviations, the volume as a multiple of the expected events,
// counts whole, silence in seconds. The limits are detectors/quality's
// (see FeatureChecks and windowChecks there).
func qualityCheck(r drift.Result) viewCheck {
	c := viewCheck{Feature: r.Feature, Check: r.Method, Failed: r.Drifted}
	if c.Feature == "" {
		c.Feature = "(window)"
	}
	switch r.Method {
	case quality.MissingShare, quality.InvalidShare, quality.OutOfRangeShare, quality.NewCategoryShare,
		quality.ConstantShare, quality.LateShare:
		c.Value = formatPct(r.Statistic)
		if r.NCurrent > 0 {
			c.Value += " of " + strconv.FormatUint(r.NCurrent, 10)
		}
		c.Limit = "at most " + formatPct(r.Threshold)
	case quality.MeanShift:
		c.Value = formatNum(r.Statistic) + " σ"
		c.Limit = "at most " + formatNum(r.Threshold) + " σ"
	case quality.Volume:
		c.Value = formatNum(r.Statistic) + "× expected (" + strconv.FormatUint(r.NCurrent, 10) + " of " +
			strconv.FormatUint(r.NReference, 10) + ")"
		c.Limit = "within ±" + formatPct(r.Threshold)
	case quality.SchemaViolations, quality.DuplicateIDs:
		c.Value = formatNum(r.Statistic)
		c.Limit = "at most " + formatNum(r.Threshold)
	case quality.Freshness:
		c.Value = formatNum(r.Statistic) + " s without events"
		c.Limit = "at most " + formatNum(r.Threshold) + " s"
	default:
		c.Value, c.Limit = formatNum(r.Statistic), formatNum(r.Threshold)
	}
	return c
}

// The ingest metrics the view reads back from the process's registry:
// the service keeps no other record of them (storage holds windows, not
// the records that never made one).
const (
	metricRejected = "driftmon_events_rejected_total"
	metricLag      = "driftmon_ingest_consumer_lag_messages"
	metricLate     = "driftmon_events_late_total"
	metricRefused  = "driftmon_windows_refused_total"
	metricHolds    = "driftmon_model_partition"
	metricModelDL  = "driftmon_model_events_rejected_total"
)

// viewIngest is what this process knows of the records behind a model's
// windows: the dead letters by reason, those keyed with the model's name
// and those of every model this instance consumes (a dead-lettered record
// is often one whose model could not be read from its body); the lag per partition, with the partition that holds the model's
// records here marked and its lag the model's; and the model's own late
// events and refused windows. Counters start at zero with the process.
type viewIngest struct {
	Known       bool // the registry holds the ingest metrics
	DeadLetters float64
	Reasons     []viewCount // the reasons with records, most first
	// The dead letters keyed with the model's name, by reason.
	ModelDeadLetters float64
	ModelReasons     []viewCount
	Lag              []viewLag // by topic, then partition
	LagTotal         float64
	// HoldsModel: a partition of this instance holds the model's records;
	// ModelLag is their lag, once measured (HasModelLag).
	HoldsModel  bool
	ModelLag    float64
	HasModelLag bool
	Late        float64 // this model's
	Refused     float64 // this model's
}

type viewCount struct {
	Name  string
	Count float64
}

type viewLag struct {
	Topic, Partition string
	Lag              float64
	Model            bool // the partition holds the model's records
}

// ingestFigures reads the ingest metrics of model from the registry; a
// registry that cannot be read, or holds no ingest metrics (a view
// without a consumer), gives Known false.
func (s *Server) ingestFigures(model string) *viewIngest {
	in := &viewIngest{}
	if s.gatherer == nil {
		return in
	}
	mfs, err := s.gatherer.Gather()
	if err != nil {
		// Gather returns what it could read beside the error: use it.
		s.log.Warn("view: reading the metrics", "err", err)
	}
	in.fromFamilies(mfs, model)
	return in
}

func (in *viewIngest) fromFamilies(mfs []*dto.MetricFamily, model string) {
	label := func(m *dto.Metric, name string) string {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == name {
				return lp.GetValue()
			}
		}
		return ""
	}
	holds := map[[2]string]bool{} // topic, partition
	for _, mf := range mfs {
		if mf.GetName() != metricHolds {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label(m, "model") == model && m.GetGauge().GetValue() == 1 {
				holds[[2]string{label(m, "topic"), label(m, "partition")}] = true
				in.HoldsModel = true
			}
		}
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case metricRejected:
			in.Known = true
			for _, m := range mf.GetMetric() {
				if n := m.GetCounter().GetValue(); n > 0 {
					in.DeadLetters += n
					in.Reasons = append(in.Reasons, viewCount{Name: label(m, "reason"), Count: n})
				}
			}
		case metricLag:
			for _, m := range mf.GetMetric() {
				n := m.GetGauge().GetValue()
				l := viewLag{Topic: label(m, "topic"), Partition: label(m, "partition"), Lag: n}
				if l.Model = holds[[2]string{l.Topic, l.Partition}]; l.Model {
					in.ModelLag += n
					in.HasModelLag = true
				}
				in.Lag = append(in.Lag, l)
				in.LagTotal += n
			}
		case metricModelDL:
			for _, m := range mf.GetMetric() {
				if n := m.GetCounter().GetValue(); n > 0 && label(m, "model") == model {
					in.ModelDeadLetters += n
					in.ModelReasons = append(in.ModelReasons, viewCount{Name: label(m, "reason"), Count: n})
				}
			}
		case metricLate, metricRefused:
			for _, m := range mf.GetMetric() {
				if label(m, "model") != model {
					continue
				}
				if mf.GetName() == metricLate {
					in.Late = m.GetCounter().GetValue()
				} else {
					in.Refused = m.GetCounter().GetValue()
				}
			}
		}
	}
	sort.SliceStable(in.Reasons, func(i, j int) bool { return in.Reasons[i].Count > in.Reasons[j].Count })
	sort.SliceStable(in.ModelReasons, func(i, j int) bool { return in.ModelReasons[i].Count > in.ModelReasons[j].Count })
	slices.SortFunc(in.Lag, func(a, b viewLag) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		pa, _ := strconv.Atoi(a.Partition)
		pb, _ := strconv.Atoi(b.Partition)
		return pa - pb
	})
}

package embedded

import (
	"bytes"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/internal/codec"
)

// The line formats of the tables. Each is self-contained: its key and
// version are in it, so loading needs nothing but the line.

type windowKey struct {
	model, modelVersion string
	seq                 int64
}

type windowRec struct {
	Version      uint64          `json:"version"`
	Model        string          `json:"model"`
	ModelVersion string          `json:"model_version"`
	Seq          int64           `json:"seq"`
	Start        time.Time       `json:"start"`
	End          time.Time       `json:"end"`
	Events       uint64          `json:"events"`
	Late         uint64          `json:"late"`
	Rows         []codec.Feature `json:"rows"`
}

func (r windowRec) key() windowKey { return windowKey{r.Model, r.ModelVersion, r.Seq} }
func (r windowRec) ver() uint64    { return r.Version }

func (r windowRec) summary() (*drift.WindowSummary, error) {
	w := &drift.WindowSummary{
		Model: r.Model, ModelVersion: r.ModelVersion, Seq: r.Seq,
		Start: r.Start.UTC(), End: r.End.UTC(), Events: r.Events, Late: r.Late,
	}
	if err := codec.Attach(w, r.Rows); err != nil {
		return nil, err
	}
	return w, nil
}

type resultRec struct {
	Version      uint64       `json:"version"`
	Model        string       `json:"model"`
	ModelVersion string       `json:"model_version"`
	Family       string       `json:"family"`
	Feature      string       `json:"feature"`
	Method       string       `json:"method"`
	WindowSeq    int64        `json:"window_seq"`
	Start        int64        `json:"window_start"` // Unix seconds
	End          int64        `json:"window_end"`
	Statistic    codec.Float  `json:"statistic"`
	PValue       *codec.Float `json:"p_value"`
	Threshold    codec.Float  `json:"threshold"`
	Drifted      bool         `json:"drifted"`
	Decision     bool         `json:"decision"`
	// Lines written before results kept their threshold's origin have
	// none: they load with "", as ClickHouse reads its rows from then.
	ThresholdSource string `json:"threshold_source,omitempty"`
	NReference      uint64 `json:"n_reference"`
	NCurrent        uint64 `json:"n_current"`
}

func (r resultRec) key() codec.ResultKey {
	return codec.ResultKey{Model: r.Model, ModelVersion: r.ModelVersion, Family: r.Family, Feature: r.Feature, Method: r.Method, Start: r.Start}
}
func (r resultRec) ver() uint64 { return r.Version }

func newResultRec(r drift.Result, version uint64) resultRec {
	rec := resultRec{
		Version: version, Model: r.Model, ModelVersion: r.ModelVersion, Family: string(r.Family),
		Feature: r.Feature, Method: r.Method, WindowSeq: r.WindowSeq,
		Start: r.WindowStart.Unix(), End: r.WindowEnd.Unix(),
		Statistic: codec.Float(r.Statistic), Threshold: codec.Float(r.Threshold),
		Drifted: r.Drifted && !r.ReportOnly(), Decision: r.Decision, ThresholdSource: r.ThresholdSource,
		NReference: r.NReference, NCurrent: r.NCurrent,
	}
	if r.PValue != nil {
		p := codec.Float(*r.PValue)
		rec.PValue = &p
	}
	return rec
}

func (r resultRec) result() drift.Result {
	out := drift.Result{
		Model: r.Model, ModelVersion: r.ModelVersion, Family: drift.Family(r.Family),
		Feature: r.Feature, Method: r.Method, WindowSeq: r.WindowSeq,
		WindowStart: time.Unix(r.Start, 0).UTC(), WindowEnd: time.Unix(r.End, 0).UTC(),
		Statistic: float64(r.Statistic), Threshold: float64(r.Threshold),
		Drifted: r.Drifted, Decision: r.Decision, ThresholdSource: r.ThresholdSource,
		NReference: r.NReference, NCurrent: r.NCurrent, Version: r.Version,
	}
	if r.PValue != nil {
		p := float64(*r.PValue)
		out.PValue = &p
	}
	// Lines written before reported rows stopped saying drifted read as
	// ClickHouse's rows from then do (its migration 4).
	out.Drifted = out.Drifted && !out.ReportOnly()
	return out
}

type checkpointKey struct {
	group, topic string
	partition    int
}

type checkpointRec struct {
	Group     string `json:"group"`
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	State     []byte `json:"state"`
	Version   uint64 `json:"version"`
}

func (r checkpointRec) key() checkpointKey { return checkpointKey{r.Group, r.Topic, r.Partition} }
func (r checkpointRec) ver() uint64        { return r.Version }

// rawKey identifies a raw-log record: a replay of the same Kafka record has
// the same key and replaces it.
type rawKey struct {
	model, id, topic string
	partition        int
	offset           int64
}

type predictionRec struct {
	Version      uint64    `json:"version"`
	Model        string    `json:"model"`
	ModelVersion string    `json:"model_version"`
	ID           string    `json:"id"`
	Time         time.Time `json:"time"`
	Output       string    `json:"output"`
	// Lines written before predictions carried their window have none:
	// they load as window -1 (none), as ClickHouse reads its rows from
	// then, so their labels count as late.
	WindowSeq *int64 `json:"window_seq,omitempty"`
	Body      []byte `json:"body"`
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

func (r predictionRec) key() rawKey { return rawKey{r.Model, r.ID, r.Topic, r.Partition, r.Offset} }
func (r predictionRec) ver() uint64 { return r.Version }

func (r predictionRec) record() storage.PredictionRecord {
	return storage.PredictionRecord{Model: r.Model, ModelVersion: r.ModelVersion,
		ID: r.ID, Time: r.Time, Output: r.Output, WindowSeq: windowSeq(r.WindowSeq), Body: bytes.Clone(r.Body),
		Source: drift.Source{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}}
}

func windowSeq(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

type labelRec struct {
	Version   uint64    `json:"version"`
	Model     string    `json:"model"`
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	Label     string    `json:"label"`
	Body      []byte    `json:"body"`
	Topic     string    `json:"topic"`
	Partition int       `json:"partition"`
	Offset    int64     `json:"offset"`
}

func (r labelRec) key() rawKey { return rawKey{r.Model, r.ID, r.Topic, r.Partition, r.Offset} }
func (r labelRec) ver() uint64 { return r.Version }

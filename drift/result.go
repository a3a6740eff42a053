package drift

import "time"

// Family groups results by the question they answer.
type Family string

const (
	Covariate Family = "covariate"
	Prior     Family = "prior"
	Concept   Family = "concept"
	Quality   Family = "quality"
	Dataset   Family = "dataset"
)

// Result is one row of drift_results: one statistic of one feature in one
// window. What Drifted means depends on the family:
//
//   - covariate and prior rows of a statistic: the feature's verdict, on
//     the row of its decision method (Decision true); every other method's
//     row is reported only and never drifted, though it keeps its
//     statistic, p-value and usual threshold (detectors.Flagged says
//     whether it is past them); prior rows bbse_* are reported only;
//   - dataset (drifted_share): the window's verdict, a decision row;
//   - quality: the check failed;
//   - concept: the metric crossed its threshold (accuracy, or mae, is the
//     decision row), a stream detector signalled drift in the window.
type Result struct {
	Model        string    `json:"model"`
	ModelVersion string    `json:"model_version"`
	Family       Family    `json:"family"`
	Feature      string    `json:"feature"`
	Method       string    `json:"method"`
	WindowSeq    int64     `json:"window_seq"`
	WindowStart  time.Time `json:"window_start"`
	WindowEnd    time.Time `json:"window_end"`
	Statistic    float64   `json:"statistic"`
	PValue       *float64  `json:"p_value"`
	Threshold    float64   `json:"threshold"`
	Drifted      bool      `json:"drifted"`
	// Decision marks the row whose Drifted is the feature's verdict (the
	// window's, on the dataset row).
	Decision bool `json:"decision"`
	// ThresholdSource says where a decision row's Threshold came from
	// when it is not the method's fixed one: "calibrated:sub_windows",
	// "calibrated:bootstrap", "calibrated:capped" or "fixed:fallback"
	// (detectors' Source constants), then "+bonferroni" or
	// "+bh" when a correction lowered it. Empty for a fixed threshold, and
	// on rows stored before drift_results had the column.
	ThresholdSource string `json:"threshold_source"`
	NReference      uint64 `json:"n_reference"`
	NCurrent        uint64 `json:"n_current"`
	// Version is the write time in Unix milliseconds: of two rows with the
	// same key, the newest wins.
	Version uint64 `json:"version"`
}

// ReportOnly reports whether r is a covariate or prior row other than its
// feature's decision row: a statistic reported beside the verdict, never
// drifted itself. The stores keep that true of every row they hold,
// whoever wrote it and when.
func (r Result) ReportOnly() bool {
	return !r.Decision && (r.Family == Covariate || r.Family == Prior)
}

// Checkpoint is the durable state of one consumed partition: the next offset
// to read and the open windows (an opaque encoding owned by the window
// package) that hold everything before it. Restoring a checkpoint and
// reading from Offset loses nothing and counts nothing twice.
type Checkpoint struct {
	Group     string `json:"group"`
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	State     []byte `json:"state"`
	Version   uint64 `json:"version"`
}

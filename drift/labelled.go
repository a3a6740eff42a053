package drift

import "time"

// LabelledRecord is one prediction joined to its true label: a row of the
// labelled table, from which a window's realised performance is computed.
// It is keyed by (Model, WindowSeq, ID): a label that arrives twice for one
// prediction rewrites the row, and the newest Version (the label's event
// time in Unix milliseconds) wins, so a replay is harmless and a corrected
// label replaces the first.
type LabelledRecord struct {
	Model        string
	ModelVersion string
	// WindowSeq is the seq of the window the prediction was counted in.
	WindowSeq int64
	ID        string
	// PredTime and LabelTime are the two events' times.
	PredTime  time.Time
	LabelTime time.Time
	// Output is the prediction as text (a number formatted with 'g', or
	// the class), as in PredictionRecord.
	Output string
	// Score is the probability of the positive class (probabilities
	// models) or the score itself (score models); NaN when the prediction
	// has none.
	Score float64
	// Probs is a probabilities model's whole output, as a JSON object of
	// class -> probability; empty for other models.
	Probs string
	Label string
	// LabelSource is the Kafka record of the first label joined to the
	// prediction (Partition -1 for a label the prediction carried), kept
	// when a later label replaces the row, as are Signals: a label read
	// again after a restart has the same record, a second label another.
	LabelSource Source
	// Signals has bit i set when stream detector i (in the order of
	// ConceptDetectors) signalled drift at this label.
	Signals uint16
	Version uint64
}

// FirstLabel is what a stored labelled row keeps of the first label joined
// to its prediction: its Kafka record, and the stream-detector signals its
// error raised.
type FirstLabel struct {
	Source  Source
	Signals uint16
}

// WindowBounds is a stored window's identity, for results written after it
// closed (late labels).
type WindowBounds struct {
	ModelVersion string
	Start, End   time.Time
}

// Detection is one signal of a stream concept-drift detector: a row of the
// detections table. EventIndex counts the labelled events the detector had
// seen (from 1) when it signalled; EventTime is the prediction time of the
// event that made it signal.
type Detection struct {
	Model        string
	ModelVersion string
	Detector     string
	Kind         DetectionKind
	EventIndex   uint64
	EventTime    time.Time
	Version      uint64
}

// DetectionKind is a detection's level.
type DetectionKind string

const (
	DetectionWarning DetectionKind = "warning"
	DetectionDrift   DetectionKind = "drift"
)

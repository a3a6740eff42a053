package drift

import (
	"math"
	"time"
)

// ValueKind says what a decoded JSON value was.
type ValueKind uint8

const (
	// Missing is JSON null or an absent field.
	Missing ValueKind = iota
	// Number is a finite JSON number.
	Number
	// String is a JSON string.
	String
	// Bool is a JSON boolean; Num holds 1 or 0.
	Bool
	// Invalid is a value of the wrong type (object, array) or a non-finite
	// number: counted per feature, never averaged.
	Invalid
)

// Value is one decoded feature, prediction or label value.
//
// Str may alias the decoder's buffer and is valid only until the decoder's
// next call; whoever keeps it (a new category in a summary, a prediction id
// for a label join) must strings.Clone it.
type Value struct {
	Kind ValueKind
	Num  float64
	Str  string
}

// NumberValue returns a Number, or Invalid when f is NaN or infinite.
func NumberValue(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{Kind: Invalid}
	}
	return Value{Kind: Number, Num: f}
}

// StringValue returns a String value.
func StringValue(s string) Value { return Value{Kind: String, Str: s} }

// BoolValue returns a Bool value.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, Num: 1, Str: "true"}
	}
	return Value{Kind: Bool, Num: 0, Str: "false"}
}

// The event times driftmon accepts: [MinEventTime, MaxEventTime). Every
// store can hold them (ClickHouse's DateTime ends in 2106), with room for a
// window's end beyond its last event.
var (
	MinEventTime = time.Unix(0, 0).UTC()
	MaxEventTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Feature is one named input of a prediction.
type Feature struct {
	Name  string
	Value Value
}

// Prediction is one decoded event of the predictions topic.
//
// A Prediction filled by a decoder is reused for the next record: its
// strings and slices are valid until then (see Value).
type Prediction struct {
	Model        string
	ModelVersion string
	ID           string
	Time         time.Time
	Features     []Feature
	// Output is the model's output: a Number for score and regression, a
	// String for class. For probabilities it is the most probable class (a
	// String) and Probabilities holds the whole object.
	Output        Value
	Probabilities []Feature
	// Label is the true label when the model server already knows it.
	Label Value
}

// Reset empties p for reuse, keeping its slices' capacity.
func (p *Prediction) Reset() {
	*p = Prediction{Features: p.Features[:0], Probabilities: p.Probabilities[:0]}
}

// Label is one decoded event of the labels topic.
type Label struct {
	Model string
	ID    string
	Time  time.Time
	Label Value
}

// Source says where a record came from in Kafka; dead-letter records and
// checkpoints carry it so a replay can be recognised.
type Source struct {
	Topic     string
	Partition int
	Offset    int64
}

// PredictionRecord is one row of the raw prediction log, kept so labels
// that arrive later can be joined to their predictions.
type PredictionRecord struct {
	Model        string
	ModelVersion string
	ID           string
	Time         time.Time
	// Output is the prediction as text: a number formatted with 'g', or
	// the class.
	Output string
	// WindowSeq is the seq of the window the prediction was counted in,
	// so that a label joined to it later updates that window.
	WindowSeq int64
	// Body is the original event (a copy, never a decode buffer).
	Body   []byte
	Source Source
}

// LabelRecord is one row of the label log.
type LabelRecord struct {
	Model  string
	ID     string
	Time   time.Time
	Label  string
	Body   []byte
	Source Source
}

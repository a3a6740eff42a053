package ingest

import (
	"errors"
	"fmt"
)

// Reason says why a record was rejected. The set is closed and small: it is
// the reason label of driftmon_events_rejected_total and the
// driftmon-reason header of a dead-letter record.
type Reason string

// The reasons a record can be rejected for.
const (
	// ReasonOversized: the record is longer than the decoder's MaxBytes;
	// it is not parsed.
	ReasonOversized Reason = "oversized"
	// ReasonMalformedJSON: the record is not JSON.
	ReasonMalformedJSON Reason = "malformed_json"
	// ReasonNotAnObject: the record is JSON but not an object.
	ReasonNotAnObject Reason = "not_an_object"
	// ReasonMissingModel: "model" is absent or null.
	ReasonMissingModel Reason = "missing_model"
	// ReasonInvalidModel: "model" is not a string matching
	// [A-Za-z0-9_.-]{1,128}, or "model_version" is neither a string nor a
	// number.
	ReasonInvalidModel Reason = "invalid_model"
	// ReasonMissingID: a label has no usable "id" (absent, null, empty),
	// or an "id" is neither a string nor a finite number.
	ReasonMissingID Reason = "missing_id"
	// ReasonInvalidTimestamp: "timestamp" is neither an RFC 3339 string
	// nor epoch milliseconds within the years 0000-9999.
	ReasonInvalidTimestamp Reason = "invalid_timestamp"
	// ReasonInvalidFeatures: "features" is present but not an object.
	ReasonInvalidFeatures Reason = "invalid_features"
	// ReasonInvalidFeatureValue: a feature holds a number the parser
	// cannot read (such as 1-2). Values of the wrong type (objects,
	// arrays) do not reject the record: they are counted as invalid.
	ReasonInvalidFeatureValue Reason = "invalid_feature_value"
	// ReasonInvalidPrediction: "prediction" is not a finite number, a
	// string, or a non-empty object of class -> finite number.
	ReasonInvalidPrediction Reason = "invalid_prediction"
	// ReasonInvalidLabel: a label is not a finite number, a string or a
	// boolean (or, in a label event, is absent or null).
	ReasonInvalidLabel Reason = "invalid_label"
	// ReasonUnknownModel: the model is not configured and unknown models
	// are refused. The decoder does not know the configuration; the
	// consumer rejects with it.
	ReasonUnknownModel Reason = "unknown_model"
	// ReasonKeyMismatch: the record's Kafka key is not its model's name. The
	// contract keys records by model so that one model's windows live in
	// one partition; a model spread over partitions would have partial
	// windows overwriting each other in storage.
	ReasonKeyMismatch Reason = "key_mismatch"
	// ReasonInternal: a failure that is not the record's fault. It is in
	// the set so that counting any error under ReasonOf stays bounded.
	ReasonInternal Reason = "internal"
)

var reasons = []Reason{
	ReasonOversized,
	ReasonMalformedJSON,
	ReasonNotAnObject,
	ReasonMissingModel,
	ReasonInvalidModel,
	ReasonMissingID,
	ReasonInvalidTimestamp,
	ReasonInvalidFeatures,
	ReasonInvalidFeatureValue,
	ReasonInvalidPrediction,
	ReasonInvalidLabel,
	ReasonUnknownModel,
	ReasonKeyMismatch,
	ReasonInternal,
}

// Reasons returns every Reason, so metrics can create each label set at
// zero. The caller may modify the returned slice.
func Reasons() []Reason {
	return append([]Reason(nil), reasons...)
}

// RejectError is the error of a record that cannot be accepted. The record
// goes to the dead-letter topic with Reason and Detail; it is never retried.
type RejectError struct {
	Reason Reason
	// Detail says what was wrong, for a person reading the dead-letter
	// topic. It never aliases the record's bytes.
	Detail string
}

func (e *RejectError) Error() string { return string(e.Reason) + ": " + e.Detail }

// reject builds a RejectError. Only the rejection path formats, so the
// accepting path allocates nothing.
func reject(r Reason, format string, args ...any) error {
	return &RejectError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the Reason of a RejectError anywhere in err's chain,
// ReasonInternal for any other error, and "" for nil.
func ReasonOf(err error) Reason {
	if err == nil {
		return ""
	}
	if re, ok := errors.AsType[*RejectError](err); ok {
		return re.Reason
	}
	return ReasonInternal
}

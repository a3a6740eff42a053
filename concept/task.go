package concept

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the kind of a model's output, as the config's `prediction` says.
type Kind string

const (
	// Score: a real number; with labels it is a binary classifier's score
	// for the positive class, thresholded to decide.
	Score Kind = "score"
	// Class: the predicted class.
	Class Kind = "class"
	// Probabilities: class -> probability; the most probable class is the
	// prediction, and a binary model's positive-class probability its
	// score.
	Probabilities Kind = "probabilities"
	// Regression: a real number compared with a numeric label.
	Regression Kind = "regression"
)

// Task says how a model's predictions are scored against its labels.
type Task struct {
	Kind Kind
	// Positive is the positive class of a binary model (score,
	// probabilities): a label equal to it (or, for "1", to "true") is
	// positive. Default "1".
	Positive string
	// Threshold turns a score into a class: positive when score >=
	// Threshold. 0 is a threshold (a logit's natural cut), not "unset":
	// DefaultThreshold is the caller's to give.
	Threshold float64
}

// DefaultThreshold is the usual cut of a probability score.
const DefaultThreshold = 0.5

// WithDefaults fills the zero Positive with "1".
func (t Task) WithDefaults() Task {
	if t.Positive == "" {
		t.Positive = "1"
	}
	return t
}

// IsPositive reports whether a label (or a predicted class) is the
// positive class. Booleans and numbers are read as such: "true" matches a
// positive class of "1", and "1.0" matches "1".
func (t Task) IsPositive(label string) bool {
	if label == t.Positive {
		return true
	}
	l := strings.ToLower(strings.TrimSpace(label))
	p := strings.ToLower(t.Positive)
	if l == p {
		return true
	}
	switch l {
	case "true":
		return p == "1"
	case "false":
		return p == "0"
	}
	if a, err := strconv.ParseFloat(l, 64); err == nil {
		if b, err := strconv.ParseFloat(p, 64); err == nil {
			return a == b
		}
	}
	return false
}

// Binary reports whether the task scores a positive class.
func (t Task) Binary() bool { return t.Kind == Score || t.Kind == Probabilities }

// Predicted returns the class a prediction stands for: a score
// thresholded into "1"/"0" (the positive class or not), else the output as
// it is.
func (t Task) Predicted(output string, score float64) string {
	if t.Kind == Score {
		if !math.IsNaN(score) && score >= t.Threshold {
			return "1"
		}
		return "0"
	}
	return output
}

// truth is the label as the class it is compared with: for a score model
// "1"/"0" by IsPositive, else the label as it is.
func (t Task) truth(label string) string {
	if t.Kind == Score {
		if t.IsPositive(label) {
			return "1"
		}
		return "0"
	}
	return label
}

// Error is the per-event value fed to the stream detectors: 1 for a wrong
// class and 0 for a right one; for regression the absolute error. ok is
// false when the pair cannot be scored (a regression label that is not a
// number).
func (t Task) Error(output string, score float64, label string) (float64, bool) {
	if t.Kind == Regression {
		y, err1 := strconv.ParseFloat(label, 64)
		yhat, err2 := strconv.ParseFloat(output, 64)
		if err1 != nil || err2 != nil || math.IsNaN(y) || math.IsNaN(yhat) {
			return 0, false
		}
		return math.Abs(y - yhat), true
	}
	if t.Predicted(output, score) == t.truth(label) {
		return 0, true
	}
	return 1, true
}

// Validate checks the task.
func (t Task) Validate() error {
	switch t.Kind {
	case Score, Class, Probabilities, Regression:
	default:
		return fmt.Errorf("prediction kind %q: want score, class, probabilities or regression", t.Kind)
	}
	if t.Threshold < 0 || t.Threshold > 1 && t.Kind == Probabilities {
		return fmt.Errorf("threshold %v: want a probability", t.Threshold)
	}
	return nil
}

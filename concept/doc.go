// Package concept answers "is the model getting worse?" from labelled
// predictions: the realised performance of each window compared with the
// reference's (family concept in drift_results), the label distribution
// compared with the reference's (family prior), and the streaming
// concept-drift detectors fed the per-event error in label order.
//
// It sits after the label join: its inputs are drift.LabelledRecord rows
// (a window's, read back from storage, so that a window updated by late
// labels is recomputed whole and a replay is harmless) and the reference's
// outcomes (its predictions beside their labels). Computing a metric is
// detectors/perf's; this package decides which metrics a model's kind of
// output has, what the reference expects of each, and when a window is
// worse than that.
package concept

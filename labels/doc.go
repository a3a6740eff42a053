// Package labels is the label side: each model's view of its predictions
// and labels (Model: how an output is scored, what its reference file's
// labelled rows say of performance, label distribution, confusion matrix
// and CBPE calibration), and Side, which the pipeline sees as
// pipeline.LabelSide: the memory of recent predictions shared by an
// instance's partitions, each label partition's join (labels/join), the
// stream concept-drift detectors, and the results of a stored window's
// labelled rows.
//
// monitor builds each Model from its config; server builds the Side.
package labels

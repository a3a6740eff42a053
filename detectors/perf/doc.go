// Package perf measures a model's performance per window, the rows of family
// concept in drift_results (accuracy, precision_macro, recall_macro,
// f1_macro, roc_auc, log_loss, mae, rmse, mape, cbpe_*), and the label-shift
// rows of family prior (bbse_prior, bbse_weight).
//
// Three kinds of figures live here:
//
//   - Realised performance, once labels have joined the predictions:
//     Classify, ROCAUC, LogLoss, LogLossMulti and Regress. Their definitions
//     are scikit-learn's (version 1.9.1, the one the golden values of
//     testdata/ come from), with the edge cases spelled out on each function.
//   - Black-box shift estimation (BBSE; Lipton, Wang and Smola 2018,
//     "Detecting and Correcting for Label Shift with Black Box Predictors"):
//     the current class priors estimated from the reference's confusion
//     matrix and the current window's predicted classes alone, before any
//     label arrives.
//   - Confidence-based performance estimation (CBPE, as NannyML defines it):
//     a binary classifier's expected accuracy, F1 and ROC AUC from its
//     probabilities alone, once they are calibrated on the reference by
//     isotonic regression (Isotonic, scikit-learn's
//     IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)).
//
// Everything is a pure function of its arguments, or a value fitted once and
// read-only after (Isotonic, CBPE, safe for concurrent use): no I/O, no
// clock, no goroutines. It must not import storage, ingest, window, alerting
// or any other driftmon package, so serve, demo and check can all use it.
package perf

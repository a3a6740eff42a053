// Package demo is `driftmon demo` and `driftmon replay`: the synthetic
// model (a stream with injected covariate, prior and concept shifts and
// data breakage, its reference and labels), a replay of a user's CSV
// file (its header named by one stated rule, columns left out, a
// prediction and label column turned into the label side), the
// in-process broker and webhook receiver the demo runs beside the
// service, and the printers of what the service finds.
package demo

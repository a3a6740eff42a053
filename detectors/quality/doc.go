// Package quality runs the data-quality checks of a model's windows, the
// rows of family quality in drift_results: per feature, the missing and
// invalid shares, values outside the declared or the reference's range,
// categories the reference never saw, one value holding most of the
// window, and the mean's shift in reference standard deviations; per
// window, its volume, its late events, schema violations and duplicate
// ids. Each row says what was measured, the limit it was held to (Policy,
// DefaultPolicy when the config sets none) and whether it failed.
//
// The per-feature checks (FeatureChecks) read a Profile of each side.
// Evaluate builds the profiles from the reference's and the window's
// summaries, as serve does; ProfileValues and ProfileCounts build them from
// a file's exact values, as `driftmon check` does; so the service and check
// apply the same checks to the same numbers. The freshness check, decided
// on a tick when a model sends nothing rather than from a window, is the
// pipeline's; only its limit (WindowQuality.Freshness) and its name are
// here.
//
// Everything here is a pure function of its inputs (summaries or
// profiles, and limits): no state, no clock, no I/O. Of driftmon's
// packages it imports only drift.
package quality

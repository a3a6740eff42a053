// Package sketch holds the bounded, mergeable approximations a window keeps
// of a numeric feature: a KLL quantile sketch (ranks within a documented
// error, a few KB whatever the window's size) and a uniform reservoir sample
// (every value while the window is small, so tests can be exact).
//
// Both are deterministic given their inputs, so a replayed window rebuilds
// the same state, and both carry their random state through their
// encodings, so a window restored from a checkpoint goes on as if it had
// never stopped.
//
// It is a leaf: it imports nothing of driftmon's, only the standard library.
package sketch

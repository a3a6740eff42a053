// Package codec turns a drift.FeatureSummary into a flat row of plain values
// and back, the one storable form both stores share: ClickHouse binds its
// fields to columns, the embedded store writes it as JSON. It also owns the
// stored form of the quantile sketch (a tag byte, then sketch.KLL's binary
// encoding), JSON floats that survive NaN and infinities, and ResultKey, the
// key by which both stores replace a drift result.
//
// It imports only drift and sketch of driftmon's packages.
package codec

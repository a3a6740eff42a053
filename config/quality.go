package config

import (
	"time"

	"github.com/driftmon/driftmon/detectors/quality"
)

// DefaultMaxIDs is how many prediction ids a window remembers to count
// duplicates: 8 bytes each in memory, and carried in checkpoints.
const DefaultMaxIDs = 10000

// FeatureQualityConfig sets the limits of one feature's quality checks (in
// a feature's long form) or of all features (in a model's `quality`). A key
// left out keeps the default of quality.DefaultFeatureQuality.
type FeatureQualityConfig struct {
	MissingIncrease     *float64 `yaml:"missing_increase"`
	InvalidIncrease     *float64 `yaml:"invalid_increase"`
	RangeMargin         *float64 `yaml:"range_margin"`
	MaxOutOfRangeShare  *float64 `yaml:"max_out_of_range_share"`
	MaxOutsideReference *float64 `yaml:"max_outside_reference_share"`
	MaxNewCategoryShare *float64 `yaml:"max_new_category_share"`
	MaxConstantShare    *float64 `yaml:"max_constant_share"`
	MeanShiftSigmas     *float64 `yaml:"mean_shift_sigmas"`
}

// QualityConfig is a model's `quality` section: limits for all its
// features, then the per-window checks'.
type QualityConfig struct {
	MissingIncrease     *float64 `yaml:"missing_increase"`
	InvalidIncrease     *float64 `yaml:"invalid_increase"`
	RangeMargin         *float64 `yaml:"range_margin"`
	MaxOutOfRangeShare  *float64 `yaml:"max_out_of_range_share"`
	MaxOutsideReference *float64 `yaml:"max_outside_reference_share"`
	MaxNewCategoryShare *float64 `yaml:"max_new_category_share"`
	MaxConstantShare    *float64 `yaml:"max_constant_share"`
	MeanShiftSigmas     *float64 `yaml:"mean_shift_sigmas"`

	VolumeTolerance *float64 `yaml:"volume_tolerance"`
	// ExpectedEvents per window; unset, the previous window's count.
	ExpectedEvents      *int     `yaml:"expected_events"`
	MaxLateShare        *float64 `yaml:"max_late_share"`
	MaxSchemaViolations *int     `yaml:"max_schema_violations"`
	MaxDuplicateIDs     *int     `yaml:"max_duplicate_ids"`
	// MaxIDs bounds the ids a window remembers for duplicate_ids (0 turns
	// the check off); default DefaultMaxIDs.
	MaxIDs *int `yaml:"max_ids"`
	// Freshness is how long the model may send nothing before its
	// freshness check fails; unset or 0, not checked.
	Freshness time.Duration `yaml:"freshness"`
}

func (q QualityConfig) features() FeatureQualityConfig {
	return FeatureQualityConfig{MissingIncrease: q.MissingIncrease, InvalidIncrease: q.InvalidIncrease,
		RangeMargin: q.RangeMargin, MaxOutOfRangeShare: q.MaxOutOfRangeShare, MaxOutsideReference: q.MaxOutsideReference, MaxNewCategoryShare: q.MaxNewCategoryShare,
		MaxConstantShare: q.MaxConstantShare, MeanShiftSigmas: q.MeanShiftSigmas}
}

func (c FeatureQualityConfig) apply(q *quality.FeatureQuality) {
	set := func(dst *float64, src *float64) {
		if src != nil {
			*dst = *src
		}
	}
	set(&q.MissingIncrease, c.MissingIncrease)
	set(&q.InvalidIncrease, c.InvalidIncrease)
	set(&q.RangeMargin, c.RangeMargin)
	set(&q.MaxOutOfRangeShare, c.MaxOutOfRangeShare)
	set(&q.MaxOutsideReferenceShare, c.MaxOutsideReference)
	set(&q.MaxNewCategoryShare, c.MaxNewCategoryShare)
	set(&q.MaxConstantShare, c.MaxConstantShare)
	set(&q.MeanShiftSigmas, c.MeanShiftSigmas)
}

// QualityPolicy is the model's quality limits: quality.DefaultPolicy,
// the model's `quality` section over them, each feature's own `quality`
// and `range` over that.
func (m *ModelConfig) QualityPolicy() quality.Policy {
	p := quality.DefaultPolicy()
	m.Quality.features().apply(&p.Default)
	p.Features = make(map[string]quality.FeatureQuality, len(m.Features))
	for _, f := range m.Features {
		fq := p.Default
		if f.Quality != nil {
			f.Quality.apply(&fq)
		}
		if f.Range != nil {
			r := *f.Range
			fq.Range = &r
		}
		p.Features[f.Name] = fq
	}
	w := &p.Window
	q := m.Quality
	if q.VolumeTolerance != nil {
		w.VolumeTolerance = *q.VolumeTolerance
	}
	if q.ExpectedEvents != nil {
		w.ExpectedEvents = uint64(*q.ExpectedEvents)
	}
	if q.MaxLateShare != nil {
		w.MaxLateShare = *q.MaxLateShare
	}
	if q.MaxSchemaViolations != nil {
		w.MaxSchemaViolations = uint64(*q.MaxSchemaViolations)
	}
	if q.MaxDuplicateIDs != nil {
		w.MaxDuplicateIDs = uint64(*q.MaxDuplicateIDs)
	}
	w.Freshness = q.Freshness.Seconds()
	w.CountWindows = m.Window.Events > 0
	return p
}

// MaxIDs is the bound of the ids a window remembers for duplicate_ids.
func (m *ModelConfig) MaxIDs() int {
	if m.Quality.MaxIDs != nil {
		return *m.Quality.MaxIDs
	}
	return DefaultMaxIDs
}

// validate checks the model's quality limits: shares within [0, 1],
// margins, sigmas and tolerances not negative, counts not negative.
func (q *QualityConfig) validate(v *validator, p string) {
	q.features().validate(v, p)
	nonNeg(v, p+".volume_tolerance", q.VolumeTolerance)
	share(v, p+".max_late_share", q.MaxLateShare)
	for key, n := range map[string]*int{"expected_events": q.ExpectedEvents, "max_schema_violations": q.MaxSchemaViolations,
		"max_duplicate_ids": q.MaxDuplicateIDs, "max_ids": q.MaxIDs} {
		if n != nil && *n < 0 {
			v.errorf(p+"."+key, "must not be negative, got %d", *n)
		}
	}
	if q.Freshness < 0 {
		v.errorf(p+".freshness", "must be positive, got %s", q.Freshness)
	}
}

func (c FeatureQualityConfig) validate(v *validator, p string) {
	share(v, p+".missing_increase", c.MissingIncrease)
	share(v, p+".invalid_increase", c.InvalidIncrease)
	nonNeg(v, p+".range_margin", c.RangeMargin)
	share(v, p+".max_out_of_range_share", c.MaxOutOfRangeShare)
	share(v, p+".max_outside_reference_share", c.MaxOutsideReference)
	share(v, p+".max_new_category_share", c.MaxNewCategoryShare)
	share(v, p+".max_constant_share", c.MaxConstantShare)
	nonNeg(v, p+".mean_shift_sigmas", c.MeanShiftSigmas)
}

func share(v *validator, p string, x *float64) {
	if x != nil && (*x < 0 || *x > 1) {
		v.errorf(p, "want a share in [0, 1], got %g", *x)
	}
}

func nonNeg(v *validator, p string, x *float64) {
	if x != nil && *x < 0 {
		v.errorf(p, "must not be negative, got %g", *x)
	}
}

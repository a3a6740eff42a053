package check

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/table"
)

// Options are what `driftmon check` was asked.
type Options struct {
	Reference, Current string
	// Columns to compare; empty means every column of the reference, and
	// then both files must have the same columns.
	Columns []string
	// Ignore leaves columns out.
	Ignore []string
	// Categorical and Numeric force a column's kind; the others are
	// inferred from the reference.
	Categorical, Numeric []string
	// Methods narrows the statistics reported; empty means all of each
	// column's kind. The verdict's method is always computed and reported.
	Methods []string
	// Strict refuses a non-number in a numeric column instead of counting
	// it as invalid.
	Strict bool
	// MaxDriftedShare is the share of drifted columns the data set may
	// have and still pass: 0 fails on any drifted column.
	MaxDriftedShare float64
	// Ranges are declared valid ranges of numeric columns, for the
	// out-of-range check (else the reference's widened min and max).
	Ranges map[string][2]float64
	// Quality holds the limits of the quality checks; the zero value
	// means quality.DefaultFeatureQuality.
	Quality *quality.FeatureQuality
	// Policy decides the verdicts: the service's policy type, so that
	// check and serve judge alike. nil means detectors.DefaultPolicy();
	// Decide, Calibrate, K and Correction adjust it.
	Policy *detectors.Policy
	// Decide overrides decision methods (--decide): "METHOD" for every
	// kind of column that has the method, "COLUMN=METHOD" for one column.
	Decide []string
	// Calibrate (--calibrate) is "" or "auto" (the policy's: numeric
	// verdicts calibrated, categorical ones fixed), "on" (every verdict
	// calibrated) or "off" (fixed thresholds only).
	Calibrate string
	// K is the calibration's number of standard deviations (--k); 0 keeps
	// the policy's (3).
	K float64
	// Correction (--correction) adjusts the p-value verdicts across the
	// columns: none, bonferroni or bh; "" keeps the policy's.
	Correction string
	// Progress, when set, counts the rows read and the columns compared
	// while Run runs.
	Progress *Progress
}

// ErrInput marks errors in what check was given (files, flags): exit 2.
var ErrInput = errors.New("input error")

func inputErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, a...))
}

// Run compares the two files.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	ref, err := openFile(o.Reference)
	if err != nil {
		return nil, err
	}
	defer ref.r.Close()
	cur, err := openFile(o.Current)
	if err != nil {
		return nil, err
	}
	defer cur.r.Close()
	names, skipped, err := o.selectColumns(ref.r, cur.r)
	if err != nil {
		return nil, err
	}
	ref.index, cur.index = columnIndex(ref.r, names), columnIndex(cur.r, names)
	if p := o.Progress; p != nil {
		ref.progress, cur.progress = &p.RowsReference, &p.RowsCurrent
		p.Columns.Store(int64(len(names)))
	}

	// Both files are read at once, each in the modes its own schema and
	// the flags allow; which reading counts is settled once the
	// reference's kinds are known.
	var wg sync.WaitGroup
	var refErr, curErr error
	wg.Go(func() { refErr = ref.read(ctx, o.modes(ref, names)) })
	wg.Go(func() { curErr = cur.read(ctx, o.modes(cur, names)) })
	wg.Wait()
	if err := errors.Join(refErr, curErr); err != nil {
		return nil, err
	}
	for _, f := range []*file{ref, cur} {
		if f.rows == 0 {
			return nil, inputErr("%s: no data rows, only a header", f.r.Name())
		}
	}
	kinds := o.kinds(ref, names)
	var again [2][]int
	for i, k := range kinds {
		if k == drift.Numeric {
			continue
		}
		for j, f := range []*file{ref, cur} {
			if f.cols[i].mode == auto {
				again[j] = append(again[j], i)
			}
		}
	}
	wg.Go(func() { refErr = ref.recount(ctx, again[0]) })
	wg.Go(func() { curErr = cur.recount(ctx, again[1]) })
	wg.Wait()
	if err := errors.Join(refErr, curErr); err != nil {
		return nil, err
	}
	if o.Strict {
		if err := strictCheck(names, kinds, ref, cur); err != nil {
			return nil, err
		}
	}

	pol, err := o.policy(names, kinds)
	if err != nil {
		return nil, err
	}
	rep := &Report{Reference: o.Reference, Current: o.Current, RowsReference: ref.rows, RowsCurrent: cur.rows,
		Columns: make([]Column, len(names)), Skipped: skipped}
	// Columns are independent: compare them on every core.
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rep.Columns[i] = o.compare(names[i], kinds[i], ref.cols[i], cur.cols[i], pol.Set(names[i], kinds[i]))
			if o.Progress != nil {
				o.Progress.ColumnsDone.Add(1)
			}
		})
	}
	wg.Wait()
	correct(pol.Correction, rep.Columns)
	rep.Dataset = dataset(rep.Columns, o.MaxDriftedShare)
	rep.Dataset.Correction = pol.Correction
	for _, c := range rep.Columns {
		for _, q := range c.Quality {
			if q.Drifted {
				rep.QualityFailures++
			}
		}
	}
	return rep, ctx.Err()
}

func (o Options) validate() error {
	if o.Reference == "" || o.Current == "" {
		return inputErr("both --reference and --current are required")
	}
	if math.IsNaN(o.MaxDriftedShare) || o.MaxDriftedShare < 0 || o.MaxDriftedShare > 1 {
		return inputErr("--max-drifted-share %v: want a share in [0, 1]", o.MaxDriftedShare)
	}
	for c, r := range o.Ranges {
		if !(r[0] < r[1]) {
			return inputErr("--ranges: column %q: want lo < hi, got %g:%g", c, r[0], r[1])
		}
		if slices.Contains(o.Categorical, c) {
			return inputErr("--ranges: column %q is categorical; only numeric columns have a range", c)
		}
	}
	for _, c := range o.Categorical {
		if slices.Contains(o.Numeric, c) {
			return inputErr("column %q is given both as --categorical and as --numeric", c)
		}
	}
	known := append(stats.Methods(drift.Numeric), stats.Methods(drift.Categorical)...)
	for _, m := range o.Methods {
		if !slices.Contains(known, m) {
			return inputErr("--methods: unknown method %q (known: %s)", m, strings.Join(uniq(known), ", "))
		}
	}
	for _, d := range o.Decide {
		_, m, _ := strings.Cut(d, "=")
		if !strings.Contains(d, "=") {
			m = d
		}
		if !slices.Contains(known, m) {
			return inputErr("--decide %q: unknown method %q (known: %s)", d, m, strings.Join(uniq(known), ", "))
		}
	}
	switch o.Calibrate {
	case "", "auto", "on", "off":
	default:
		return inputErr("--calibrate %q: want auto, on or off", o.Calibrate)
	}
	if math.IsNaN(o.K) || math.IsInf(o.K, 0) || o.K < 0 {
		return inputErr("--k %v: want a finite number >= 0", o.K)
	}
	if o.Correction != "" && !slices.Contains(detectors.Corrections(), o.Correction) {
		return inputErr("--correction %q: want one of %s", o.Correction, strings.Join(detectors.Corrections(), ", "))
	}
	return nil
}

// policy builds the run's policy: o.Policy or the default, with the
// flags laid over it. A --decide method applies to every kind that has it
// (psi, jensen_shannon: both, unless the list names one for a kind);
// COLUMN=METHOD to one column, which must be compared and of a kind that
// has the method.
func (o Options) policy(names []string, kinds []drift.FeatureKind) (detectors.Policy, error) {
	p := detectors.DefaultPolicy()
	if o.Policy != nil {
		p = *o.Policy
	}
	p.Features = maps.Clone(p.Features)
	if p.Features == nil {
		p.Features = map[string]detectors.FeatureSet{}
	}
	sets := []*detectors.MethodSet{&p.Numeric, &p.Categorical}
	setKinds := []drift.FeatureKind{drift.Numeric, drift.Categorical}
	// A method both kinds have (psi, jensen_shannon) goes first, so that
	// "ks,psi" means ks for numbers and psi for categories.
	decide := slices.Clone(o.Decide)
	both := func(d string) bool {
		return slices.Contains(stats.Methods(drift.Numeric), d) && slices.Contains(stats.Methods(drift.Categorical), d)
	}
	slices.SortStableFunc(decide, func(a, b string) int {
		switch {
		case both(a) && !both(b):
			return -1
		case both(b) && !both(a):
			return 1
		}
		return 0
	})
	for _, d := range decide {
		col, m, perColumn := strings.Cut(d, "=")
		if !perColumn {
			m = d
			used := false
			for i, s := range sets {
				if slices.Contains(stats.Methods(setKinds[i]), m) {
					s.Decide, used = m, true
				}
			}
			if !used {
				return p, inputErr("--decide %q: no kind of column has it", m)
			}
			continue
		}
		i := slices.Index(names, col)
		if i < 0 {
			return p, inputErr("--decide %q: column %q is not compared", d, col)
		}
		if !slices.Contains(stats.Methods(kinds[i]), m) {
			return p, inputErr("--decide %q: %s is not a method of %s column %q (those are %s)", d, m, kinds[i], col,
				strings.Join(stats.Methods(kinds[i]), ", "))
		}
		fs := detectors.FeatureSet{Kind: kinds[i], MethodSet: p.Set(col, kinds[i])}
		fs.Decide = m
		p.Features[col] = fs
	}
	calibrate := func(s *detectors.MethodSet, on bool) {
		if !on {
			s.Calibration = nil
			return
		}
		c := detectors.DefaultCalibration()
		if s.Calibration != nil {
			c = *s.Calibration
		}
		if o.K != 0 {
			c.K = o.K
		}
		s.Calibration = &c
	}
	apply := func(s *detectors.MethodSet) {
		switch o.Calibrate {
		case "on":
			calibrate(s, true)
		case "off":
			calibrate(s, false)
		default:
			calibrate(s, s.Calibration != nil)
		}
	}
	for _, s := range sets {
		apply(s)
	}
	for name, fs := range p.Features {
		apply(&fs.MethodSet)
		p.Features[name] = fs
	}
	if o.Correction != "" {
		p.Correction = o.Correction
	}
	return p, nil
}

func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func openFile(path string) (*file, error) {
	r, err := table.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return &file{r: r}, nil
}

func columnNames(r table.Reader) []string {
	var names []string
	for _, c := range r.Columns() {
		names = append(names, c.Name)
	}
	return names
}

func columnIndex(r table.Reader, names []string) []int {
	all := columnNames(r)
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = slices.Index(all, n)
	}
	return idx
}

// selectColumns says which columns are compared: the named ones, which
// both files must have, or else every column, which both files must share.
// Without named columns, those a file holds in a type no statistic reads
// (Parquet timestamps, nested columns) are left out and listed as skipped;
// named, they are an error when read.
func (o Options) selectColumns(ref, cur table.Reader) (names []string, skipped []Skipped, err error) {
	rn, cn := columnNames(ref), columnNames(cur)
	if len(o.Columns) > 0 {
		for _, c := range o.Columns {
			for _, f := range []table.Reader{ref, cur} {
				if !slices.Contains(columnNames(f), c) {
					return nil, nil, inputErr("%s: column %q is not in the header (it has %s)", f.Name(), c, strings.Join(columnNames(f), ", "))
				}
			}
			if !slices.Contains(names, c) {
				names = append(names, c)
			}
		}
	} else {
		var onlyRef, onlyCur []string
		for _, c := range rn {
			if !slices.Contains(cn, c) && !slices.Contains(o.Ignore, c) {
				onlyRef = append(onlyRef, c)
			}
		}
		for _, c := range cn {
			if !slices.Contains(rn, c) && !slices.Contains(o.Ignore, c) {
				onlyCur = append(onlyCur, c)
			}
		}
		if len(onlyRef)+len(onlyCur) > 0 {
			var parts []string
			if len(onlyRef) > 0 {
				parts = append(parts, fmt.Sprintf("only %s has %s", ref.Name(), strings.Join(onlyRef, ", ")))
			}
			if len(onlyCur) > 0 {
				parts = append(parts, fmt.Sprintf("only %s has %s", cur.Name(), strings.Join(onlyCur, ", ")))
			}
			return nil, nil, inputErr("the headers differ: %s (choose the columns with --columns, or leave some out with --ignore)", strings.Join(parts, "; "))
		}
		for _, c := range rn {
			if why := unreadable(c, ref, cur); why != "" && !slices.Contains(o.Ignore, c) {
				skipped = append(skipped, Skipped{Name: c, Reason: why})
				continue
			}
			names = append(names, c)
		}
	}
	names = slices.DeleteFunc(names, func(c string) bool { return slices.Contains(o.Ignore, c) })
	if len(names) == 0 {
		return nil, nil, inputErr("no columns left to compare")
	}
	for _, flag := range []struct {
		name string
		cols []string
	}{{"--categorical", o.Categorical}, {"--numeric", o.Numeric}, {"--ignore", o.Ignore}} {
		for _, c := range flag.cols {
			if !slices.Contains(rn, c) {
				return nil, nil, inputErr("%s: column %q is not in the header of %s", flag.name, c, ref.Name())
			}
		}
	}
	return names, skipped, nil
}

// unreadable says why a column cannot be compared, or "".
func unreadable(name string, files ...table.Reader) string {
	for _, f := range files {
		for _, c := range f.Columns() {
			if c.Name == name && c.Type == table.OtherType {
				return f.Name() + ": its type is not one check reads (numbers, text, booleans)"
			}
		}
	}
	return ""
}

// modes are how a file's columns are read: as the flags force, as the
// file's schema says (Parquet), or both ways until the reference decides.
func (o Options) modes(f *file, names []string) []mode {
	cols := f.r.Columns()
	m := make([]mode, len(names))
	for i, n := range names {
		switch {
		case slices.Contains(o.Categorical, n):
			m[i] = categorical
		case slices.Contains(o.Numeric, n):
			m[i] = numeric
		case cols[f.index[i]].Type == table.BooleanType:
			m[i] = categorical
		}
	}
	return m
}

// kinds settles each column's kind from the flags, the reference's schema,
// or the reference's values.
func (o Options) kinds(ref *file, names []string) []drift.FeatureKind {
	cols := ref.r.Columns()
	k := make([]drift.FeatureKind, len(names))
	for i, n := range names {
		switch t := cols[ref.index[i]].Type; {
		case slices.Contains(o.Categorical, n):
			k[i] = drift.Categorical
		case slices.Contains(o.Numeric, n), t == table.NumericType:
			k[i] = drift.Numeric
		case t == table.BooleanType:
			k[i] = drift.Boolean
		case ref.cols[i].looksNumeric():
			k[i] = drift.Numeric
		default:
			k[i] = drift.Categorical
		}
	}
	return k
}

// strictCheck refuses the first non-number of a numeric column.
func strictCheck(names []string, kinds []drift.FeatureKind, files ...*file) error {
	for _, f := range files {
		for i, k := range kinds {
			if v := f.cols[i]; k == drift.Numeric && v.firstBad >= 0 {
				return inputErr("%s: %s: column %q: %q is not a number (--strict)", f.r.Name(), f.r.Location(v.firstBad), names[i], v.firstBadText)
			}
		}
	}
	return nil
}

// compare computes one column's statistics and verdict under set.
func (o Options) compare(name string, kind drift.FeatureKind, r, c *values, set detectors.MethodSet) Column {
	// Results is [] rather than null in JSON when there are none.
	col := Column{Name: name, Kind: kind.String(), MissingReference: r.missing, MissingCurrent: c.missing, Results: []Result{}}
	decide := set.Decide
	col.DecidedBy = decide
	// The decision method's calibrated threshold, once per run: from the
	// reference's values in file order (before the statistics sort
	// them), or from its counts.
	var cal *detectors.Calibrated
	methods := o.methodsFor(kind, decide)
	if len(methods) == 0 {
		col.Note = "no requested method applies to a " + kind.String() + " column"
	}
	var computed []stats.Stat
	q := quality.DefaultFeatureQuality()
	if o.Quality != nil {
		q = *o.Quality
	}
	if rg, ok := o.Ranges[name]; ok {
		q.Range = &rg
	}
	if kind == drift.Numeric {
		col.InvalidReference, col.InvalidCurrent = r.nonFinite+r.nonNumbers, c.nonFinite+c.nonNumbers
		col.NReference, col.NCurrent = uint64(len(r.floats)), uint64(len(c.floats))
		rp := quality.ProfileValues(r.floats, r.missing, col.InvalidReference)
		col.Quality = qualityResults(quality.FeatureChecks(&rp, quality.ProfileValues(c.floats, c.missing, col.InvalidCurrent), q))
		if col.NReference > 0 && col.NCurrent > 0 && len(methods) > 0 {
			// Sub-windows need the file's order, so they calibrate before
			// the statistics sort the values; the bootstrap reuses the
			// sorted values.
			calibrate := func() {
				got := detectors.CalibrateNumeric(r.floats, nil, len(c.floats), decide, *set.Calibration)
				cal = &got
			}
			if set.Calibration != nil && set.Calibration.NeedsOrder(len(r.floats), len(c.floats)) {
				calibrate()
			}
			computed = stats.NumericStats(r.floats, c.floats, methods)
			if set.Calibration != nil && cal == nil {
				calibrate()
			}
			// Serve reports the same row (detectors.Evaluate): the
			// reference's sub-windows against its resamples.
			if cal != nil && cal.Stability.Measured() {
				st := cal.Stability
				col.Quality = append(col.Quality, qualityResults([]drift.Result{
					quality.ReferenceStability(st.WindowMean, st.Limit(), col.NReference, col.NCurrent)})...)
			}
		}
		col.Distribution = numericDistribution(r.floats, c.floats)
		r.floats, c.floats = nil, nil
	} else {
		cats, rc, cc := align(r.counts, c.counts)
		col.Distribution = categoricalDistribution(cats, rc, cc)
		col.NReference, col.NCurrent = total(rc), total(cc)
		rp := quality.ProfileCounts(kind, plain(r.counts), r.missing, 0)
		col.Quality = qualityResults(quality.FeatureChecks(&rp, quality.ProfileCounts(kind, plain(c.counts), c.missing, 0), q))
		if col.NReference > 0 && col.NCurrent > 0 && len(methods) > 0 {
			if set.Calibration != nil {
				got := detectors.CalibrateCounts(nonZero(rc), col.NCurrent, decide, *set.Calibration)
				cal = &got
			}
			computed = stats.CategoricalStats(rc, cc, methods)
		}
	}
	switch {
	case col.NReference == 0 && col.NCurrent == 0:
		col.Note = "no values in either file"
	case col.NReference == 0:
		col.Note = "no values in the reference"
	case col.NCurrent == 0:
		col.Note = "no values in the current file"
	}
	for _, s := range computed {
		res := Result{Method: s.Method, Statistic: s.Statistic, PValue: s.PValue, Threshold: set.Thresholds[s.Method], Note: s.Note}
		if s.Method == decide && cal != nil {
			res.ThresholdSource = cal.Source
			if cal.Source != detectors.SourceFixedFallback {
				res.Threshold = cal.Threshold
			}
		}
		// Only the deciding method's result is a verdict; the others are
		// reported, as in drift_results.
		if s.Method == decide {
			res.Decision = true
			res.Drifted = detectors.Drifted(s.Method, s.Statistic, s.PValue, res.Threshold)
			col.Drifted = res.Drifted
		}
		col.Results = append(col.Results, res)
	}
	return col
}

// nonZero drops the categories the reference never saw: they are the
// current file's, not the reference's distribution to draw from.
func nonZero(counts []uint64) []uint64 {
	var out []uint64
	for _, n := range counts {
		if n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// correct applies the policy's correction across the columns whose
// verdict is a p-value method's (detectors.AdjustLevels): their verdict
// rows get the corrected level as threshold, and "+bonferroni" or "+bh" in
// threshold_source. Distance verdicts stand as they are.
func correct(correction string, cols []Column) {
	if correction == "" || correction == detectors.CorrectionNone {
		return
	}
	type at struct{ col, res int }
	var where []at
	var tests []detectors.Test
	for i, c := range cols {
		for j, r := range c.Results {
			if r.Decision && stats.IsPValueMethod(r.Method) && r.PValue != nil && r.Threshold > 0 {
				where = append(where, at{i, j})
				tests = append(tests, detectors.Test{P: *r.PValue, Level: r.Threshold})
			}
		}
	}
	if len(tests) == 0 {
		return
	}
	for k, level := range detectors.AdjustLevels(correction, tests) {
		c := &cols[where[k].col]
		r := &c.Results[where[k].res]
		r.Threshold = level
		r.Drifted = *r.PValue < level
		if r.ThresholdSource != "" {
			r.ThresholdSource += "+"
		}
		r.ThresholdSource += correction
		c.Drifted = r.Drifted
	}
}

// qualityResults turns the checks' rows into the report's; [] rather than
// null in JSON when there are none (an empty column).
func qualityResults(rows []drift.Result) []Result {
	out := []Result{}
	for _, r := range rows {
		out = append(out, Result{Method: r.Method, Statistic: r.Statistic, Threshold: r.Threshold, Drifted: r.Drifted})
	}
	return out
}

func plain(counts map[string]*uint64) map[string]uint64 {
	out := make(map[string]uint64, len(counts))
	for k, n := range counts {
		out[k] = *n
	}
	return out
}

// methodsFor lists what a column of the kind reports: the requested
// methods that apply to it (all of them by default), and the verdict's.
func (o Options) methodsFor(kind drift.FeatureKind, decide string) []string {
	all := stats.Methods(kind)
	if len(o.Methods) == 0 {
		return all
	}
	var m []string
	for _, x := range all {
		if slices.Contains(o.Methods, x) || x == decide {
			m = append(m, x)
		}
	}
	return m
}

// align returns the two count vectors over the sorted union of the
// categories, as the oracle orders them.
func align(r, c map[string]*uint64) (cats []string, rc, cc []uint64) {
	cats = make([]string, 0, len(r)+len(c))
	for k := range r {
		cats = append(cats, k)
	}
	for k := range c {
		if _, ok := r[k]; !ok {
			cats = append(cats, k)
		}
	}
	sort.Strings(cats)
	rc, cc = make([]uint64, len(cats)), make([]uint64, len(cats))
	for i, k := range cats {
		if n, ok := r[k]; ok {
			rc[i] = *n
		}
		if n, ok := c[k]; ok {
			cc[i] = *n
		}
	}
	return cats, rc, cc
}

func total(x []uint64) uint64 {
	var s uint64
	for _, v := range x {
		s += v
	}
	return s
}

func dataset(cols []Column, maxShare float64) Dataset {
	d := Dataset{Threshold: maxShare}
	for _, c := range cols {
		if c.NReference == 0 || c.NCurrent == 0 {
			continue
		}
		d.Columns++
		if c.Drifted {
			d.DriftedColumns++
		}
	}
	if d.Columns > 0 {
		d.DriftedShare = float64(d.DriftedColumns) / float64(d.Columns)
	}
	d.Drifted = d.DriftedColumns > 0 && d.DriftedShare > maxShare
	return d
}

// warning is the part of a result's note that warns rather than explains:
// a test built for continuous data run on few distinct values
// (stats.NoteTies). The tables and the HTML report show it beside the
// result; the rest of a note (which p-value it is) stays in the JSON.
func warning(note string) string {
	if i := strings.Index(note, stats.NoteTies+": "); i >= 0 {
		return note[i:]
	}
	return ""
}

package demo

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// csvRole is what the demo does with a column of a user's CSV file.
type csvRole int

const (
	roleFeature    csvRole = iota // a model input, compared with the reference
	roleIgnored                   // --ignore: left out
	roleLabel                     // --label: the true outcome, sent on the labels topic
	rolePrediction                // --prediction: the model's output
)

// csvColumn is one column of the file's header.
type csvColumn struct {
	pos    int    // 1-based, as a spreadsheet counts
	header string // as the file writes it, spaces trimmed
	name   string // the feature name the demo gives it
	role   csvRole
}

// eventFields are the names of the event's own fields. A column of that
// name is a feature like any other, but the config refuses `prediction` and
// `label` as feature names, and a result about feature `id` or `timestamp`
// reads as if it were about the event's: such a column is renamed.
var eventFields = []string{"model", "model_version", "id", "timestamp", "features", "prediction", "label"}

// maxFeatureName is the config's limit on a feature name's length.
const maxFeatureName = 128

// featureNameOK reports whether the config accepts s as a feature name:
// 1 to 128 of [A-Za-z0-9_.:-] (config/validate.go's featureNameRE).
func featureNameOK(s string) bool {
	if s == "" || len(s) > maxFeatureName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameByte(s[i]) {
			return false
		}
	}
	return true
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-'
}

// mapHeader gives each header column the feature name the demo uses for
// it. The rule, in order:
//
//  1. a byte-order mark and surrounding spaces are dropped; an empty name
//     becomes column_N (N its 1-based position);
//  2. every character the config does not accept in a feature name (it
//     takes [A-Za-z0-9_.:-]) becomes "_", and a name is cut to 128 bytes;
//  3. a name of one of the event's own fields (model, model_version, id,
//     timestamp, features, prediction, label) gets the prefix "csv_";
//  4. a name already taken gets "_N", N the column's position: a column
//     whose name needed no change keeps it, so the second of two "x"
//     columns, at position 4, is x_4, and "a b" beside "a_b" is a_b_N.
func mapHeader(header []string) ([]csvColumn, error) {
	cols := make([]csvColumn, len(header))
	taken := map[string]int{} // name -> position of the column holding it
	var later []int           // columns to name in the second pass
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.TrimSpace(h)
		cols[i] = csvColumn{pos: i + 1, header: h}
		if _, dup := taken[h]; featureNameOK(h) && !slices.Contains(eventFields, h) && !dup {
			cols[i].name = h
			taken[h] = i + 1
			continue
		}
		later = append(later, i)
	}
	for _, i := range later {
		c := &cols[i]
		name := c.header
		if name == "" {
			name = "column_" + strconv.Itoa(c.pos)
		}
		name = strings.Map(func(r rune) rune {
			if r < 128 && nameByte(byte(r)) {
				return r
			}
			return '_'
		}, name)
		if slices.Contains(eventFields, name) {
			name = "csv_" + name
		}
		name = name[:min(len(name), maxFeatureName)]
		if _, dup := taken[name]; dup {
			suffix := "_" + strconv.Itoa(c.pos)
			name = name[:min(len(name), maxFeatureName-len(suffix))] + suffix
		}
		if at, dup := taken[name]; dup {
			return nil, fmt.Errorf("header column %d %q: its demo name %q is column %d's already; rename one of them in the file",
				c.pos, c.header, name, at)
		}
		c.name = name
		taken[name] = c.pos
	}
	return cols, nil
}

// renamed says, one line per column, which columns the demo renamed and
// why, so that a user can find their column in what it prints.
func renamed(cols []csvColumn) []string {
	var out []string
	for _, c := range cols {
		if c.name == c.header || c.role != roleFeature {
			continue
		}
		out = append(out, fmt.Sprintf("header column %d %q is feature %s", c.pos, c.header, c.name))
	}
	return out
}

// columnRoles marks the label, prediction and ignored columns. Each flag
// names a column by its header (as the file writes it) or by the demo's
// name for it. --ignore of a header the file holds twice leaves out both;
// --label and --prediction must then name one by its demo name.
func columnRoles(cols []csvColumn, ignore []string, label, prediction string) error {
	if label != "" && prediction == "" {
		return errors.New("--label needs --prediction: realised performance compares the model's predictions with the labels (leave the label column out with --ignore)")
	}
	// find returns the columns name stands for: those of that header,
	// or else the one of that demo name.
	find := func(name string) []int {
		var at []int
		for i, c := range cols {
			if c.header == name {
				at = append(at, i)
			}
		}
		if len(at) == 0 {
			for i, c := range cols {
				if c.name == name {
					at = append(at, i)
				}
			}
		}
		return at
	}
	set := func(flag, name string, role csvRole) error {
		at := find(name)
		switch len(at) {
		case 0:
			return fmt.Errorf("%s %q: no such column in the header (%s)", flag, name, headerList(cols))
		case 1:
		default:
			var where []string
			for _, i := range at {
				where = append(where, fmt.Sprintf("column %d (demo name %s)", cols[i].pos, cols[i].name))
			}
			return fmt.Errorf("%s %q: the header holds it %d times, as %s; name one by its demo name",
				flag, name, len(at), strings.Join(where, ", "))
		}
		c := &cols[at[0]]
		if c.role != roleFeature {
			return fmt.Errorf("%s %q: header column %d is %s already", flag, name, c.pos, roleFlag(c.role))
		}
		c.role = role
		return nil
	}
	if prediction != "" {
		if err := set("--prediction", prediction, rolePrediction); err != nil {
			return err
		}
	}
	if label != "" {
		if err := set("--label", label, roleLabel); err != nil {
			return err
		}
	}
	// --ignore takes every column of a name the header holds twice.
	var unknown []string
	for _, name := range ignore {
		at := find(name)
		if len(at) == 0 {
			unknown = append(unknown, strconv.Quote(name))
		}
		for _, i := range at {
			if r := cols[i].role; r != roleFeature && r != roleIgnored {
				return fmt.Errorf("--ignore %q: header column %d is %s", name, cols[i].pos, roleFlag(r))
			}
			cols[i].role = roleIgnored
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("--ignore: %s not in the header (%s)", strings.Join(unknown, ", "), headerList(cols))
	}
	if !slices.ContainsFunc(cols, func(c csvColumn) bool { return c.role == roleFeature }) {
		return errors.New("no column is left to monitor: every one is ignored, the label or the prediction")
	}
	return nil
}

func roleFlag(r csvRole) string {
	switch r {
	case roleIgnored:
		return "--ignore"
	case roleLabel:
		return "--label"
	case rolePrediction:
		return "--prediction"
	}
	return "a feature"
}

// headerList names the columns for an error message, cut short past 20.
func headerList(cols []csvColumn) string {
	var names []string
	for _, c := range cols[:min(len(cols), 20)] {
		names = append(names, strconv.Quote(c.header))
	}
	s := "its columns: " + strings.Join(names, ", ")
	if len(cols) > 20 {
		s += fmt.Sprintf(" and %d more", len(cols)-20)
	}
	return s
}

// splitList reads a comma-separated flag value; spaces around a name are
// dropped, empty names skipped.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

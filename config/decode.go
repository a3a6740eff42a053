package config

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder fills Go values from a yaml.Node tree, strictly: an unknown or
// repeated key, a value of the wrong shape or a malformed scalar is an
// *Error carrying the key path and line. It records the line of every key
// it sees so that Validate can report its errors at the right line too.
//
// A null value (`key:` or `key: ~`) leaves the default in place.
type decoder struct {
	lines map[string]int
	errs  []error
	// visits counts the values decoded. Aliases are expanded on every use,
	// so a file of a few lines can name billions of values ("billion
	// laughs"); yaml.v3 guards its own decoder against that, this one
	// stops at maxVisits. stopped ends the walk.
	visits  int
	stopped bool
}

const (
	// maxVisits is far above a real configuration: a thousand models of
	// three hundred features are about a million values.
	maxVisits = 2_000_000
	// maxErrors stops a cascade (a list of the wrong type repeated through
	// aliases) from building an error message of millions of lines.
	maxErrors = 100
)

// nodeDecoder is implemented by types whose YAML shape differs from their
// Go shape (Features: a mapping in YAML, an ordered slice in Go).
type nodeDecoder interface {
	decodeNode(d *decoder, path string, n *yaml.Node)
}

// defaulter is implemented by types whose new elements (in a list, or
// behind a pointer) start from defaults rather than from zero.
type defaulter interface {
	setDefaults()
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	timeType            = reflect.TypeFor[time.Time]()
	nodeDecoderType     = reflect.TypeFor[nodeDecoder]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) fail(path string, n *yaml.Node, err error) {
	if d.stopped {
		return
	}
	d.errs = append(d.errs, &Error{Path: path, Line: n.Line, Err: err})
	if len(d.errs) >= maxErrors {
		d.errs = append(d.errs, &Error{Path: path, Line: n.Line, Err: errors.New("too many errors, stopping")})
		d.stopped = true
	}
}

// visit counts one value and reports whether decoding goes on.
func (d *decoder) visit(path string, n *yaml.Node) bool {
	if d.stopped {
		return false
	}
	d.visits++
	if d.visits > maxVisits {
		d.failf(path, n, "more than %d values: is an alias expanded over and over?", maxVisits)
		d.stopped = true
		return false
	}
	return true
}

func (d *decoder) failf(path string, n *yaml.Node, format string, args ...any) {
	d.fail(path, n, fmt.Errorf(format, args...))
}

// decode fills v, which must be addressable, from n.
func (d *decoder) decode(path string, n *yaml.Node, v reflect.Value) {
	if !d.visit(path, n) {
		return
	}
	n = resolveAlias(n)
	if _, ok := d.lines[path]; !ok {
		d.lines[path] = n.Line
	}
	if isNull(n) {
		return
	}
	t := v.Type()
	if reflect.PointerTo(t).Implements(nodeDecoderType) {
		v.Addr().Interface().(nodeDecoder).decodeNode(d, path, n)
		return
	}
	switch {
	case t == durationType:
		if s, ok := d.scalar(path, n, "a duration"); ok {
			dur, err := parseDuration(s)
			if err != nil {
				d.fail(path, n, err)
				return
			}
			v.SetInt(int64(dur))
		}
		return
	case t == timeType:
		if s, ok := d.scalar(path, n, "an RFC 3339 time"); ok {
			tm, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				d.failf(path, n, "want an RFC 3339 time such as 2026-01-02T15:04:05Z, got %s", quote(s))
				return
			}
			// Event time is UTC throughout; an offset in the file only
			// says which instant.
			v.Set(reflect.ValueOf(tm.UTC()))
		}
		return
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if s, ok := d.scalar(path, n, "a string"); ok {
			if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
				d.fail(path, n, err)
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			nv := reflect.New(t.Elem())
			setDefaults(nv)
			v.Set(nv)
		}
		d.decode(path, n, v.Elem())
	case reflect.Struct:
		d.decodeStruct(path, n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.failf(path, n, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			setDefaults(s.Index(i).Addr())
			d.decode(joinIndex(path, i), item, s.Index(i))
		}
		v.Set(s)
	case reflect.Array:
		if n.Kind != yaml.SequenceNode {
			d.failf(path, n, "want a list of %d, got %s", t.Len(), describe(n))
			return
		}
		if len(n.Content) != t.Len() {
			d.failf(path, n, "want a list of %d, got %d items", t.Len(), len(n.Content))
			return
		}
		for i, item := range n.Content {
			d.decode(joinIndex(path, i), item, v.Index(i))
		}
	case reflect.Map:
		pairs, ok := d.pairs(path, n)
		if !ok {
			return
		}
		m := reflect.MakeMapWithSize(t, len(pairs))
		for _, p := range pairs {
			kp := joinKey(path, p.key.Value)
			d.lines[kp] = p.key.Line
			ev := reflect.New(t.Elem()).Elem()
			d.decode(kp, p.val, ev)
			m.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(t.Key()), ev)
		}
		v.Set(m)
	case reflect.String:
		if s, ok := d.scalar(path, n, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		var b bool
		if d.scalarAs(path, n, &b, "true or false") {
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int64:
		var i int64
		if d.integer(path, n, "an integer") && d.scalarAs(path, n, &i, "an integer") {
			v.SetInt(i)
		}
	case reflect.Uint, reflect.Uint64:
		var u uint64
		if d.integer(path, n, "a non-negative integer") && d.scalarAs(path, n, &u, "a non-negative integer") {
			v.SetUint(u)
		}
	case reflect.Float64:
		var f float64
		if d.scalarAs(path, n, &f, "a number") {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				d.failf(path, n, "want a finite number, got %s", quote(n.Value))
				return
			}
			v.SetFloat(f)
		}
	default:
		// Only reachable by adding a field of a new kind to the config
		// types; the tests decode every field.
		d.failf(path, n, "cannot decode into %s", t)
	}
}

// decodeStruct fills the fields of v from the keys of mapping n.
func (d *decoder) decodeStruct(path string, n *yaml.Node, v reflect.Value) {
	pairs, ok := d.pairs(path, n)
	if !ok {
		return
	}
	fields := fieldsOf(v.Type())
	for _, p := range pairs {
		kp := joinKey(path, p.key.Value)
		idx, known := fields.index[p.key.Value]
		if !known {
			d.failf(kp, p.key, "unknown key (want one of %s)", strings.Join(fields.names, ", "))
			continue
		}
		d.lines[kp] = p.key.Line
		d.decode(kp, p.val, v.Field(idx))
	}
}

// pair is one key and its value in a mapping.
type pair struct{ key, val *yaml.Node }

// pairs returns the entries of mapping n in order, with YAML merge keys
// (`<<: *anchor`) expanded: an explicit key overrides a merged one, and of
// merged keys the first wins, as the YAML merge spec says. A key written
// twice is an error, not a silent override.
func (d *decoder) pairs(path string, n *yaml.Node) ([]pair, bool) {
	if !d.visit(path, n) {
		return nil, false
	}
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		d.failf(path, n, "want a mapping, got %s", describe(n))
		return nil, false
	}
	var merged, explicit []pair
	seen := make(map[string]int)
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			val = resolveAlias(val)
			sources := []*yaml.Node{val}
			if val.Kind == yaml.SequenceNode {
				sources = val.Content
			}
			for _, src := range sources {
				ps, sok := d.pairs(path, src)
				ok = ok && sok
				merged = append(merged, ps...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.failf(path, k, "want a string key, got %s", describe(k))
			ok = false
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.failf(joinKey(path, k.Value), k, "key repeated (first at line %d)", first)
			ok = false
			continue
		}
		seen[k.Value] = k.Line
		explicit = append(explicit, pair{k, val})
	}
	out := make([]pair, 0, len(merged)+len(explicit))
	for _, p := range merged {
		if _, over := seen[p.key.Value]; !over {
			seen[p.key.Value] = p.key.Line
			out = append(out, p)
		}
	}
	return append(out, explicit...), ok
}

// scalar returns n's text when n is a scalar; want names what was expected.
func (d *decoder) scalar(path string, n *yaml.Node, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.failf(path, n, "want %s, got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

// scalarAs reads scalar n into *out with yaml.v3's rules for its type.
// integer refuses a number that is not an integer: YAML's decoder would
// cut 4.5 to 4 without a word.
func (d *decoder) integer(path string, n *yaml.Node, want string) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
		d.failf(path, n, "want %s, got %s", want, quote(n.Value))
		return false
	}
	return true
}

func (d *decoder) scalarAs(path string, n *yaml.Node, out any, want string) bool {
	if _, ok := d.scalar(path, n, want); !ok {
		return false
	}
	if err := n.Decode(out); err != nil {
		d.failf(path, n, "want %s, got %s", want, quote(n.Value))
		return false
	}
	return true
}

// structFields is the key -> field table of one struct type.
type structFields struct {
	index map[string]int
	names []string // sorted, for error messages
}

var fieldCache sync.Map // reflect.Type -> *structFields

// fieldsOf returns the keys of struct type t: the names in its yaml tags.
// Fields without a tag, or tagged "-", have no key.
func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{index: make(map[string]int)}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			continue
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	slices.Sort(f.names)
	fieldCache.Store(t, f)
	return f
}

// setDefaults applies the defaults of a new value, if its type has any.
func setDefaults(p reflect.Value) {
	if df, ok := p.Interface().(defaulter); ok {
		df.setDefaults()
	}
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	// An alias of an alias is legal YAML; yaml.v3 rejects cycles while
	// parsing, so this ends.
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quote(n.Value)
	}
	return "nothing"
}

// quote quotes a scalar for an error message, cut short: the message is
// about where the mistake is, not a copy of the file.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// decodeNode reads the features mapping in order. A value is either a
// type (the short form) or a mapping of type and range (the long form).
func (fs *Features) decodeNode(d *decoder, path string, n *yaml.Node) {
	pairs, ok := d.pairs(path, n)
	if !ok {
		return
	}
	out := make(Features, 0, len(pairs))
	for _, p := range pairs {
		fp := joinKey(path, p.key.Value)
		d.lines[fp] = p.key.Line
		f := FeatureConfig{Name: p.key.Value}
		if val := resolveAlias(p.val); val.Kind == yaml.ScalarNode {
			d.decode(fp, val, reflect.ValueOf(&f.Type).Elem())
		} else {
			d.decode(fp, val, reflect.ValueOf(&f).Elem())
		}
		out = append(out, f)
	}
	*fs = out
}

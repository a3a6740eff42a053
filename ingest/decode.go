package ingest

import (
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/driftmon/driftmon/drift"
)

// DefaultMaxBytes is the longest record a Decoder accepts unless told
// otherwise: a prediction of a few hundred features is a few kilobytes, so
// anything near this is a producer bug, not an event.
const DefaultMaxBytes = 1 << 20

// DecoderOptions configure a Decoder.
type DecoderOptions struct {
	// MaxBytes is the longest record accepted; a longer one is rejected
	// as oversized before it is parsed. Zero or less means
	// DefaultMaxBytes.
	MaxBytes int
}

// Decoder decodes prediction and label events, one JSON object per record,
// into drift types:
//
//	{"model": "fraud", "model_version": "7", "id": "req-81f3",
//	 "timestamp": "2026-11-22T04:00:00.125Z",
//	 "features": {"amount": 12.5, "country": "DE", "is_new": true, "age": null},
//	 "prediction": 0.87, "label": null}
//	{"model": "fraud", "id": "req-81f3", "timestamp": "...", "label": 1}
//
// model is required, [A-Za-z0-9_.-]{1,128}; model_version and id are
// strings or numbers (id is required in a label); timestamp is RFC 3339 or
// epoch milliseconds, absent meaning the Kafka message's time; a feature is
// a number, string, boolean or null; prediction is a number, a class or an
// object of class -> probability; a label is a number, string or boolean.
// Null means absent throughout. Unknown keys are ignored.
//
// The strings a Decoder puts into an event (model, model version, id,
// feature names, string values, class names) alias the Decoder's own
// buffer, not the record's bytes, and are valid only until its next
// Decode call: whoever keeps one past that must strings.Clone it. This is
// what lets decoding run without allocating.
//
// A Decoder is not safe for concurrent use: each partition's goroutine
// owns one.
type Decoder struct {
	maxBytes int
	// buf is the record's copy that the scanner reads and decodes
	// escapes in; the decoded strings alias it.
	buf []byte
	// version and id hold a model_version or id that arrived as a
	// non-integer number and had to be formatted; the decoded strings
	// alias them.
	version []byte
	id      []byte
}

// NewDecoder returns a Decoder.
func NewDecoder(opts DecoderOptions) *Decoder {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	return &Decoder{maxBytes: opts.MaxBytes}
}

// DecodePrediction decodes a record of the predictions topic into p, which
// is reset first and reused (its slices keep their capacity). msgTime is
// the Kafka message's timestamp, used when the event has none.
//
// A record that breaks the contract yields a *RejectError and leaves p
// reset. A feature value of the wrong type (object, array) or a non-finite
// number does not reject the record: it is kept as drift.Invalid, so the
// window counts it. The parser accepts NaN and Inf literals, which are
// likewise Invalid; "Infinity" is malformed JSON. A run of number
// characters that is not a JSON number (1-2, 012, +1) rejects the record
// with the reason of the field it is in (invalid_feature_value in a
// feature), or as malformed JSON where no field is read.
//
// Of a key given twice, the first is used. When a record breaks the
// contract in several ways, malformed JSON is reported first, then the
// fields in the order model, model_version, id, timestamp, features,
// prediction, label.
func (d *Decoder) DecodePrediction(b []byte, msgTime time.Time, p *drift.Prediction) error {
	p.Reset()
	if err := d.decodePrediction(b, msgTime, p); err != nil {
		p.Reset()
		return err
	}
	return nil
}

// fields are the top-level values of a record the decoder reads, each the
// first of its key, as scanned.
type fields struct {
	model, version, id, timestamp, features, prediction, label span
	// featErr and predErr are the first contract violations met while
	// decoding the features object and a probabilities object during the
	// scan. They are returned only once the scan has shown the record is
	// JSON, and in the order of the fields.
	featErr, predErr error
}

func (d *Decoder) decodePrediction(b []byte, msgTime time.Time, p *drift.Prediction) error {
	var f fields
	if err := d.scan(b, p, &f); err != nil {
		return err
	}
	var err error
	if p.Model, err = d.model(f.model); err != nil {
		return err
	}
	if v := f.version; !absent(v) {
		s, ok := d.textOrNumber(v, &d.version)
		if !ok {
			return reject(ReasonInvalidModel, "model_version is %s, not a UTF-8 string or a finite number", d.describe(v))
		}
		p.ModelVersion = s
	}
	if v := f.id; !absent(v) {
		s, ok := d.textOrNumber(v, &d.id)
		if !ok {
			return reject(ReasonMissingID, "id is %s, not a UTF-8 string or a finite number", d.describe(v))
		}
		p.ID = s
	}
	if p.Time, err = d.timestamp(f.timestamp, msgTime); err != nil {
		return err
	}
	if f.featErr != nil {
		return f.featErr
	}
	if v := f.features; !absent(v) && v.kind != kObject {
		return reject(ReasonInvalidFeatures, "features is %s, not an object", d.describe(v))
	}
	if f.predErr != nil {
		return f.predErr
	}
	if err := d.prediction(f.prediction, p); err != nil {
		return err
	}
	if v := f.label; !absent(v) {
		if p.Label, err = d.labelValue(v); err != nil {
			return err
		}
	}
	return nil
}

// DecodeLabel decodes a record of the labels topic into l. Unlike a
// prediction, a label needs a non-empty id (to join it to its prediction)
// and a label. msgTime is the Kafka message's timestamp, used when the
// event has none. Errors and aliasing are as for DecodePrediction.
func (d *Decoder) DecodeLabel(b []byte, msgTime time.Time, l *drift.Label) error {
	*l = drift.Label{}
	if err := d.decodeLabel(b, msgTime, l); err != nil {
		*l = drift.Label{}
		return err
	}
	return nil
}

func (d *Decoder) decodeLabel(b []byte, msgTime time.Time, l *drift.Label) error {
	var f fields
	if err := d.scan(b, nil, &f); err != nil {
		return err
	}
	var err error
	if l.Model, err = d.model(f.model); err != nil {
		return err
	}
	v := f.id
	if absent(v) {
		return reject(ReasonMissingID, "a label needs an id")
	}
	s, ok := d.textOrNumber(v, &d.id)
	if !ok {
		return reject(ReasonMissingID, "id is %s, not a UTF-8 string or a finite number", d.describe(v))
	}
	if s == "" {
		return reject(ReasonMissingID, "id is empty")
	}
	l.ID = s
	if l.Time, err = d.timestamp(f.timestamp, msgTime); err != nil {
		return err
	}
	v = f.label
	if absent(v) {
		return reject(ReasonInvalidLabel, "a label event needs a label")
	}
	l.Label, err = d.labelValue(v)
	return err
}

// scan reads the record b in one pass into the decoder's buffer, keeping
// the first value of each key in f. With p, it is a prediction: the
// features and a probabilities object are decoded into p as they are met.
// Without, it is a label, and those keys are skipped like unknown ones.
func (d *Decoder) scan(b []byte, p *drift.Prediction, f *fields) error {
	if len(b) > d.maxBytes {
		return reject(ReasonOversized, "%d bytes, more than the limit of %d", len(b), d.maxBytes)
	}
	d.buf = append(d.buf[:0], b...)
	s := scanner{b: d.buf}
	i := skipWS(s.b, 0)
	if i == len(s.b) {
		return reject(ReasonMalformedJSON, "no JSON value in the record")
	}
	if s.b[i] != '{' {
		v, j := s.value(i, 1)
		if j >= 0 && v.kind == kBadNumber {
			j = s.fail(v.start, "invalid number")
		}
		if j = s.end(j); j < 0 {
			return malformed(b, &s)
		}
		return reject(ReasonNotAnObject, "the record is %s", d.describe(v))
	}
	if i = s.end(d.object(&s, i, p, f)); i < 0 {
		return malformed(b, &s)
	}
	return nil
}

// malformed is the rejection of a record the scanner found not to be JSON;
// it shows the record's own bytes where the scanner stopped.
func malformed(b []byte, s *scanner) error {
	at := min(s.errAt, len(b))
	return reject(ReasonMalformedJSON, "at byte %d: %s, near %q", at, s.errMsg, clip(b[at:]))
}

// object reads the record's object, at i, and returns the index after it.
func (d *Decoder) object(s *scanner, i int, p *drift.Prediction, f *fields) int {
	b := s.b
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		var k span
		if k, i = s.str(i); i < 0 {
			return i
		}
		if i = s.colon(i); i < 0 {
			return i
		}
		// dst is where the value goes: nil for a key the decoder does not
		// read, and a span already filled for one given before.
		var dst *span
		decoded := false
		switch str(b[k.start:k.end]) {
		case "model":
			dst = &f.model
		case "id":
			dst = &f.id
		case "timestamp":
			dst = &f.timestamp
		case "label":
			dst = &f.label
		case "model_version":
			if p != nil {
				dst = &f.version
			}
		case "features":
			if p == nil {
				break
			}
			dst = &f.features
			if dst.kind == kAbsent && i < len(b) && b[i] == '{' {
				dst.kind = kObject
				i = d.features(s, i, p, f)
				decoded = true
			}
		case "prediction":
			if p == nil {
				break
			}
			dst = &f.prediction
			if dst.kind == kAbsent && i < len(b) && b[i] == '{' {
				dst.kind = kObject
				i = d.probabilities(s, i, p, f)
				decoded = true
			}
		}
		switch {
		case decoded:
		case dst != nil && dst.kind == kAbsent:
			*dst, i = s.value(i, 2)
		default:
			i = s.member(i, 2)
		}
		if i < 0 {
			return i
		}
		var more bool
		if i, more = s.next(i, '}'); !more {
			return i
		}
	}
}

// features decodes the features object, at i, into p, and returns the
// index after it. The first contract violation goes to f.featErr, and no
// feature after it is decoded, while the scan goes on.
func (d *Decoder) features(s *scanner, i int, p *drift.Prediction, f *fields) int {
	b := s.b
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		var k, v span
		if k, i = s.str(i); i < 0 {
			return i
		}
		// The colon and the comma are read here when no whitespace
		// surrounds them, as in most records, saving calls.
		if uint(i) < uint(len(b)-1) && b[i] == ':' && b[i+1] > ' ' {
			i++
		} else if i = s.colon(i); i < 0 {
			return i
		}
		// Most values are strings and numbers, read without value's
		// dispatch.
		switch {
		case i < len(b) && b[i] == '"':
			v, i = s.str(i)
		case i < len(b) && ('0' <= b[i] && b[i] <= '9' || b[i] == '-'):
			v, i = s.number(i)
		default:
			v, i = s.value(i, 3)
		}
		if i < 0 {
			return i
		}
		if f.featErr == nil {
			name := b[k.start:k.end]
			switch {
			case k.kind == kBadString:
				f.featErr = reject(ReasonMalformedJSON, "feature name %q is not UTF-8", clip(name))
			case v.kind == kBadNumber:
				f.featErr = reject(ReasonInvalidFeatureValue, "feature %q: %q is not a number", clip(name), clip(b[v.start:v.end]))
			default:
				// The element is written in place, field by field: building
				// a Feature and copying it in costs more than the rest of
				// the feature.
				n := len(p.Features)
				if n < cap(p.Features) {
					p.Features = p.Features[:n+1]
				} else {
					p.Features = append(p.Features, drift.Feature{})
				}
				ft := &p.Features[n]
				ft.Name = str(name)
				d.setValue(&ft.Value, v)
			}
		}
		if uint(i) < uint(len(b)-1) && b[i] == ',' && b[i+1] > ' ' {
			i++
			continue
		}
		var more bool
		if i, more = s.next(i, '}'); !more {
			return i
		}
	}
}

// setValue sets *x to the value of a feature, v, which is not a bad
// number.
func (d *Decoder) setValue(x *drift.Value, v span) {
	switch v.kind {
	case kNumber:
		if math.IsInf(v.num, 0) {
			x.Kind, x.Num, x.Str = drift.Invalid, 0, ""
			return
		}
		x.Kind, x.Num, x.Str = drift.Number, v.num, ""
	case kString:
		x.Kind, x.Num, x.Str = drift.String, 0, str(d.buf[v.start:v.end])
	case kTrue:
		x.Kind, x.Num, x.Str = drift.Bool, 1, "true"
	case kFalse:
		x.Kind, x.Num, x.Str = drift.Bool, 0, "false"
	case kNull:
		x.Kind, x.Num, x.Str = drift.Missing, 0, ""
	default:
		// An object, an array, NaN or Inf, or a string that is not UTF-8:
		// JSON text is UTF-8, and such a value cannot be a category.
		x.Kind, x.Num, x.Str = drift.Invalid, 0, ""
	}
}

// probabilities decodes a prediction that is an object of class ->
// probability, at i, into p, and returns the index after it: the arg-max
// becomes the output (the first of equal maxima, in the record's order).
// The first contract violation goes to f.predErr, while the scan goes on.
func (d *Decoder) probabilities(s *scanner, i int, p *drift.Prediction, f *fields) int {
	b := s.b
	best, bestP := -1, 0.0
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for more := true; more; {
			var k, v span
			if k, i = s.str(i); i < 0 {
				return i
			}
			if i = s.colon(i); i < 0 {
				return i
			}
			if v, i = s.value(i, 3); i < 0 {
				return i
			}
			if f.predErr == nil {
				class := b[k.start:k.end]
				switch {
				case k.kind == kBadString:
					f.predErr = reject(ReasonInvalidPrediction, "class %q is not UTF-8", clip(class))
				case v.kind != kNumber || math.IsInf(v.num, 0):
					f.predErr = reject(ReasonInvalidPrediction, "probability of class %q is %s, not a finite number", clip(class), d.describe(v))
				default:
					p.Probabilities = append(p.Probabilities, drift.Feature{Name: str(class), Value: drift.NumberValue(v.num)})
					if best < 0 || v.num > bestP {
						best, bestP = len(p.Probabilities)-1, v.num
					}
				}
			}
			if i, more = s.next(i, '}'); i < 0 {
				return i
			}
		}
	}
	if f.predErr == nil {
		if best < 0 {
			f.predErr = reject(ReasonInvalidPrediction, "prediction is an empty object")
		} else {
			p.Output = drift.StringValue(p.Probabilities[best].Name)
		}
	}
	return i
}

// absent reports whether a field is absent or null, which the contract
// treats alike.
func absent(v span) bool { return v.kind == kAbsent || v.kind == kNull }

func (d *Decoder) bytes(v span) []byte { return d.buf[v.start:v.end] }

// finite returns the value of v when it is a finite number.
func finite(v span) (float64, bool) {
	return v.num, v.kind == kNumber && !math.IsInf(v.num, 0)
}

func (d *Decoder) model(v span) (string, error) {
	if absent(v) {
		return "", reject(ReasonMissingModel, "no model")
	}
	if v.kind != kString && v.kind != kBadString {
		return "", reject(ReasonInvalidModel, "model is %s, not a string", d.describe(v))
	}
	b := d.bytes(v)
	if !validModel(b) {
		return "", reject(ReasonInvalidModel, "model %q does not match [A-Za-z0-9_.-]{1,128}", clip(b))
	}
	return str(b), nil
}

// ValidModelName reports whether name matches [A-Za-z0-9_.-]{1,128}, the
// model names driftmon accepts (they reach metric labels, SQL and topic
// keys, so the set is kept small and safe).
func ValidModelName(name string) bool {
	return validModel(unsafe.Slice(unsafe.StringData(name), len(name)))
}

// validModel checks by hand: a regexp would cost more than the rest of the
// decode on this path.
func validModel(b []byte) bool {
	if len(b) == 0 || len(b) > 128 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

func plainInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// textOrNumber returns a string as it is, and a number as text: an integer
// as written (so long ids keep every digit), any other number formatted
// shortest, into *buf, which the result aliases.
func (d *Decoder) textOrNumber(v span, buf *[]byte) (string, bool) {
	switch v.kind {
	case kString:
		return str(d.bytes(v)), true
	case kNumber:
		raw := d.bytes(v)
		if plainInteger(raw) {
			return str(raw), true
		}
		f, ok := finite(v)
		if !ok {
			return "", false
		}
		*buf = strconv.AppendFloat((*buf)[:0], f, 'g', -1, 64)
		return str(*buf), true
	default:
		return "", false
	}
}

// Epoch milliseconds accepted: the years 0000 to 9999, as for RFC 3339.
const (
	minMillis = -62167219200000 // 0000-01-01T00:00:00Z
	maxMillis = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// timestamp reads an event's time: an RFC 3339 string or epoch
// milliseconds, in UTC, absent or null meaning the Kafka message's time. It
// must lie in drift's event-time range, which every store can hold, so a
// broken clock is rejected here rather than stalling the window it would
// land in.
func (d *Decoder) timestamp(v span, msgTime time.Time) (time.Time, error) {
	t, err := d.rawTimestamp(v, msgTime)
	if err != nil {
		return t, err
	}
	if t.Before(drift.MinEventTime) || !t.Before(drift.MaxEventTime) {
		return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp %s outside [%s, %s)", t.Format(time.RFC3339Nano),
			drift.MinEventTime.Format(time.RFC3339), drift.MaxEventTime.Format(time.RFC3339))
	}
	return t, nil
}

func (d *Decoder) rawTimestamp(v span, msgTime time.Time) (time.Time, error) {
	switch v.kind {
	case kAbsent, kNull:
		return msgTime.UTC(), nil
	case kString, kBadString:
		b := d.bytes(v)
		t, ok := parseRFC3339(b)
		if !ok {
			return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp %q is not RFC 3339", clip(b))
		}
		return t, nil
	case kNumber, kNonFinite, kBadNumber:
		f := v.num
		// The comparisons are false for NaN, so it is refused too.
		if v.kind == kBadNumber || !(f >= minMillis && f <= maxMillis) {
			return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp is %s, not epoch milliseconds in the years 0000-9999", d.describe(v))
		}
		// Integers below 2^53 (the whole range) parse exactly.
		if f == math.Trunc(f) {
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		sec := math.Floor(f / 1000)
		nsec := math.Round((f - sec*1000) * 1e6)
		return time.Unix(int64(sec), int64(nsec)).UTC(), nil
	default:
		return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp is %s, not a string or a number", d.describe(v))
	}
}

// parseRFC3339 parses an RFC 3339 date-time (section 5.6):
// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), T and Z in either case,
// fractions past nanoseconds truncated. It returns UTC.
//
// time.Parse would allocate a zone for every offset other than Z and
// accepts what RFC 3339 does not (a comma before the fraction, offsets of
// 24 hours or 60 minutes); this does neither.
func parseRFC3339(s []byte) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, false
	}
	year, ok1 := twoDigits(s[0:2])
	year2, ok2 := twoDigits(s[2:4])
	month, ok3 := twoDigits(s[5:7])
	day, ok4 := twoDigits(s[8:10])
	hour, ok5 := twoDigits(s[11:13])
	minute, ok6 := twoDigits(s[14:16])
	sec, ok7 := twoDigits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year = year*100 + year2
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
			if i <= 9 {
				nsec = nsec*10 + int(rest[i]-'0')
			}
			i++
		}
		digits := i - 1
		if digits == 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	offset := 0 // seconds east of UTC
	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := twoDigits(rest[1:3])
		om, ok2 := twoDigits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

func twoDigits(b []byte) (int, bool) {
	if b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// daysIn is the length of a month in the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// prediction reads a model's output that is not an object (probabilities
// are decoded during the scan): a number (score, regression) or a string
// (class).
func (d *Decoder) prediction(v span, p *drift.Prediction) error {
	switch v.kind {
	case kAbsent, kNull, kObject:
		return nil
	case kNumber, kNonFinite, kBadNumber:
		f, ok := finite(v)
		if !ok {
			return reject(ReasonInvalidPrediction, "prediction is %s, not finite", d.describe(v))
		}
		p.Output = drift.NumberValue(f)
	case kString:
		p.Output = drift.StringValue(str(d.bytes(v)))
	case kBadString:
		return reject(ReasonInvalidPrediction, "prediction %q is not UTF-8", clip(d.bytes(v)))
	default:
		return reject(ReasonInvalidPrediction, "prediction is %s, not a number, a string or an object of probabilities", d.describe(v))
	}
	return nil
}

// labelValue reads a true label: a finite number, a string or a boolean.
// v is neither absent nor null.
func (d *Decoder) labelValue(v span) (drift.Value, error) {
	switch v.kind {
	case kNumber, kNonFinite, kBadNumber:
		f, ok := finite(v)
		if !ok {
			return drift.Value{}, reject(ReasonInvalidLabel, "label is %s, not finite", d.describe(v))
		}
		return drift.NumberValue(f), nil
	case kString:
		return drift.StringValue(str(d.bytes(v))), nil
	case kBadString:
		return drift.Value{}, reject(ReasonInvalidLabel, "label %q is not UTF-8", clip(d.bytes(v)))
	case kTrue:
		return drift.BoolValue(true), nil
	case kFalse:
		return drift.BoolValue(false), nil
	default:
		return drift.Value{}, reject(ReasonInvalidLabel, "label is %s, not a number, a string or a boolean", d.describe(v))
	}
}

// str views b as a string without copying. b must not change while the
// string is in use: the decoder's buffer is rewritten only by the next
// Decode call, which is the validity the Decoder documents.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// clip bounds what of a record goes into a rejection's detail.
func clip(b []byte) []byte {
	const n = 64
	if len(b) > n {
		return b[:n]
	}
	return b
}

// describe names a value's kind, and shows a number as written (it may be
// the culprit: nan, 1e999), for a rejection's detail.
func (d *Decoder) describe(v span) string {
	switch v.kind {
	case kNumber, kNonFinite, kBadNumber:
		return "a number (" + string(clip(d.bytes(v))) + ")"
	case kString, kBadString:
		return "a string"
	case kObject:
		return "an object"
	case kArray:
		return "an array"
	case kTrue, kFalse:
		return "a boolean"
	default:
		return "null"
	}
}

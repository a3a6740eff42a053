package ingest

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"

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
	parser   fastjson.Parser
	// version and id hold a model_version or id that arrived as a number
	// and had to be formatted; the decoded strings alias them.
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
// likewise Invalid; "Infinity" is malformed JSON.
//
// Of a key given twice, the first is used.
func (d *Decoder) DecodePrediction(b []byte, msgTime time.Time, p *drift.Prediction) error {
	p.Reset()
	if err := d.decodePrediction(b, msgTime, p); err != nil {
		p.Reset()
		return err
	}
	return nil
}

func (d *Decoder) decodePrediction(b []byte, msgTime time.Time, p *drift.Prediction) error {
	o, err := d.parse(b)
	if err != nil {
		return err
	}
	if p.Model, err = model(o); err != nil {
		return err
	}
	if v := o.Get("model_version"); !isNull(v) {
		s, ok := textOrNumber(v, &d.version)
		if !ok {
			return reject(ReasonInvalidModel, "model_version is %s, not a UTF-8 string or a finite number", describe(v))
		}
		p.ModelVersion = s
	}
	if v := o.Get("id"); !isNull(v) {
		s, ok := textOrNumber(v, &d.id)
		if !ok {
			return reject(ReasonMissingID, "id is %s, not a UTF-8 string or a finite number", describe(v))
		}
		p.ID = s
	}
	if p.Time, err = timestamp(o.Get("timestamp"), msgTime); err != nil {
		return err
	}
	if err := features(o.Get("features"), p); err != nil {
		return err
	}
	if err := prediction(o.Get("prediction"), p); err != nil {
		return err
	}
	if v := o.Get("label"); !isNull(v) {
		if p.Label, err = labelValue(v); err != nil {
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
	o, err := d.parse(b)
	if err != nil {
		return err
	}
	if l.Model, err = model(o); err != nil {
		return err
	}
	v := o.Get("id")
	if isNull(v) {
		return reject(ReasonMissingID, "a label needs an id")
	}
	s, ok := textOrNumber(v, &d.id)
	if !ok {
		return reject(ReasonMissingID, "id is %s, not a UTF-8 string or a finite number", describe(v))
	}
	if s == "" {
		return reject(ReasonMissingID, "id is empty")
	}
	l.ID = s
	if l.Time, err = timestamp(o.Get("timestamp"), msgTime); err != nil {
		return err
	}
	v = o.Get("label")
	if isNull(v) {
		return reject(ReasonInvalidLabel, "a label event needs a label")
	}
	l.Label, err = labelValue(v)
	return err
}

func (d *Decoder) parse(b []byte) (*fastjson.Object, error) {
	if len(b) > d.maxBytes {
		return nil, reject(ReasonOversized, "%d bytes, more than the limit of %d", len(b), d.maxBytes)
	}
	v, err := d.parser.ParseBytes(b)
	if err != nil {
		return nil, reject(ReasonMalformedJSON, "%v", err)
	}
	o, err := v.Object()
	if err != nil {
		return nil, reject(ReasonNotAnObject, "the record is %s", describe(v))
	}
	return o, nil
}

func model(o *fastjson.Object) (string, error) {
	v := o.Get("model")
	if isNull(v) {
		return "", reject(ReasonMissingModel, "no model")
	}
	if v.Type() != fastjson.TypeString {
		return "", reject(ReasonInvalidModel, "model is %s, not a string", describe(v))
	}
	b, _ := v.StringBytes()
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

// textOrNumber returns a string as it is, and a number as text: an integer
// as written (so long ids keep every digit), any other number formatted
// shortest, into *buf, which the result aliases.
func textOrNumber(v *fastjson.Value, buf *[]byte) (string, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !validUTF8(b) {
			return "", false
		}
		return str(b), true
	case fastjson.TypeNumber:
		raw := v.MarshalTo((*buf)[:0])
		if !plainInteger(raw) {
			f, err := v.Float64()
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return "", false
			}
			raw = strconv.AppendFloat(raw[:0], f, 'g', -1, 64)
		}
		*buf = raw
		return str(raw), true
	default:
		return "", false
	}
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

// Epoch milliseconds accepted: the years 0000 to 9999, as for RFC 3339.
const (
	minMillis = -62167219200000 // 0000-01-01T00:00:00Z
	maxMillis = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// timestamp reads an RFC 3339 string or epoch milliseconds, in UTC. Absent
// or null means the Kafka message's time.
// timestamp reads an event's time; it must lie in drift's event-time range,
// which every store can hold, so a broken clock is rejected here rather than
// stalling the window it would land in.
func timestamp(v *fastjson.Value, msgTime time.Time) (time.Time, error) {
	t, err := rawTimestamp(v, msgTime)
	if err != nil {
		return t, err
	}
	if t.Before(drift.MinEventTime) || !t.Before(drift.MaxEventTime) {
		return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp %s outside [%s, %s)", t.Format(time.RFC3339Nano),
			drift.MinEventTime.Format(time.RFC3339), drift.MaxEventTime.Format(time.RFC3339))
	}
	return t, nil
}

func rawTimestamp(v *fastjson.Value, msgTime time.Time) (time.Time, error) {
	if isNull(v) {
		return msgTime.UTC(), nil
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		t, ok := parseRFC3339(b)
		if !ok {
			return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp %q is not RFC 3339", clip(b))
		}
		return t, nil
	case fastjson.TypeNumber:
		f, err := v.Float64()
		// The comparisons are false for NaN, so it is refused too.
		if err != nil || !(f >= minMillis && f <= maxMillis) {
			return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp is %s, not epoch milliseconds in the years 0000-9999", describe(v))
		}
		// Integers below 2^53 (the whole range) parse exactly.
		if f == math.Trunc(f) {
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		sec := math.Floor(f / 1000)
		nsec := math.Round((f - sec*1000) * 1e6)
		return time.Unix(int64(sec), int64(nsec)).UTC(), nil
	default:
		return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp is %s, not a string or a number", describe(v))
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

func features(v *fastjson.Value, p *drift.Prediction) error {
	if isNull(v) {
		return nil
	}
	o, err := v.Object()
	if err != nil {
		return reject(ReasonInvalidFeatures, "features is %s, not an object", describe(v))
	}
	o.Visit(func(name []byte, fv *fastjson.Value) {
		if err != nil {
			return
		}
		if !validUTF8(name) {
			err = reject(ReasonMalformedJSON, "feature name %q is not UTF-8", clip(name))
			return
		}
		var val drift.Value
		if val, err = featureValue(name, fv); err == nil {
			p.Features = append(p.Features, drift.Feature{Name: str(name), Value: val})
		}
	})
	return err
}

func featureValue(name []byte, v *fastjson.Value) (drift.Value, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil {
			return drift.Value{}, reject(ReasonInvalidFeatureValue, "feature %q: %v", clip(name), err)
		}
		return drift.NumberValue(f), nil
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !validUTF8(b) {
			// JSON text is UTF-8; such a value cannot be a category.
			return drift.Value{Kind: drift.Invalid}, nil
		}
		return drift.StringValue(str(b)), nil
	case fastjson.TypeTrue:
		return drift.BoolValue(true), nil
	case fastjson.TypeFalse:
		return drift.BoolValue(false), nil
	case fastjson.TypeNull:
		return drift.Value{}, nil
	default:
		return drift.Value{Kind: drift.Invalid}, nil
	}
}

// prediction reads the model's output: a number (score, regression), a
// string (class), or an object of class -> probability, whose arg-max
// becomes the output (the first of equal maxima, in the record's order).
func prediction(v *fastjson.Value, p *drift.Prediction) error {
	if isNull(v) {
		return nil
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return reject(ReasonInvalidPrediction, "prediction is %s, not finite", describe(v))
		}
		p.Output = drift.NumberValue(f)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !validUTF8(b) {
			return reject(ReasonInvalidPrediction, "prediction %q is not UTF-8", clip(b))
		}
		p.Output = drift.StringValue(str(b))
	case fastjson.TypeObject:
		o, _ := v.Object()
		var err error
		best, bestP := -1, 0.0
		o.Visit(func(class []byte, cv *fastjson.Value) {
			if err != nil {
				return
			}
			if !validUTF8(class) {
				err = reject(ReasonInvalidPrediction, "class %q is not UTF-8", clip(class))
				return
			}
			f, ferr := cv.Float64()
			if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				err = reject(ReasonInvalidPrediction, "probability of class %q is %s, not a finite number", clip(class), describe(cv))
				return
			}
			p.Probabilities = append(p.Probabilities, drift.Feature{Name: str(class), Value: drift.NumberValue(f)})
			if best < 0 || f > bestP {
				best, bestP = len(p.Probabilities)-1, f
			}
		})
		if err != nil {
			return err
		}
		if best < 0 {
			return reject(ReasonInvalidPrediction, "prediction is an empty object")
		}
		p.Output = drift.StringValue(p.Probabilities[best].Name)
	default:
		return reject(ReasonInvalidPrediction, "prediction is %s, not a number, a string or an object of probabilities", describe(v))
	}
	return nil
}

// labelValue reads a true label: a finite number, a string or a boolean.
// v is neither absent nor null.
func labelValue(v *fastjson.Value) (drift.Value, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return drift.Value{}, reject(ReasonInvalidLabel, "label is %s, not finite", describe(v))
		}
		return drift.NumberValue(f), nil
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !validUTF8(b) {
			return drift.Value{}, reject(ReasonInvalidLabel, "label %q is not UTF-8", clip(b))
		}
		return drift.StringValue(str(b)), nil
	case fastjson.TypeTrue:
		return drift.BoolValue(true), nil
	case fastjson.TypeFalse:
		return drift.BoolValue(false), nil
	default:
		return drift.Value{}, reject(ReasonInvalidLabel, "label is %s, not a number, a string or a boolean", describe(v))
	}
}

// validUTF8 is utf8.Valid with a loop for the short ASCII names and values
// that are nearly all a record holds, cheaper than the call it saves.
func validUTF8(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
		}
	}
	return true
}

func isNull(v *fastjson.Value) bool { return v == nil || v.Type() == fastjson.TypeNull }

// str views b as a string without copying. b must not change while the
// string is in use: the parser's buffer is rewritten only by the next
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

// describe names a value's type, and shows a number as written (it may be
// the culprit: nan, 1e999), for a rejection's detail.
func describe(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeNumber:
		return "a number (" + string(clip(v.MarshalTo(nil))) + ")"
	case fastjson.TypeString:
		return "a string"
	case fastjson.TypeObject:
		return "an object"
	case fastjson.TypeArray:
		return "an array"
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return "a boolean"
	case fastjson.TypeNull:
		return "null"
	default:
		return v.Type().String()
	}
}

package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/driftmon/driftmon/drift"
)

// refDecoder is the decoder the scanner replaced, built on fastjson's tree,
// kept as the reference FuzzDecodeMatchesReference compares the Decoder
// with. It is the old code with two changes, each marked "Change" where it
// is made, for two bugs of the old decoder that the Decoder fixes:
//
//  1. Numbers take strconv.ParseFloat's value. fastjson's own float parser
//     rounds twice on some inputs (2.15838e-18 came out one unit in the
//     last place too high), where ParseFloat is exact.
//  2. Keys are unescaped before they are looked up, so the first of a
//     repeated key wins even when it is spelled with escapes.
//
// The other differences, where the Decoder is stricter, are in
// knownDifference below.
type refDecoder struct {
	maxBytes int
	parser   fastjson.Parser
	version  []byte
	id       []byte
}

func newRefDecoder(maxBytes int) *refDecoder { return &refDecoder{maxBytes: maxBytes} }

// DecodePrediction is Decoder.DecodePrediction as it was.
func (d *refDecoder) DecodePrediction(b []byte, msgTime time.Time, p *drift.Prediction) error {
	p.Reset()
	if err := d.decodePrediction(b, msgTime, p); err != nil {
		p.Reset()
		return err
	}
	return nil
}

// DecodeLabel is Decoder.DecodeLabel as it was.
func (d *refDecoder) DecodeLabel(b []byte, msgTime time.Time, l *drift.Label) error {
	*l = drift.Label{}
	if err := d.decodeLabel(b, msgTime, l); err != nil {
		*l = drift.Label{}
		return err
	}
	return nil
}

// refFloat64 is how the reference reads a number. Change 1: fastjson
// decides, as before, whether the number can be read at all, but the value
// is ParseFloat's (an out-of-range one included, as ±Inf), not fastjson's.
func refFloat64(v *fastjson.Value) (float64, error) {
	f, err := v.Float64()
	if err != nil || math.IsNaN(f) {
		return f, err
	}
	g, err := strconv.ParseFloat(string(v.MarshalTo(nil)), 64)
	if err == nil || errors.Is(err, strconv.ErrRange) {
		return g, nil
	}
	return f, nil
}

func (d *refDecoder) decodePrediction(b []byte, msgTime time.Time, p *drift.Prediction) error {
	o, err := d.parse(b)
	if err != nil {
		return err
	}
	if p.Model, err = refModel(o); err != nil {
		return err
	}
	if v := o.Get("model_version"); !refIsNull(v) {
		s, ok := refTextOrNumber(v, &d.version)
		if !ok {
			return reject(ReasonInvalidModel, "model_version is %s, not a UTF-8 string or a finite number", refDescribe(v))
		}
		p.ModelVersion = s
	}
	if v := o.Get("id"); !refIsNull(v) {
		s, ok := refTextOrNumber(v, &d.id)
		if !ok {
			return reject(ReasonMissingID, "id is %s, not a UTF-8 string or a finite number", refDescribe(v))
		}
		p.ID = s
	}
	if p.Time, err = refTimestamp(o.Get("timestamp"), msgTime); err != nil {
		return err
	}
	if err := refFeatures(o.Get("features"), p); err != nil {
		return err
	}
	if err := refPrediction(o.Get("prediction"), p); err != nil {
		return err
	}
	if v := o.Get("label"); !refIsNull(v) {
		if p.Label, err = refLabelValue(v); err != nil {
			return err
		}
	}
	return nil
}

func (d *refDecoder) decodeLabel(b []byte, msgTime time.Time, l *drift.Label) error {
	o, err := d.parse(b)
	if err != nil {
		return err
	}
	if l.Model, err = refModel(o); err != nil {
		return err
	}
	v := o.Get("id")
	if refIsNull(v) {
		return reject(ReasonMissingID, "a label needs an id")
	}
	s, ok := refTextOrNumber(v, &d.id)
	if !ok {
		return reject(ReasonMissingID, "id is %s, not a UTF-8 string or a finite number", refDescribe(v))
	}
	if s == "" {
		return reject(ReasonMissingID, "id is empty")
	}
	l.ID = s
	if l.Time, err = refTimestamp(o.Get("timestamp"), msgTime); err != nil {
		return err
	}
	v = o.Get("label")
	if refIsNull(v) {
		return reject(ReasonInvalidLabel, "a label event needs a label")
	}
	l.Label, err = refLabelValue(v)
	return err
}

func (d *refDecoder) parse(b []byte) (*fastjson.Object, error) {
	if len(b) > d.maxBytes {
		return nil, reject(ReasonOversized, "%d bytes, more than the limit of %d", len(b), d.maxBytes)
	}
	v, err := d.parser.ParseBytes(b)
	if err != nil {
		return nil, reject(ReasonMalformedJSON, "%v", err)
	}
	o, err := v.Object()
	if err != nil {
		return nil, reject(ReasonNotAnObject, "the record is %s", refDescribe(v))
	}
	// Change 2: unescape every key before the first Get. Get compares
	// keys as written until it fails to find one, so of "mod\u0065l" and a
	// later "model" it took the later, against the contract's "first
	// wins".
	o.Visit(func([]byte, *fastjson.Value) {})
	return o, nil
}

func refModel(o *fastjson.Object) (string, error) {
	v := o.Get("model")
	if refIsNull(v) {
		return "", reject(ReasonMissingModel, "no model")
	}
	if v.Type() != fastjson.TypeString {
		return "", reject(ReasonInvalidModel, "model is %s, not a string", refDescribe(v))
	}
	b, _ := v.StringBytes()
	if !validModel(b) {
		return "", reject(ReasonInvalidModel, "model %q does not match [A-Za-z0-9_.-]{1,128}", clip(b))
	}
	return str(b), nil
}

// refTextOrNumber returns a string as it is, and a number as text: an integer
// as written (so long ids keep every digit), any other number formatted
// shortest, into *buf, which the result aliases.
func refTextOrNumber(v *fastjson.Value, buf *[]byte) (string, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !refValidUTF8(b) {
			return "", false
		}
		return str(b), true
	case fastjson.TypeNumber:
		raw := v.MarshalTo((*buf)[:0])
		if !plainInteger(raw) {
			f, err := refFloat64(v)
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

// refTimestamp reads an RFC 3339 string or epoch milliseconds, in UTC,
// within drift's event-time range. Absent or null means the Kafka
// message's time.
func refTimestamp(v *fastjson.Value, msgTime time.Time) (time.Time, error) {
	t, err := refRawTimestamp(v, msgTime)
	if err != nil {
		return t, err
	}
	if t.Before(drift.MinEventTime) || !t.Before(drift.MaxEventTime) {
		return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp %s outside [%s, %s)", t.Format(time.RFC3339Nano),
			drift.MinEventTime.Format(time.RFC3339), drift.MaxEventTime.Format(time.RFC3339))
	}
	return t, nil
}

func refRawTimestamp(v *fastjson.Value, msgTime time.Time) (time.Time, error) {
	if refIsNull(v) {
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
		f, err := refFloat64(v)
		// The comparisons are false for NaN, so it is refused too.
		if err != nil || !(f >= minMillis && f <= maxMillis) {
			return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp is %s, not epoch milliseconds in the years 0000-9999", refDescribe(v))
		}
		// Integers below 2^53 (the whole range) parse exactly.
		if f == math.Trunc(f) {
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		sec := math.Floor(f / 1000)
		nsec := math.Round((f - sec*1000) * 1e6)
		return time.Unix(int64(sec), int64(nsec)).UTC(), nil
	default:
		return time.Time{}, reject(ReasonInvalidTimestamp, "timestamp is %s, not a string or a number", refDescribe(v))
	}
}

func refFeatures(v *fastjson.Value, p *drift.Prediction) error {
	if refIsNull(v) {
		return nil
	}
	o, err := v.Object()
	if err != nil {
		return reject(ReasonInvalidFeatures, "features is %s, not an object", refDescribe(v))
	}
	o.Visit(func(name []byte, fv *fastjson.Value) {
		if err != nil {
			return
		}
		if !refValidUTF8(name) {
			err = reject(ReasonMalformedJSON, "feature name %q is not UTF-8", clip(name))
			return
		}
		var val drift.Value
		if val, err = refFeatureValue(name, fv); err == nil {
			p.Features = append(p.Features, drift.Feature{Name: str(name), Value: val})
		}
	})
	return err
}

func refFeatureValue(name []byte, v *fastjson.Value) (drift.Value, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := refFloat64(v)
		if err != nil {
			return drift.Value{}, reject(ReasonInvalidFeatureValue, "feature %q: %v", clip(name), err)
		}
		return drift.NumberValue(f), nil
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !refValidUTF8(b) {
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

// refPrediction reads the model's output: a number (score, regression), a
// string (class), or an object of class -> probability, whose arg-max
// becomes the output (the first of equal maxima, in the record's order).
func refPrediction(v *fastjson.Value, p *drift.Prediction) error {
	if refIsNull(v) {
		return nil
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := refFloat64(v)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return reject(ReasonInvalidPrediction, "prediction is %s, not finite", refDescribe(v))
		}
		p.Output = drift.NumberValue(f)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !refValidUTF8(b) {
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
			if !refValidUTF8(class) {
				err = reject(ReasonInvalidPrediction, "class %q is not UTF-8", clip(class))
				return
			}
			f, ferr := refFloat64(cv)
			if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				err = reject(ReasonInvalidPrediction, "probability of class %q is %s, not a finite number", clip(class), refDescribe(cv))
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
		return reject(ReasonInvalidPrediction, "prediction is %s, not a number, a string or an object of probabilities", refDescribe(v))
	}
	return nil
}

// refLabelValue reads a true label: a finite number, a string or a boolean.
// v is neither absent nor null.
func refLabelValue(v *fastjson.Value) (drift.Value, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := refFloat64(v)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return drift.Value{}, reject(ReasonInvalidLabel, "label is %s, not finite", refDescribe(v))
		}
		return drift.NumberValue(f), nil
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !refValidUTF8(b) {
			return drift.Value{}, reject(ReasonInvalidLabel, "label %q is not UTF-8", clip(b))
		}
		return drift.StringValue(str(b)), nil
	case fastjson.TypeTrue:
		return drift.BoolValue(true), nil
	case fastjson.TypeFalse:
		return drift.BoolValue(false), nil
	default:
		return drift.Value{}, reject(ReasonInvalidLabel, "label is %s, not a number, a string or a boolean", refDescribe(v))
	}
}

// refValidUTF8 is utf8.Valid with a loop for the short ASCII names and values
// that are nearly all a record holds, cheaper than the call it saves.
func refValidUTF8(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
		}
	}
	return true
}

func refIsNull(v *fastjson.Value) bool { return v == nil || v.Type() == fastjson.TypeNull }

// refDescribe names a value's type, and shows a number as written (it may be
// the culprit: nan, 1e999), for a rejection's detail.
func refDescribe(v *fastjson.Value) string {
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

// FuzzDecodeMatchesReference decodes each input as a prediction and as a
// label with the Decoder and with the reference, the decoder it replaced,
// and requires the same result: the same rejection reason, or the same
// event. Where they differ, the input must be one of the known differences
// (knownDifference), each a place where the Decoder is deliberately
// stricter.
//
//	go test -run x -fuzz FuzzDecodeMatchesReference -fuzztime 60s ./ingest/
func FuzzDecodeMatchesReference(f *testing.F) {
	// The inputs of the other tests in this package.
	for _, s := range []string{
		`{"model": "fraud", "model_version": "7", "id": "req-81f3",
		"timestamp": "2026-11-22T04:00:00.125Z",
		"features": {"amount": 12.5, "country": "DE", "is_new": true, "age": null},
		"prediction": 0.87, "label": null}`,
		`{"model":"m"}`,
		`{"model":"m","model_version":null,"id":null,"timestamp":null,"features":null,"prediction":null,"label":null}`,
		`{"model":"m","timestamp":0,"features":{"n":-3.5e2,"i":7,"s":"x","e":"","t":true,"f":false,"z":null,` +
			`"o":{"a":1},"a":[1,2],"big":1e400,"nbig":-1e400,"nan":NaN,"esc":"a\"b\u00e9\n"}}`,
		"{\"model\":\"m\",\"timestamp\":0,\"features\":{\"s\":\"\xff\xfe\"}}",
		`{"mod\u0065l":"m","timestamp":0,"features":{"caf\u00e9":1}}`,
		`{"model":"m","model_version":7.0,"id":12345678901234567890,"timestamp":0}`,
		`{"model":"m","model_version":-2,"id":1.5e3,"timestamp":0}`,
		`{"model":"m","timestamp":0,"prediction":"cat","label":"dog"}`,
		`{"model":"m","timestamp":0,"prediction":-1.25,"label":1}`,
		`{"model":"m","timestamp":0,"label":false}`,
		`{"model":"m","timestamp":0,"prediction":{"low":0.2,"high":0.7,"mid":0.1}}`,
		`{"model":"m","timestamp":0,"prediction":{"a":0.25,"b":0.375,"c":0.375}}`,
		`{"model":"m","timestamp":0,"prediction":{"x":-3}}`,
		`{"model":"a","extra":{"deep":[1,2,{"x":null}]},"model":"b","timestamp":0,"v":"w"}`,
		`{"model":"` + strings.Repeat("aZ09_.-x", 16) + `","timestamp":0}`,
		`{"model": "fraud", "id": "req-81f3", "timestamp": "2026-11-22T04:00:00.125Z", "label": 1}`,
		`{"model":"m","id":42,"label":"spam"}`,
		`{"model":"m","id":"x","timestamp":1000,"label":true}`,
		`{"model":"m","features":{"a":"` + strings.Repeat("x", 300) + `"}}`,
		`{"model":"m","id":"` + strings.Repeat("x", 300) + `","label":1}`,
		``,
		`model=m`,
		`{"model":"m","features":{"a":1`,
		`{"model":"m"} x`,
		`{"model":"m","features":{"a":Infinity}}`,
		"{\"model\":\"m\",\"features\":{\"\xff\":1}}",
		`[{"model":"m"}]`,
		`"m"`,
		`42`,
		`null`,
		`{"features":{}}`,
		`{"model":null,"id":"x","label":1}`,
		`{"model":7}`,
		`{"model":""}`,
		`{"model":"a/b"}`,
		`{"model":"a b","id":"x","label":1}`,
		`{"model":"modèle"}`,
		`{"model":"` + strings.Repeat("m", 129) + `"}`,
		`{"model":"m","model_version":{"v":7}}`,
		`{"model":"m","model_version":true}`,
		`{"model":"m","model_version":NaN}`,
		`{"model":"m","id":["x"]}`,
		`{"model":"m","id":1e999}`,
		`{"model":"m","label":1}`,
		`{"model":"m","id":null,"label":1}`,
		`{"model":"m","id":"","label":1}`,
		`{"model":"m","id":{},"label":1}`,
		`{"model":"m","timestamp":true}`,
		`{"model":"m","id":"x","timestamp":{},"label":1}`,
		`{"model":"m","timestamp":"22/11/2026 04:00"}`,
		`{"model":"m","timestamp":"2026-11-22T04:00:00"}`,
		`{"model":"m","timestamp":"2026-11-22"}`,
		`{"model":"m","timestamp":""}`,
		`{"model":"m","timestamp":253402300800000}`,
		`{"model":"m","timestamp":-62167219200001}`,
		`{"model":"m","timestamp":nan}`,
		`{"model":"m","features":[1,2]}`,
		`{"model":"m","features":"a=1"}`,
		`{"model":"m","features":3}`,
		`{"model":"m","features":{"a":1,"b":1-2}}`,
		`{"model":"m","features":{"a":-}}`,
		`{"model":"m","prediction":true}`,
		`{"model":"m","prediction":[0.1,0.9]}`,
		`{"model":"m","prediction":1e400}`,
		`{"model":"m","prediction":NaN}`,
		`{"model":"m","prediction":{}}`,
		`{"model":"m","prediction":{"a":"0.5","b":0.5}}`,
		`{"model":"m","prediction":{"a":null}}`,
		`{"model":"m","prediction":{"a":0.5,"b":-1e400}}`,
		`{"model":"m","label":{"y":1}}`,
		`{"model":"m","label":1e400}`,
		`{"model":"m","id":"x"}`,
		`{"model":"m","id":"x","label":null}`,
		`{"model":"m","id":"x","label":[1]}`,
		event20,
		`{"model":"m"}`,
		`{"model":"m","prediction":{"a":0.5}}`,
		`{"model":"m","timestamp":"2026-11-22T04:00:00+01:00"}`,
		`{"model":"m","id":1e3,"model_version":NaN}`,
		`[1]`,
		`{"model":"m","features":{"a":[{"b":{}}]}}`,
		`{`,
	} {
		f.Add([]byte(s))
	}
	for _, ts := range []string{`"2026-11-22T04:00:00Z"`, `"2026-11-22T04:00:00.1Z"`, `"2026-11-22T04:00:00.125Z"`, `"2026-11-22T04:00:00.123456789Z"`, `"2026-11-22T04:00:00.123456789987Z"`, `"2026-11-22t04:00:00z"`, `"2026-11-22T05:30:00+01:30"`, `"2026-11-21T20:00:00.5-08:00"`, `"2026-11-22T04:00:00+00:00"`, `"2026-11-22T04:00:00-00:00"`, `"2027-01-01T01:00:00+23:59"`, `"2024-02-29T23:59:59Z"`, `"2000-02-29T00:00:00Z"`, `"0000-01-01T00:00:00Z"`, `"9999-12-31T23:59:59.999999999Z"`, `1795320000125`, `1795320000125.5`, `1.795320000125e12`, `0`, `-1`, `-0.5`, `253402300799999`, `-62167219200000`, `null`, `"2099-12-31T23:59:59.999Z"`, `"2100-01-01T00:00:00Z"`} {
		f.Add([]byte(`{"model":"m","timestamp":` + ts + `}`))
	}
	// Strictness, escapes, numbers and nesting.
	for _, s := range []string{
		"{\"model\":\"m\",\"features\":{\"a\":\"x\ty\"}}", `{"model":"m","features":{"a":"\q"}}`,
		`{"model":"m","features":{"a":"\u12"}}`, `{"model":"m","features":{"a":012,"b":1.,"c":.5,"d":+1}}`,
		`{"model":"m","x":1-2}`, `{"model":"m","x":[NaN,-Inf,+inf,nan]}`, `{"model":"m","id":007}`,
		`{"model":"m","features":{"a":"\ud83d\ude00","b":"\ud83d","c":"\ude00x","\ud83d":1}}`,
		`{"mod\u0065l":"a","model":"b"}`, `{"model":"m","timestamp":1e400,"features":{"a":2.15838e-18}}`,
		`{"model":"m","features":{"a":17976931348623157e292,"b":-0,"c":0e999,"d":123456789012345678901234567890}}`,
		`{"model":"m","prediction":{"a":1,"a":2},"features":{"x":1,"x":"y"}}`,
		`{"model":"m","features":{"a":` + strings.Repeat("[", 298) + strings.Repeat("]", 298) + `}}`,
		`{"model":"m","features":{"a":` + strings.Repeat("[", 299) + strings.Repeat("]", 299) + `}}`,
		` {"model":"m"} `, `{"model":"m",}`, `{"model":"m","features":{"a":[1,]}}`, `-`, `1-2`, `nan`, `tru`, `{"a"}`,
	} {
		f.Add([]byte(s))
	}
	d := NewDecoder(DecoderOptions{MaxBytes: 4096})
	ref := newRefDecoder(4096)
	var got, want drift.Prediction
	var gotL, wantL drift.Label
	f.Fuzz(func(t *testing.T, b []byte) {
		// The input as a record, and a record built from it: random bytes
		// are seldom JSON, so without the second most comparisons would be
		// of two rejections.
		for _, rec := range [][]byte{b, buildRecord(b)} {
			gerr := d.DecodePrediction(rec, msgTime, &got)
			werr := ref.DecodePrediction(rec, msgTime, &want)
			if diff := diffPrediction(&got, &want, gerr, werr); diff != "" {
				why := knownDifference(rec, gerr)
				if why == "" {
					t.Fatalf("prediction %q: %s", rec, diff)
				}
				t.Logf("prediction, known difference (%s): %s", why, diff)
			}
			gerr = d.DecodeLabel(rec, msgTime, &gotL)
			werr = ref.DecodeLabel(rec, msgTime, &wantL)
			if diff := diffLabel(&gotL, &wantL, gerr, werr); diff != "" {
				why := knownDifference(rec, gerr)
				if why == "" {
					t.Fatalf("label %q: %s", rec, diff)
				}
				t.Logf("label, known difference (%s): %s", why, diff)
			}
		}
	})
}

// recordBuilder writes a record shaped like an event, each choice taken
// from the next byte of its input (zero, the plainest choice, once that is
// used up, when objects and arrays also end): the keys
// of the contract and others, in any order and repeated, with values of
// every kind, numbers of every form, strings with every escape, raw UTF-8
// and invalid bytes, whitespace, nesting. Now and then it writes what is
// not JSON, which the Decoder must reject.
type recordBuilder struct {
	in  []byte
	out []byte
}

// buildRecord builds the record that in describes. Most start with a
// valid model, without which the rest would not be looked at.
func buildRecord(in []byte) []byte {
	r := &recordBuilder{in: in}
	if r.pick(8) == 0 {
		r.object(1, (*recordBuilder).member)
		return r.out
	}
	r.write(`{"model":"fraud"`)
	for n := r.pick(8); n > 0 && len(r.in) > 0; n-- {
		r.write(",")
		r.ws()
		r.member(1)
		r.ws()
	}
	r.write("}")
	return r.out
}

func (r *recordBuilder) next() byte {
	if len(r.in) == 0 {
		return 0
	}
	c := r.in[0]
	r.in = r.in[1:]
	return c
}

// pick returns a choice in [0, n).
func (r *recordBuilder) pick(n int) int { return int(r.next()) % n }

func (r *recordBuilder) write(s string) { r.out = append(r.out, s...) }

// ws writes whitespace, mostly none.
func (r *recordBuilder) ws() {
	if r.pick(4) == 3 {
		r.write([]string{" ", "\n", "\t ", "\r\n"}[r.pick(4)])
	}
}

// object writes an object of up to seven members written by member.
func (r *recordBuilder) object(depth int, member func(*recordBuilder, int)) {
	r.write("{")
	r.ws()
	for i := range r.pick(8) {
		if len(r.in) == 0 {
			break
		}
		if i > 0 {
			r.write(",")
			r.ws()
		}
		member(r, depth)
		r.ws()
	}
	r.write("}")
}

// member writes a member of the record: mostly a key of the contract,
// with a value of the kind it takes, now and then of another.
func (r *recordBuilder) member(depth int) {
	keys := []string{"model", "model_version", "id", "timestamp", "features", "prediction", "label", "x", `mod\u0065l`, `f\u0065atures`}
	k := r.pick(len(keys))
	r.write(`"` + keys[k] + `":`)
	r.ws()
	if r.pick(8) == 7 {
		r.value(depth + 1)
		return
	}
	switch keys[k] {
	case "model", `mod\u0065l`:
		r.write(`"` + []string{"fraud", "m", "a.b-c_9", "", "a b", "é"}[r.pick(6)] + `"`)
	case "timestamp":
		switch r.pick(3) {
		case 0:
			r.number()
		case 1:
			r.write(fmt.Sprintf(`"20%02d-%02d-%02dT%02d:%02d:%02d.%dZ"`, r.pick(100), 1+r.pick(12), 1+r.pick(28), r.pick(24), r.pick(60), r.pick(60), r.pick(1000)))
		default:
			r.write(strconv.FormatInt(int64(r.next())<<32|int64(r.next())<<24|int64(r.next())<<8, 10))
		}
	case "features", `f\u0065atures`:
		r.object(depth+1, func(r *recordBuilder, depth int) {
			r.str()
			r.write(":")
			r.ws()
			r.value(depth + 1)
		})
	case "prediction":
		if r.pick(2) == 0 {
			r.object(depth+1, func(r *recordBuilder, depth int) {
				r.str()
				r.write(":")
				if r.pick(8) == 7 {
					r.value(depth + 1)
				} else {
					r.number()
				}
			})
			return
		}
		r.value(depth + 1)
	default:
		r.value(depth + 1)
	}
}

// value writes a value of any kind.
func (r *recordBuilder) value(depth int) {
	switch c := r.pick(16); {
	case c < 5:
		r.number()
	case c < 10:
		r.str()
	case c < 12:
		r.write([]string{"true", "false", "null", "NaN", "-Inf", "+inf"}[r.pick(6)])
	case c < 14 && depth < 6:
		r.write("[")
		for i := range r.pick(4) {
			if len(r.in) == 0 {
				break
			}
			if i > 0 {
				r.write(",")
			}
			r.ws()
			r.value(depth + 1)
		}
		r.write("]")
	case depth < 6:
		r.object(depth+1, func(r *recordBuilder, depth int) {
			r.str()
			r.write(":")
			r.value(depth + 1)
		})
	default:
		r.write("null")
	}
}

// number writes a JSON number, or now and then a run of number characters
// that is not one.
func (r *recordBuilder) number() {
	if r.pick(64) == 63 {
		r.write([]string{"012", "1.", ".5", "+1", "1-2", "1e", "-", "00", "1.5e+", "--1"}[r.pick(10)])
		return
	}
	if r.pick(2) == 0 {
		r.write("-")
	}
	digits := func(n int) {
		for range n {
			r.out = append(r.out, byte('0'+r.pick(10)))
		}
	}
	if r.pick(4) == 0 {
		r.write("0")
	} else {
		r.out = append(r.out, byte('1'+r.pick(9)))
		digits(r.pick(20))
	}
	if r.pick(2) == 0 {
		r.write(".")
		digits(1 + r.pick(20))
	}
	if r.pick(4) == 0 {
		r.write([]string{"e", "E", "e+", "e-"}[r.pick(4)])
		digits(1 + r.pick(3))
	}
}

// str writes a string of up to eleven pieces: plain ASCII, escapes of
// every kind (surrogates, paired or lone, among them), UTF-8 and bytes that
// are not UTF-8.
func (r *recordBuilder) str() {
	r.write(`"`)
	for range r.pick(12) {
		switch r.pick(16) {
		case 0:
			r.write([]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`}[r.pick(8)])
		case 1:
			r.write(fmt.Sprintf(`\u%04x`, []int{0, 0x1f, 0x41, 0x7f, 0xe9, 0x7ff, 0x800, 0x4e2d, 0xfffd, 0xffff, 0xd83d, 0xdc00}[r.pick(12)]))
		case 2:
			r.write(`\ud83d\ude00`)
		case 3:
			r.write([]string{"é", "中", "😀", "\x7f"}[r.pick(4)])
		case 4:
			r.out = append(r.out, 0x80|r.next())
		case 5:
			if r.pick(8) == 7 {
				r.write([]string{"\x01", "\t", `\q`, `\u12`}[r.pick(4)])
			}
		default:
			r.out = append(r.out, "abcdefghijklmnopqrstuvwxyz_.-0123456789"[r.pick(39)])
		}
	}
	r.write(`"`)
}

// knownDifference says why the Decoder may decode b differently from the
// reference, given the Decoder's error, or returns "" when it may not:
//
//   - b is not JSON, once the NaN and Inf literals both read are set aside
//     (a control character or an invalid escape in a string, a number such
//     as 012, 1. or .5 that fastjson read, any malformed number where no
//     field is read). The Decoder must then reject it.
//   - b holds an escaped lone surrogate. The Decoder treats the string as
//     one that is not UTF-8; fastjson kept the escape as text, or, for a
//     high surrogate followed by another escape, replaced both by U+FFFD.
func knownDifference(b []byte, gerr error) string {
	if !strictJSON(b) {
		if gerr == nil {
			return ""
		}
		return "not strict JSON, and rejected"
	}
	if loneSurrogate(b) {
		return "a lone surrogate"
	}
	return ""
}

// strictJSON reports whether b is JSON by encoding/json's Valid once the
// NaN and Inf literals (in any case, after an optional sign, where a value
// starts) are replaced by 0.
func strictJSON(b []byte) bool {
	out := make([]byte, 0, len(b))
	inString, escaped := false, false
	var prev byte // the last byte outside strings that is not whitespace
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				prev = c
			}
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		if prev == 0 || prev == ':' || prev == ',' || prev == '[' {
			j := i
			if c == '+' || c == '-' {
				j++
			}
			if j+3 <= len(b) && (bytes.EqualFold(b[j:j+3], []byte("nan")) || bytes.EqualFold(b[j:j+3], []byte("inf"))) {
				out = append(out, '0')
				i = j + 2
				prev = '0'
				continue
			}
		}
		out = append(out, c)
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			prev = c
		}
	}
	return json.Valid(out)
}

// loneSurrogate reports whether a string in b holds a \u escape of a
// surrogate that is not the high half of a pair followed by its low half.
func loneSurrogate(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				u, ok := hexEscape(b, i)
				switch {
				case !ok:
				case 0xd800 <= u && u < 0xdc00:
					if lo, ok := hexEscape(b, i+6); ok && 0xdc00 <= lo && lo < 0xe000 {
						i += 6
					} else {
						return true
					}
				case 0xdc00 <= u && u < 0xe000:
					return true
				}
			}
			i++ // the escaped byte
		}
	}
	return false
}

// hexEscape reads a \uXXXX escape at b[i:].
func hexEscape(b []byte, i int) (uint64, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	u, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
	return u, err == nil
}

// diffPrediction describes how got and gerr differ from want and werr, or
// returns "".
func diffPrediction(got, want *drift.Prediction, gerr, werr error) string {
	if ReasonOf(gerr) != ReasonOf(werr) {
		return fmt.Sprintf("error %v; the reference says %v", gerr, werr)
	}
	if gerr != nil {
		return ""
	}
	switch {
	case got.Model != want.Model || got.ModelVersion != want.ModelVersion || got.ID != want.ID:
		return fmt.Sprintf("model, version, id %q, %q, %q; the reference says %q, %q, %q",
			got.Model, got.ModelVersion, got.ID, want.Model, want.ModelVersion, want.ID)
	case !sameTime(got.Time, want.Time):
		return fmt.Sprintf("time %v; the reference says %v", got.Time, want.Time)
	case !sameList(got.Features, want.Features):
		return fmt.Sprintf("features %v; the reference says %v", got.Features, want.Features)
	case !sameValue(got.Output, want.Output):
		return fmt.Sprintf("output %+v; the reference says %+v", got.Output, want.Output)
	case !sameList(got.Probabilities, want.Probabilities):
		return fmt.Sprintf("probabilities %v; the reference says %v", got.Probabilities, want.Probabilities)
	case !sameValue(got.Label, want.Label):
		return fmt.Sprintf("label %+v; the reference says %+v", got.Label, want.Label)
	}
	return ""
}

// diffLabel is diffPrediction for labels.
func diffLabel(got, want *drift.Label, gerr, werr error) string {
	if ReasonOf(gerr) != ReasonOf(werr) {
		return fmt.Sprintf("error %v; the reference says %v", gerr, werr)
	}
	if gerr == nil && (got.Model != want.Model || got.ID != want.ID || !sameTime(got.Time, want.Time) || !sameValue(got.Label, want.Label)) {
		return fmt.Sprintf("%+v; the reference says %+v", *got, *want)
	}
	return ""
}

func sameTime(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }

func sameList(a, b []drift.Feature) bool {
	return slices.EqualFunc(a, b, func(x, y drift.Feature) bool { return x.Name == y.Name && sameValue(x.Value, y.Value) })
}

// sameValue compares numbers bit for bit, so that 0 and -0 differ, and
// any NaN equals any other.
func sameValue(a, b drift.Value) bool {
	return a.Kind == b.Kind && a.Str == b.Str &&
		(math.Float64bits(a.Num) == math.Float64bits(b.Num) || math.IsNaN(a.Num) && math.IsNaN(b.Num))
}

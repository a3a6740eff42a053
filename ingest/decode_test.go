package ingest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// event20 is a realistic prediction: 10 numeric and 10 string features, as
// a fraud model's server would log it.
const event20 = `{"model":"fraud","model_version":"7","id":"req-81f3a9c2",` +
	`"timestamp":"2026-11-22T04:00:00.125Z","features":{` +
	`"amount":12.5,"amount_7d_avg":48.25,"account_age_days":412,"txn_count_24h":3,` +
	`"distance_km":12.75,"hour_of_day":4,"merchant_risk":0.031,"velocity_1h":1.5,` +
	`"ip_risk_score":0.12,"basket_items":2,` +
	`"country":"DE","currency":"EUR","channel":"web","device":"ios",` +
	`"card_brand":"visa","merchant_category":"grocery","tier":"gold",` +
	`"payment_method":"card","browser":"safari","language":"de-DE"},` +
	`"prediction":0.87,"label":null}`

// msgTime is the Kafka timestamp handed to the decoder, in a zone other
// than UTC so the conversion shows.
var msgTime = time.Date(2026, 11, 22, 5, 0, 0, 0, time.FixedZone("CET", 3600))

func num(f float64) drift.Value                   { return drift.Value{Kind: drift.Number, Num: f} }
func strv(s string) drift.Value                   { return drift.Value{Kind: drift.String, Str: s} }
func ft(name string, v drift.Value) drift.Feature { return drift.Feature{Name: name, Value: v} }

var (
	missing = drift.Value{}
	invalid = drift.Value{Kind: drift.Invalid}
	boolT   = drift.Value{Kind: drift.Bool, Num: 1, Str: "true"}
	boolF   = drift.Value{Kind: drift.Bool, Num: 0, Str: "false"}
)

func TestDecodePrediction(t *testing.T) {
	// Expected instants are written out by hand: 04:00:00.125Z; msgTime
	// 05:00 CET = 04:00 UTC.
	t0 := time.Date(2026, 11, 22, 4, 0, 0, 125e6, time.UTC)
	msgUTC := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want drift.Prediction
	}{
		{
			name: "the contract's example",
			in: `{"model": "fraud", "model_version": "7", "id": "req-81f3",
				"timestamp": "2026-11-22T04:00:00.125Z",
				"features": {"amount": 12.5, "country": "DE", "is_new": true, "age": null},
				"prediction": 0.87, "label": null}`,
			want: drift.Prediction{Model: "fraud", ModelVersion: "7", ID: "req-81f3", Time: t0,
				Features: []drift.Feature{ft("amount", num(12.5)), ft("country", strv("DE")), ft("is_new", boolT), ft("age", missing)},
				Output:   num(0.87)},
		},
		{
			name: "only a model: no features, output and label missing, time from the message",
			in:   `{"model":"m"}`,
			want: drift.Prediction{Model: "m", Time: msgUTC},
		},
		{
			name: "null optional fields are absent",
			in:   `{"model":"m","model_version":null,"id":null,"timestamp":null,"features":null,"prediction":null,"label":null}`,
			want: drift.Prediction{Model: "m", Time: msgUTC},
		},
		{
			name: "every feature value kind",
			in: `{"model":"m","timestamp":0,"features":{"n":-3.5e2,"i":7,"s":"x","e":"","t":true,"f":false,"z":null,` +
				`"o":{"a":1},"a":[1,2],"big":1e400,"nbig":-1e400,"nan":NaN,"esc":"a\"b\u00e9\n"}}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Features: []drift.Feature{
				ft("n", num(-350)), ft("i", num(7)), ft("s", strv("x")), ft("e", strv("")), ft("t", boolT), ft("f", boolF),
				ft("z", missing), ft("o", invalid), ft("a", invalid), ft("big", invalid), ft("nbig", invalid), ft("nan", invalid),
				ft("esc", strv("a\"b\u00e9\n")),
			}},
		},
		{
			name: "a string feature that is not UTF-8 is invalid",
			in:   "{\"model\":\"m\",\"timestamp\":0,\"features\":{\"s\":\"\xff\xfe\"}}",
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Features: []drift.Feature{ft("s", invalid)}},
		},
		{
			name: "escaped keys are unescaped",
			in:   `{"mod\u0065l":"m","timestamp":0,"features":{"caf\u00e9":1}}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Features: []drift.Feature{ft("café", num(1))}},
		},
		{
			name: "numeric id and version are formatted; integers keep every digit",
			in:   `{"model":"m","model_version":7.0,"id":12345678901234567890,"timestamp":0}`,
			want: drift.Prediction{Model: "m", ModelVersion: "7", ID: "12345678901234567890", Time: time.Unix(0, 0).UTC()},
		},
		{
			name: "an exponent id is formatted shortest",
			in:   `{"model":"m","model_version":-2,"id":1.5e3,"timestamp":0}`,
			want: drift.Prediction{Model: "m", ModelVersion: "-2", ID: "1500", Time: time.Unix(0, 0).UTC()},
		},
		{
			name: "string prediction is a class; labels of each kind",
			in:   `{"model":"m","timestamp":0,"prediction":"cat","label":"dog"}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Output: strv("cat"), Label: strv("dog")},
		},
		{
			name: "numeric label",
			in:   `{"model":"m","timestamp":0,"prediction":-1.25,"label":1}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Output: num(-1.25), Label: num(1)},
		},
		{
			name: "boolean label",
			in:   `{"model":"m","timestamp":0,"label":false}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Label: boolF},
		},
		{
			name: "probabilities: arg-max is the output",
			in:   `{"model":"m","timestamp":0,"prediction":{"low":0.2,"high":0.7,"mid":0.1}}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Output: strv("high"),
				Probabilities: []drift.Feature{ft("low", num(0.2)), ft("high", num(0.7)), ft("mid", num(0.1))}},
		},
		{
			name: "probabilities: of equal maxima the first wins",
			in:   `{"model":"m","timestamp":0,"prediction":{"a":0.25,"b":0.375,"c":0.375}}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Output: strv("b"),
				Probabilities: []drift.Feature{ft("a", num(0.25)), ft("b", num(0.375)), ft("c", num(0.375))}},
		},
		{
			name: "probabilities: one class, negative scores",
			in:   `{"model":"m","timestamp":0,"prediction":{"x":-3}}`,
			want: drift.Prediction{Model: "m", Time: time.Unix(0, 0).UTC(), Output: strv("x"),
				Probabilities: []drift.Feature{ft("x", num(-3))}},
		},
		{
			name: "unknown keys are ignored; the first of a repeated key wins",
			in:   `{"model":"a","extra":{"deep":[1,2,{"x":null}]},"model":"b","timestamp":0,"v":"w"}`,
			want: drift.Prediction{Model: "a", Time: time.Unix(0, 0).UTC()},
		},
		{
			name: "longest model name, every allowed character",
			in:   `{"model":"` + strings.Repeat("aZ09_.-x", 16) + `","timestamp":0}`,
			want: drift.Prediction{Model: strings.Repeat("aZ09_.-x", 16), Time: time.Unix(0, 0).UTC()},
		},
	}
	d := NewDecoder(DecoderOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p drift.Prediction
			if err := d.DecodePrediction([]byte(tt.in), msgTime, &p); err != nil {
				t.Fatalf("DecodePrediction: %v", err)
			}
			checkPrediction(t, &p, &tt.want)
		})
	}
}

func checkPrediction(t *testing.T, got, want *drift.Prediction) {
	t.Helper()
	if got.Model != want.Model || got.ModelVersion != want.ModelVersion || got.ID != want.ID {
		t.Errorf("model, version, id = %q, %q, %q; want %q, %q, %q",
			got.Model, got.ModelVersion, got.ID, want.Model, want.ModelVersion, want.ID)
	}
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Errorf("time = %v; want %v in UTC", got.Time, want.Time)
	}
	if !sameFeatures(got.Features, want.Features) {
		t.Errorf("features = %v; want %v", got.Features, want.Features)
	}
	if !sameFeatures(got.Probabilities, want.Probabilities) {
		t.Errorf("probabilities = %v; want %v", got.Probabilities, want.Probabilities)
	}
	if got.Output != want.Output {
		t.Errorf("output = %+v; want %+v", got.Output, want.Output)
	}
	if got.Label != want.Label {
		t.Errorf("label = %+v; want %+v", got.Label, want.Label)
	}
}

// sameFeatures compares by value; nil and empty are the same.
func sameFeatures(a, b []drift.Feature) bool {
	return slices.Equal(a, b)
}

func TestDecodeLabel(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want drift.Label
	}{
		{"the contract's example", `{"model": "fraud", "id": "req-81f3", "timestamp": "2026-11-22T04:00:00.125Z", "label": 1}`,
			drift.Label{Model: "fraud", ID: "req-81f3", Time: time.Date(2026, 11, 22, 4, 0, 0, 125e6, time.UTC), Label: num(1)}},
		{"string label, numeric id, time from the message", `{"model":"m","id":42,"label":"spam"}`,
			drift.Label{Model: "m", ID: "42", Time: msgTime, Label: strv("spam")}},
		{"boolean label", `{"model":"m","id":"x","timestamp":1000,"label":true}`,
			drift.Label{Model: "m", ID: "x", Time: time.Unix(1, 0), Label: boolT}},
	}
	d := NewDecoder(DecoderOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l drift.Label
			if err := d.DecodeLabel([]byte(tt.in), msgTime, &l); err != nil {
				t.Fatalf("DecodeLabel: %v", err)
			}
			if l.Model != tt.want.Model || l.ID != tt.want.ID || l.Label != tt.want.Label {
				t.Errorf("got %+v; want %+v", l, tt.want)
			}
			if !l.Time.Equal(tt.want.Time) || l.Time.Location() != time.UTC {
				t.Errorf("time = %v; want %v in UTC", l.Time, tt.want.Time)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	const pred, label = "prediction", "label"
	tests := []struct {
		name   string
		kind   string // pred or label
		in     string
		reason Reason
	}{
		{"oversized", pred, `{"model":"m","features":{"a":"` + strings.Repeat("x", 300) + `"}}`, ReasonOversized},
		{"oversized label", label, `{"model":"m","id":"` + strings.Repeat("x", 300) + `","label":1}`, ReasonOversized},
		{"empty record", pred, ``, ReasonMalformedJSON},
		{"not JSON", pred, `model=m`, ReasonMalformedJSON},
		{"truncated", pred, `{"model":"m","features":{"a":1`, ReasonMalformedJSON},
		{"trailing garbage", pred, `{"model":"m"} x`, ReasonMalformedJSON},
		{"Infinity literal", pred, `{"model":"m","features":{"a":Infinity}}`, ReasonMalformedJSON},
		{"feature name not UTF-8", pred, "{\"model\":\"m\",\"features\":{\"\xff\":1}}", ReasonMalformedJSON},
		{"array", pred, `[{"model":"m"}]`, ReasonNotAnObject},
		{"string", label, `"m"`, ReasonNotAnObject},
		{"number", pred, `42`, ReasonNotAnObject},
		{"null", pred, `null`, ReasonNotAnObject},
		{"no model", pred, `{"features":{}}`, ReasonMissingModel},
		{"null model", label, `{"model":null,"id":"x","label":1}`, ReasonMissingModel},
		{"numeric model", pred, `{"model":7}`, ReasonInvalidModel},
		{"empty model", pred, `{"model":""}`, ReasonInvalidModel},
		{"model with a slash", pred, `{"model":"a/b"}`, ReasonInvalidModel},
		{"model with a space", label, `{"model":"a b","id":"x","label":1}`, ReasonInvalidModel},
		{"model not ASCII", pred, `{"model":"modèle"}`, ReasonInvalidModel},
		{"model of 129 characters", pred, `{"model":"` + strings.Repeat("m", 129) + `"}`, ReasonInvalidModel},
		{"model_version an object", pred, `{"model":"m","model_version":{"v":7}}`, ReasonInvalidModel},
		{"model_version a boolean", pred, `{"model":"m","model_version":true}`, ReasonInvalidModel},
		{"model_version NaN", pred, `{"model":"m","model_version":NaN}`, ReasonInvalidModel},
		{"prediction id an array", pred, `{"model":"m","id":["x"]}`, ReasonMissingID},
		{"prediction id infinite", pred, `{"model":"m","id":1e999}`, ReasonMissingID},
		{"label without id", label, `{"model":"m","label":1}`, ReasonMissingID},
		{"label with null id", label, `{"model":"m","id":null,"label":1}`, ReasonMissingID},
		{"label with empty id", label, `{"model":"m","id":"","label":1}`, ReasonMissingID},
		{"label id an object", label, `{"model":"m","id":{},"label":1}`, ReasonMissingID},
		{"timestamp boolean", pred, `{"model":"m","timestamp":true}`, ReasonInvalidTimestamp},
		{"timestamp object", label, `{"model":"m","id":"x","timestamp":{},"label":1}`, ReasonInvalidTimestamp},
		{"timestamp not RFC 3339", pred, `{"model":"m","timestamp":"22/11/2026 04:00"}`, ReasonInvalidTimestamp},
		{"timestamp without zone", pred, `{"model":"m","timestamp":"2026-11-22T04:00:00"}`, ReasonInvalidTimestamp},
		{"timestamp date only", pred, `{"model":"m","timestamp":"2026-11-22"}`, ReasonInvalidTimestamp},
		{"timestamp empty", pred, `{"model":"m","timestamp":""}`, ReasonInvalidTimestamp},
		{"timestamp after year 9999", pred, `{"model":"m","timestamp":253402300800000}`, ReasonInvalidTimestamp},
		{"timestamp before year 0", pred, `{"model":"m","timestamp":-62167219200001}`, ReasonInvalidTimestamp},
		{"timestamp NaN", pred, `{"model":"m","timestamp":nan}`, ReasonInvalidTimestamp},
		{"features an array", pred, `{"model":"m","features":[1,2]}`, ReasonInvalidFeatures},
		{"features a string", pred, `{"model":"m","features":"a=1"}`, ReasonInvalidFeatures},
		{"features a number", pred, `{"model":"m","features":3}`, ReasonInvalidFeatures},
		{"feature an unreadable number", pred, `{"model":"m","features":{"a":1,"b":1-2}}`, ReasonInvalidFeatureValue},
		{"feature a lone minus", pred, `{"model":"m","features":{"a":-}}`, ReasonMalformedJSON},
		{"prediction a boolean", pred, `{"model":"m","prediction":true}`, ReasonInvalidPrediction},
		{"prediction an array", pred, `{"model":"m","prediction":[0.1,0.9]}`, ReasonInvalidPrediction},
		{"prediction overflows", pred, `{"model":"m","prediction":1e400}`, ReasonInvalidPrediction},
		{"prediction NaN", pred, `{"model":"m","prediction":NaN}`, ReasonInvalidPrediction},
		{"prediction empty object", pred, `{"model":"m","prediction":{}}`, ReasonInvalidPrediction},
		{"probability a string", pred, `{"model":"m","prediction":{"a":"0.5","b":0.5}}`, ReasonInvalidPrediction},
		{"probability null", pred, `{"model":"m","prediction":{"a":null}}`, ReasonInvalidPrediction},
		{"probability overflows", pred, `{"model":"m","prediction":{"a":0.5,"b":-1e400}}`, ReasonInvalidPrediction},
		{"prediction label an object", pred, `{"model":"m","label":{"y":1}}`, ReasonInvalidLabel},
		{"prediction label overflows", pred, `{"model":"m","label":1e400}`, ReasonInvalidLabel},
		{"label event without label", label, `{"model":"m","id":"x"}`, ReasonInvalidLabel},
		{"label event with null label", label, `{"model":"m","id":"x","label":null}`, ReasonInvalidLabel},
		{"label event with array label", label, `{"model":"m","id":"x","label":[1]}`, ReasonInvalidLabel},
	}
	d := NewDecoder(DecoderOptions{MaxBytes: 200})
	seen := map[Reason]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch tt.kind {
			case pred:
				// Start from a filled event: a rejection must leave it reset.
				p := drift.Prediction{Model: "old", Features: []drift.Feature{ft("x", num(1))}}
				err = d.DecodePrediction([]byte(tt.in), msgTime, &p)
				if p.Model != "" || len(p.Features) != 0 || !p.Time.IsZero() {
					t.Errorf("rejected prediction not reset: %+v", p)
				}
			case label:
				l := drift.Label{Model: "old", ID: "old"}
				err = d.DecodeLabel([]byte(tt.in), msgTime, &l)
				if l != (drift.Label{}) {
					t.Errorf("rejected label not reset: %+v", l)
				}
			}
			var rej *RejectError
			if !errors.As(err, &rej) {
				t.Fatalf("err = %v; want a *RejectError", err)
			}
			if rej.Reason != tt.reason {
				t.Errorf("reason = %q (%v); want %q", rej.Reason, err, tt.reason)
			}
			if rej.Detail == "" {
				t.Error("empty detail")
			}
			if got, want := err.Error(), string(rej.Reason)+": "+rej.Detail; got != want {
				t.Errorf("Error() = %q; want %q", got, want)
			}
		})
		seen[tt.reason] = true
	}
	// Every reason the decoder can give is exercised; the consumer gives
	// the other three.
	for _, r := range Reasons() {
		if !seen[r] && r != ReasonUnknownModel && r != ReasonKeyMismatch && r != ReasonInternal {
			t.Errorf("no test case rejects with %q", r)
		}
	}
}

func TestDecodeTimestamps(t *testing.T) {
	tests := []struct {
		in   string // the JSON value of "timestamp"
		want time.Time
	}{
		// Hand conversions: an offset +HH:MM is subtracted to reach UTC.
		{`"2026-11-22T04:00:00Z"`, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)},
		{`"2026-11-22T04:00:00.1Z"`, time.Date(2026, 11, 22, 4, 0, 0, 100e6, time.UTC)},
		{`"2026-11-22T04:00:00.125Z"`, time.Date(2026, 11, 22, 4, 0, 0, 125e6, time.UTC)},
		{`"2026-11-22T04:00:00.123456789Z"`, time.Date(2026, 11, 22, 4, 0, 0, 123456789, time.UTC)},
		{`"2026-11-22T04:00:00.123456789987Z"`, time.Date(2026, 11, 22, 4, 0, 0, 123456789, time.UTC)},
		{`"2026-11-22t04:00:00z"`, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)},
		{`"2026-11-22T05:30:00+01:30"`, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)},
		{`"2026-11-21T20:00:00.5-08:00"`, time.Date(2026, 11, 22, 4, 0, 0, 500e6, time.UTC)},
		{`"2026-11-22T04:00:00+00:00"`, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)},
		{`"2026-11-22T04:00:00-00:00"`, time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)},
		{`"2027-01-01T01:00:00+23:59"`, time.Date(2026, 12, 31, 1, 1, 0, 0, time.UTC)},
		{`"2024-02-29T23:59:59Z"`, time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{`"2000-02-29T00:00:00Z"`, time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)},
		{`"0000-01-01T00:00:00Z"`, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`"9999-12-31T23:59:59.999999999Z"`, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		// Epoch milliseconds: 1795320000125 ms = 1795320000 s + 125 ms, and
		// 1795320000 s = 20779 days (2026-11-22) + 14400 s (04:00).
		{`1795320000125`, time.Date(2026, 11, 22, 4, 0, 0, 125e6, time.UTC)},
		{`1795320000125.5`, time.Date(2026, 11, 22, 4, 0, 0, 125500000, time.UTC)},
		{`1.795320000125e12`, time.Date(2026, 11, 22, 4, 0, 0, 125e6, time.UTC)},
		{`0`, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`-1`, time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{`-0.5`, time.Date(1969, 12, 31, 23, 59, 59, 999500000, time.UTC)},
		{`253402300799999`, time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{`-62167219200000`, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`null`, msgTime},
		{`"2099-12-31T23:59:59.999Z"`, time.Date(2099, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{`"2100-01-01T00:00:00Z"`, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	d := NewDecoder(DecoderOptions{})
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var p drift.Prediction
			err := d.DecodePrediction([]byte(`{"model":"m","timestamp":`+tt.in+`}`), msgTime, &p)
			if tt.want.Before(drift.MinEventTime) || !tt.want.Before(drift.MaxEventTime) {
				// Parsed, but no store can hold it: rejected.
				if ReasonOf(err) != ReasonInvalidTimestamp {
					t.Fatalf("err = %v; want %s for a time outside the event-time range", err, ReasonInvalidTimestamp)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodePrediction: %v", err)
			}
			if !p.Time.Equal(tt.want) || p.Time.Location() != time.UTC {
				t.Errorf("time = %v; want %v in UTC", p.Time, tt.want.UTC())
			}
		})
	}
}

func TestParseRFC3339(t *testing.T) {
	// time.Parse is the oracle for what both accept; the rest are the
	// places where RFC 3339 (section 5.6) is stricter than time.Parse or
	// allows what it does not.
	agree := []string{
		"2026-11-22T04:00:00Z", "2026-11-22T04:00:00.125Z", "2026-11-22T04:00:00.000000001+14:00",
		"1999-12-31T23:59:59.9999999999-12:00", "2024-02-29T12:00:00+05:45", "2026-01-31T00:00:00Z",
		"2026-11-22T04:00:00+09:30", "1970-01-01T00:00:00-00:01",
	}
	for _, s := range agree {
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("oracle rejects %q: %v", s, err)
		}
		got, ok := parseRFC3339([]byte(s))
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseRFC3339(%q) = %v, %v; want %v", s, got, ok, want.UTC())
		}
	}
	rejected := []string{
		"2026-11-22T04:00:00,5Z",    // comma: time.Parse accepts it
		"2026-11-22T04:00:00+24:00", // offset hour 24: time.Parse accepts it
		"2026-11-22T04:00:00+01:60", // offset minute 60: time.Parse accepts it
		"2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T04:60:00Z",
		"2026-11-22T04:00:60Z", "2026-11-22T04:00:00.Z", "2026-11-22T04:00:00", "2026-11-22 04:00:00Z",
		"2026-11-22T04:00:00+0100", "2026-11-22T04:00:00+01", "2026-11-22T04:00:00Z ", " 2026-11-22T04:00:00Z",
		"+2026-11-22T04:00:00Z", "2026-1-22T04:00:00Z", "20261122T040000Z", "2026-11-22T04:00:00.5", "",
		"2026-11-22T04:00:00ZZ", "2026-11-22T04:00:00+01:00Z", "2026-11-22T04:0a:00Z", "2026-11-22T04:00:00.1a1Z",
	}
	for _, s := range rejected {
		if got, ok := parseRFC3339([]byte(s)); ok {
			t.Errorf("parseRFC3339(%q) = %v; want rejected", s, got)
		}
	}
}

// FuzzParseRFC3339 checks every string parseRFC3339 accepts against
// time.Parse.
func FuzzParseRFC3339(f *testing.F) {
	for _, s := range []string{"2026-11-22T04:00:00Z", "2026-11-22T04:00:00.125+05:30", "2024-02-29t23:59:59.999999999999-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseRFC3339([]byte(s))
		if !ok {
			return
		}
		// RFC 3339 allows lower-case t and z; time.Parse does not.
		want, err := time.Parse(time.RFC3339Nano, strings.NewReplacer("t", "T", "z", "Z").Replace(s))
		if err != nil {
			t.Fatalf("parseRFC3339(%q) = %v, but time.Parse rejects it: %v", s, got, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("parseRFC3339(%q) = %v; time.Parse says %v", s, got, want.UTC())
		}
	})
}

func TestDecoderReusesPrediction(t *testing.T) {
	d := NewDecoder(DecoderOptions{})
	var p drift.Prediction
	first := `{"model":"a","model_version":"1","id":"x","timestamp":0,"features":{"f1":1,"f2":"s","f3":true},` +
		`"prediction":{"p":0.9,"q":0.1},"label":"p"}`
	if err := d.DecodePrediction([]byte(first), msgTime, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Features) != 3 || len(p.Probabilities) != 2 {
		t.Fatalf("first event: %+v", p)
	}
	second := `{"model":"b","features":{"g":2}}`
	if err := d.DecodePrediction([]byte(second), msgTime, &p); err != nil {
		t.Fatal(err)
	}
	checkPrediction(t, &p, &drift.Prediction{Model: "b", Time: msgTime, Features: []drift.Feature{ft("g", num(2))}})
	if cap(p.Features) < 3 {
		t.Errorf("features capacity %d: the slice was not reused", cap(p.Features))
	}
}

func TestDecoderAliasing(t *testing.T) {
	d := NewDecoder(DecoderOptions{})
	var p drift.Prediction
	rec := []byte(`{"model":"aaaa","id":"i-aaaa","features":{"name":"vvvv"},"prediction":"cccc"}`)
	if err := d.DecodePrediction(rec, msgTime, &p); err != nil {
		t.Fatal(err)
	}
	// The strings do not alias the record: the caller (kafka-go) may reuse
	// its bytes as soon as the call returns.
	for i := range rec {
		rec[i] = '#'
	}
	got := []string{p.Model, p.ID, p.Features[0].Name, p.Features[0].Value.Str, p.Output.Str}
	want := []string{"aaaa", "i-aaaa", "name", "vvvv", "cccc"}
	if !slices.Equal(got, want) {
		t.Fatalf("after overwriting the record: %q; want %q", got, want)
	}
	kept := make([]string, len(got))
	for i, s := range got {
		kept[i] = strings.Clone(s)
	}

	// The next call rewrites the decoder's buffer in place: strings from
	// the previous call now read the new record, which is why the contract
	// says they are valid only until then, and shows nothing was copied.
	next := []byte(`{"model":"bbbb","id":"i-bbbb","features":{"NAME":"wwww"},"prediction":"dddd"}`)
	if err := d.DecodePrediction(next, msgTime, &p); err != nil {
		t.Fatal(err)
	}
	if want := []string{"bbbb", "i-bbbb", "NAME", "wwww", "dddd"}; !slices.Equal(got, want) {
		t.Errorf("old strings after the next call = %q; want them to alias the buffer, reading %q", got, want)
	}
	if !slices.Equal(kept, []string{"aaaa", "i-aaaa", "name", "vvvv", "cccc"}) {
		t.Errorf("cloned strings changed: %q", kept)
	}
}

func TestDecodePredictionAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are measured in full runs")
	}
	tests := []struct{ name, in string }{
		{"20 features", event20},
		{"offset timestamp, numeric id and version", strings.Replace(strings.Replace(event20,
			`"2026-11-22T04:00:00.125Z"`, `"2026-11-22T05:00:00.125+01:00"`, 1),
			`"id":"req-81f3a9c2"`, `"id":8131,"model_version":7.5`, 1)},
		{"probabilities", `{"model":"m","timestamp":1795320000125,"prediction":{"a":0.1,"b":0.6,"c":0.3},"label":"b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(DecoderOptions{})
			var p drift.Prediction
			b := []byte(tt.in)
			if err := d.DecodePrediction(b, msgTime, &p); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(100, func() {
				if err := d.DecodePrediction(b, msgTime, &p); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per decode; want 0", allocs)
			}
		})
	}
}

func TestDecodeLabelAllocs(t *testing.T) {
	d := NewDecoder(DecoderOptions{})
	var l drift.Label
	b := []byte(`{"model":"fraud","id":"req-81f3a9c2","timestamp":"2026-11-22T04:00:00.125Z","label":1}`)
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.DecodeLabel(b, msgTime, &l); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per decode; want 0", allocs)
	}
}

func TestValidModelName(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	for _, s := range []string{"fraud", "a", "A-b_c.9", strings.Repeat("x", 128), strings.Repeat("x", 129),
		"", "a b", "a/b", "é", "a\x00", "fraud\n", "../etc", "a:b", "ﬀ"} {
		if got, want := ValidModelName(s), re.MatchString(s); got != want {
			t.Errorf("ValidModelName(%q) = %v; regexp says %v", s, got, want)
		}
	}
}

func TestReasons(t *testing.T) {
	rs := Reasons()
	want := []Reason{"oversized", "malformed_json", "not_an_object", "missing_model", "invalid_model", "missing_id",
		"invalid_timestamp", "invalid_features", "invalid_feature_value", "invalid_prediction", "invalid_label",
		"unknown_model", "key_mismatch", "internal"}
	if !slices.Equal(rs, want) {
		t.Errorf("Reasons() = %q; want %q", rs, want)
	}
	rs[0] = "changed"
	if Reasons()[0] != ReasonOversized {
		t.Error("Reasons() shares its backing array with the caller")
	}

	rej := &RejectError{Reason: ReasonInvalidLabel, Detail: "d"}
	for _, tt := range []struct {
		err  error
		want Reason
	}{
		{rej, ReasonInvalidLabel},
		{fmt.Errorf("offset 7: %w", rej), ReasonInvalidLabel},
		{errors.New("broker down"), ReasonInternal},
		{nil, ""},
	} {
		if got := ReasonOf(tt.err); got != tt.want {
			t.Errorf("ReasonOf(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

var modelRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

func FuzzDecodePrediction(f *testing.F) {
	for _, s := range []string{
		event20, `{"model":"m"}`, `{"model":"m","prediction":{"a":0.5}}`, `{"model":"m","timestamp":"2026-11-22T04:00:00+01:00"}`,
		`{"model":"m","id":1e3,"model_version":NaN}`, `[1]`, `{"model":"m","features":{"a":[{"b":{}}]}}`, `{`,
	} {
		f.Add([]byte(s))
	}
	d := NewDecoder(DecoderOptions{MaxBytes: 4096})
	var p drift.Prediction
	f.Fuzz(func(t *testing.T, b []byte) {
		err := d.DecodePrediction(b, msgTime, &p)
		if err != nil {
			if r := ReasonOf(err); r == ReasonInternal || !slices.Contains(Reasons(), r) {
				t.Fatalf("reason %q of %v is not a decoder reason", r, err)
			}
			if p.Model != "" || len(p.Features) != 0 {
				t.Fatalf("rejected prediction not reset: %+v", p)
			}
			return
		}
		if !modelRE.MatchString(p.Model) {
			t.Fatalf("accepted model %q", p.Model)
		}
		if p.Time.Location() != time.UTC {
			t.Fatalf("time %v not in UTC", p.Time)
		}
		for _, v := range append(slices.Clone(p.Features), drift.Feature{Value: p.Output}, drift.Feature{Value: p.Label}) {
			if v.Value.Kind == drift.Number && (math.IsNaN(v.Value.Num) || math.IsInf(v.Value.Num, 0)) {
				t.Fatalf("non-finite number accepted: %+v", v)
			}
		}
		if len(p.Probabilities) > 0 && p.Output.Kind != drift.String {
			t.Fatalf("probabilities without a class output: %+v", p)
		}
	})
}

func BenchmarkDecodePrediction(b *testing.B) {
	d := NewDecoder(DecoderOptions{})
	var p drift.Prediction
	rec := []byte(event20)
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		if err := d.DecodePrediction(rec, msgTime, &p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeLabel(b *testing.B) {
	d := NewDecoder(DecoderOptions{})
	var l drift.Label
	rec := []byte(`{"model":"fraud","id":"req-81f3a9c2","timestamp":"2026-11-22T04:00:00.125Z","label":1}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		if err := d.DecodeLabel(rec, msgTime, &l); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeStrictJSON checks that a record which is not JSON is refused:
// as malformed JSON, except where a number run that is not a JSON number
// stands for a field the decoder reads, which is refused with that
// field's reason, as 1-2 always was.
func TestDecodeStrictJSON(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name   string
		in     string
		reason Reason
	}{
		{"control character in a value", "{\"model\":\"m\",\"features\":{\"a\":\"x\ty\"}}", ReasonMalformedJSON},
		{"control character in a key", "{\"model\":\"m\",\"a\nb\":1}", ReasonMalformedJSON},
		{"NUL in a string", "{\"model\":\"m\",\"x\":\"\x00\"}", ReasonMalformedJSON},
		{"invalid escape", `{"model":"m","features":{"a":"\q"}}`, ReasonMalformedJSON},
		{"upper-case \\U", `{"model":"m","x":"\U0041"}`, ReasonMalformedJSON},
		{"short \\u", `{"model":"m","x":"\u12"}`, ReasonMalformedJSON},
		{"\\u not hexadecimal", `{"model":"m","x":"\u12g4"}`, ReasonMalformedJSON},
		{"invalid escape in a key", `{"model":"m","\x":1}`, ReasonMalformedJSON},
		{"leading zero where no field is read", `{"model":"m","x":012}`, ReasonMalformedJSON},
		{"fraction without digits where no field is read", `{"model":"m","x":1.}`, ReasonMalformedJSON},
		{"fraction without an integer where no field is read", `{"model":"m","x":.5}`, ReasonMalformedJSON},
		{"plus sign where no field is read", `{"model":"m","x":+1}`, ReasonMalformedJSON},
		{"exponent without digits where no field is read", `{"model":"m","x":1e+}`, ReasonMalformedJSON},
		{"bad number inside an array feature", `{"model":"m","features":{"a":[1-2]}}`, ReasonMalformedJSON},
		{"bad number in a repeated key", `{"model":"m","model":012}`, ReasonMalformedJSON},
		{"bad number as the record", `012`, ReasonMalformedJSON},
		{"lone minus as the record", `-`, ReasonMalformedJSON},
		{"leading zero in a feature", `{"model":"m","features":{"a":012}}`, ReasonInvalidFeatureValue},
		{"plus sign in a feature", `{"model":"m","features":{"a":+1}}`, ReasonInvalidFeatureValue},
		{"leading zero in the prediction", `{"model":"m","prediction":012}`, ReasonInvalidPrediction},
		{"leading zero in a probability", `{"model":"m","prediction":{"a":00}}`, ReasonInvalidPrediction},
		{"leading zeros in the id", `{"model":"m","id":007}`, ReasonMissingID},
		{"plus sign in the model version", `{"model":"m","model_version":+1}`, ReasonInvalidModel},
		{"fraction without digits in the timestamp", `{"model":"m","timestamp":1.}`, ReasonInvalidTimestamp},
		{"fraction without an integer in the label", `{"model":"m","label":.5}`, ReasonInvalidLabel},
		{"trailing comma in the record", `{"model":"m",}`, ReasonMalformedJSON},
		{"trailing comma in features", `{"model":"m","features":{"a":1,}}`, ReasonMalformedJSON},
		{"trailing comma in an array", `{"model":"m","x":[1,]}`, ReasonMalformedJSON},
		{"empty element in an array", `{"model":"m","x":[1,,2]}`, ReasonMalformedJSON},
		{"missing colon", `{"model" "m"}`, ReasonMalformedJSON},
		{"missing comma", `{"model":"m" "x":1}`, ReasonMalformedJSON},
		{"single quotes", `{'model':'m'}`, ReasonMalformedJSON},
		{"unquoted key", `{model:"m"}`, ReasonMalformedJSON},
		{"extra closing brace", `{"model":"m"}}`, ReasonMalformedJSON},
		{"two records", `{"model":"m"}{"model":"m"}`, ReasonMalformedJSON},
		{"unterminated string", `{"model":"m`, ReasonMalformedJSON},
		{"unterminated escape", `{"model":"m\`, ReasonMalformedJSON},
		{"unterminated \\u", `{"model":"\u00`, ReasonMalformedJSON},
		{"unterminated object", `{"model":"m",`, ReasonMalformedJSON},
		{"unterminated features", `{"model":"m","features":{"a":"x"`, ReasonMalformedJSON},
		{"unterminated probabilities", `{"model":"m","prediction":{"a":0.5`, ReasonMalformedJSON},
		{"literal in upper case", `{"model":"m","x":True}`, ReasonMalformedJSON},
		{"truncated literal", `{"model":"m","x":nul}`, ReasonMalformedJSON},
		{"truncated NaN", `{"model":"m","x":na}`, ReasonMalformedJSON},
		{"only whitespace", " \t\r\n", ReasonMalformedJSON},
		{"unterminated array as the record", `[1,2`, ReasonMalformedJSON},
		{"invalid escape in a string record", `"a\q"`, ReasonMalformedJSON},
		// The top-level object is level 1, features level 2, a feature
		// level 3: 299 nested arrays put the innermost at level 301.
		{"nested too deep", `{"model":"m","features":{"a":` + nested(299) + `}}`, ReasonMalformedJSON},
		{"deep as the record", nested(301), ReasonMalformedJSON},
		{"valid JSON but an array, with whitespace", " [ 1 , { } ] ", ReasonNotAnObject},
		{"valid JSON but a boolean", `true`, ReasonNotAnObject},
		{"valid JSON but a number", `-0.5e3`, ReasonNotAnObject},
		{"valid JSON but NaN", `NaN`, ReasonNotAnObject},
		{"deep, but not too deep, as the record", nested(300), ReasonNotAnObject},
	}
	d := NewDecoder(DecoderOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p drift.Prediction
			err := d.DecodePrediction([]byte(tt.in), msgTime, &p)
			if got := ReasonOf(err); got != tt.reason {
				t.Errorf("reason %q (%v); want %q", got, err, tt.reason)
			}
		})
	}
}

// TestDecodeAcceptsJSON checks records that are JSON in the ways the tests
// above do not use: whitespace everywhere, escapes of every kind,
// surrogate pairs, NaN and Inf where no field is read, nesting up to the
// limit, and keys spelled with escapes.
func TestDecodeAcceptsJSON(t *testing.T) {
	t0 := time.Unix(0, 0).UTC()
	tests := []struct {
		name string
		in   string
		want drift.Prediction
	}{
		{
			name: "whitespace around every token",
			in:   " \t\r\n{ \"model\" :\t\"m\" ,\n\"timestamp\"\r: 0 , \"features\" : { \"a\" : 1 , \"b\" : [ 1 , { } ] , \"c\" : \"x\" } , \"prediction\" : { \"p\" : 0.25 } } \n",
			want: drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{ft("a", num(1)), ft("b", invalid), ft("c", strv("x"))},
				Output: strv("p"), Probabilities: []drift.Feature{ft("p", num(0.25))}},
		},
		{
			name: "every escape, in names and values",
			in:   `{"model":"m","timestamp":0,"features":{"a\"b":"c\\d","\/":"\b\f\n\r\t","\u00e9\u4e2d":"\ud83d\ude00","z":"\u0000"}}`,
			want: drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{
				ft(`a"b`, strv(`c\d`)), ft("/", strv("\b\f\n\r\t")), ft("é中", strv("😀")), ft("z", strv("\x00"))}},
		},
		{
			name: "escapes in the fields read at the top",
			in:   `{"model":"\u006d","model_version":"v\u0031","id":"\u0069d","timestamp":"1970-01-01T00:00:00\u005a","label":"\u00e9","prediction":"\u0063"}`,
			want: drift.Prediction{Model: "m", ModelVersion: "v1", ID: "id", Time: t0, Output: strv("c"), Label: strv("é")},
		},
		{
			name: "an escaped key is the key: the first of model wins",
			in:   `{"mod\u0065l":"a","model":"b","feat\u0075res":{"x":1},"features":{"y":2},"timestamp":0}`,
			want: drift.Prediction{Model: "a", Time: t0, Features: []drift.Feature{ft("x", num(1))}},
		},
		{
			name: "NaN and Inf where no field is read, and as features",
			in:   `{"model":"m","timestamp":0,"x":[NaN,-inf,+Inf,nan],"features":{"a":-NaN,"b":+inf}}`,
			want: drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{ft("a", invalid), ft("b", invalid)}},
		},
		{
			name: "nested up to the limit",
			in:   `{"model":"m","timestamp":0,"features":{"a":` + strings.Repeat("[", 298) + strings.Repeat("]", 298) + `}}`,
			want: drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{ft("a", invalid)}},
		},
		{
			name: "numbers of every form",
			in:   `{"model":"m","timestamp":0,"features":{"a":-0,"b":0.5e-3,"c":1E2,"d":1e+2,"e":123456789012345678901234567890,"f":1e-400}}`,
			want: drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{
				ft("a", num(math.Copysign(0, -1))), ft("b", num(0.0005)), ft("c", num(100)), ft("d", num(100)),
				ft("e", num(1.2345678901234568e29)), ft("f", num(0))}},
		},
		{
			name: "a string of every length across the eight-byte steps, with multi-byte UTF-8",
			in:   `{"model":"m","timestamp":0,"features":{"":"","1234567":"12345678","123456789":"é1234567","ü":"€€€"}}`,
			want: drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{
				ft("", strv("")), ft("1234567", strv("12345678")), ft("123456789", strv("é1234567")), ft("ü", strv("€€€"))}},
		},
	}
	d := NewDecoder(DecoderOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p drift.Prediction
			if err := d.DecodePrediction([]byte(tt.in), msgTime, &p); err != nil {
				t.Fatalf("DecodePrediction: %v", err)
			}
			checkPrediction(t, &p, &tt.want)
			// -0 and 0 are equal as floats; the sign is part of the value.
			for i, f := range p.Features {
				if i < len(tt.want.Features) && math.Signbit(f.Value.Num) != math.Signbit(tt.want.Features[i].Value.Num) {
					t.Errorf("feature %q = %v; want %v", f.Name, f.Value.Num, tt.want.Features[i].Value.Num)
				}
			}
		})
	}
}

// TestDecodeLoneSurrogates checks that an escaped lone surrogate, which
// encodes no character, makes its string one that is not UTF-8, with the
// consequence that has for each field.
func TestDecodeLoneSurrogates(t *testing.T) {
	t0 := time.Unix(0, 0).UTC()
	d := NewDecoder(DecoderOptions{})
	var p drift.Prediction
	in := `{"model":"m","timestamp":0,"features":{"hi":"\ud83d","lo":"\ude00x","hi then A":"\ud83dA","hi then escaped A":"\ud83d\u0041","pair":"\ud83d\ude00"}}`
	if err := d.DecodePrediction([]byte(in), msgTime, &p); err != nil {
		t.Fatalf("DecodePrediction: %v", err)
	}
	checkPrediction(t, &p, &drift.Prediction{Model: "m", Time: t0, Features: []drift.Feature{
		ft("hi", invalid), ft("lo", invalid), ft("hi then A", invalid), ft("hi then escaped A", invalid), ft("pair", strv("😀"))}})

	for _, tt := range []struct {
		in     string
		reason Reason
	}{
		{`{"model":"m","features":{"\ud800":1}}`, ReasonMalformedJSON},
		{`{"model":"\ud800"}`, ReasonInvalidModel},
		{`{"model":"m","model_version":"\udbff"}`, ReasonInvalidModel},
		{`{"model":"m","id":"\udc00"}`, ReasonMissingID},
		{`{"model":"m","prediction":"\udfff"}`, ReasonInvalidPrediction},
		{`{"model":"m","prediction":{"\ud800":1}}`, ReasonInvalidPrediction},
		{`{"model":"m","label":"\ud800"}`, ReasonInvalidLabel},
	} {
		if got := ReasonOf(d.DecodePrediction([]byte(tt.in), msgTime, &p)); got != tt.reason {
			t.Errorf("%s: reason %q; want %q", tt.in, got, tt.reason)
		}
	}
	// Where no field is read, it is JSON like any other string.
	if err := d.DecodePrediction([]byte(`{"model":"m","x":"\ud800"}`), msgTime, &p); err != nil {
		t.Errorf("lone surrogate where no field is read: %v", err)
	}
}

// TestDecodeExactNumbers checks numbers against strconv.ParseFloat, the
// oracle, on values the replaced parser rounded twice and got one unit in
// the last place wrong.
func TestDecodeExactNumbers(t *testing.T) {
	d := NewDecoder(DecoderOptions{})
	var p drift.Prediction
	for _, s := range []string{"2.15838e-18", "4.31676e-16", "5.39595e-15", "17976931348623157e292", "0.1e-7", "123456789.123456789"} {
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.DecodePrediction([]byte(`{"model":"m","features":{"x":`+s+`},"prediction":`+s+`}`), msgTime, &p); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got := p.Features[0].Value.Num; math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("feature %s = %v; want %v", s, got, want)
		}
		if got := p.Output.Num; math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("prediction %s = %v; want %v", s, got, want)
		}
	}
}

// TestDecodeEscapesAllocs checks that records with escapes, decoded in
// the decoder's buffer, allocate nothing either.
func TestDecodeEscapesAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are measured in full runs")
	}
	d := NewDecoder(DecoderOptions{})
	var p drift.Prediction
	b := []byte(`{"mod\u0065l":"fraud","id":"r\u00e9q","timestamp":"2026-11-22T04:00:00Z","features":{"caf\u00e9":"a\"b","x":1.5e-7,"y":"\ud83d\ude00"}}`)
	if err := d.DecodePrediction(b, msgTime, &p); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		if err := d.DecodePrediction(b, msgTime, &p); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per decode; want 0", allocs)
	}
}

// jsonNumberRE is JSON's number grammar (RFC 8259, section 6), the oracle
// for which number runs are numbers.
var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// checkNumber scans s as a number and checks it against the oracles: the
// run ends where the characters of numbers do, it is a number exactly when
// the grammar says so, and its value is strconv.ParseFloat's bit for bit.
func checkNumber(t *testing.T, s string) {
	t.Helper()
	run := len(s)
	if i := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789.+-eE", r) }); i >= 0 {
		run = i
	}
	sc := scanner{b: []byte(s)}
	v, j := sc.number(0)
	if j < 0 || v.kind == kNonFinite {
		// NaN and Inf, or no number: TestDecodeStrictJSON and the
		// reference fuzz test cover them.
		return
	}
	if j != run || v.start != 0 || v.end != run {
		t.Fatalf("number(%q) = %+v, %d; want the run of %d bytes", s, v, j, run)
	}
	tok := s[:run]
	if isNum := jsonNumberRE.MatchString(tok); (v.kind == kNumber) != isNum {
		t.Fatalf("number(%q) kind %d; the grammar says number: %v", tok, v.kind, isNum)
	}
	if v.kind != kNumber {
		return
	}
	want, err := strconv.ParseFloat(tok, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		t.Fatalf("ParseFloat(%q): %v", tok, err)
	}
	if math.Float64bits(v.num) != math.Float64bits(want) {
		t.Fatalf("number(%q) = %v (%#x); ParseFloat says %v (%#x)", tok, v.num, math.Float64bits(v.num), want, math.Float64bits(want))
	}
}

// TestParseNumberMatchesParseFloat checks the scanner's numbers against
// strconv.ParseFloat on chosen edge cases and on random numbers of every
// shape: short and long mantissas, with and without fractions and
// exponents, near the limits of the exact path (2^53, 10^22) and of
// float64.
func TestParseNumberMatchesParseFloat(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "0.0", "-0.0", "0e5", "-0e-5", "0.000e999", "1", "-1", "9", "10", "0.5", "0.1", "0.3",
		"9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "4503599627370497",
		"9007199254740991.5", "900719925474099.15", "1e22", "1e23", "9e22", "1.5e22", "123e20", "1e-22", "1e-23",
		"1234567890123456789", "12345678901234567890", "0.1234567890123456789", "18446744073709551615",
		"18446744073709551616", "2.15838e-18", "4.9e-324", "5e-324", "2e-324", "3e-324", "1e-400", "1e400",
		"-1e400", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
		"2.2250738585072011e-308", "2.2250738585072012e-308", "1E5", "1e+05", "1e-07", "123.456e-2",
		"0.000000000000000000000000000001", "100000000000000000000000", "1e99999999999999999999",
		"1e-99999999999999999999", "00", "01", "-", "--1", "1.", ".5", "+1", "1e", "1e+", "1.e5", "1e5.5",
		"1-2", "0x10", "1_000", "1.5,", "2]", "3}",
	} {
		checkNumber(t, s)
	}
	r := rand.New(rand.NewPCG(3, 5))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	for range 200000 {
		var sb strings.Builder
		if r.IntN(2) == 0 {
			sb.WriteByte('-')
		}
		if r.IntN(4) == 0 {
			sb.WriteByte('0')
		} else {
			sb.WriteByte(byte('1' + r.IntN(9)))
			sb.WriteString(digits(r.IntN(20)))
		}
		if r.IntN(2) == 0 {
			sb.WriteByte('.')
			sb.WriteString(digits(1 + r.IntN(20)))
		}
		if r.IntN(3) == 0 {
			sb.WriteByte("eE"[r.IntN(2)])
			if s := r.IntN(3); s > 0 {
				sb.WriteByte("+-"[s-1])
			}
			sb.WriteString(strconv.Itoa(r.IntN(30)))
		}
		checkNumber(t, sb.String())
	}
	// Random doubles written as a model server's JSON encoder would.
	for range 50000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		checkNumber(t, strconv.FormatFloat(f, 'g', -1, 64))
		checkNumber(t, strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(20)-10)), 'f', r.IntN(12), 64))
	}
}

// FuzzParseNumber checks any input the scanner reads as a number against
// the grammar and strconv.ParseFloat (checkNumber).
//
//	go test -run x -fuzz FuzzParseNumber -fuzztime 30s ./ingest/
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-12.5e-3", "9007199254740993", "1e23", "012", "1-2", "2.15838e-18", "123456789012345678901"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkNumber(t, s)
	})
}

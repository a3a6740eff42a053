package ingest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// contractVectors is the file of event-contract cases that the Python
// client's validator is tested against too: one file, read by both, is
// what keeps the two sets of rules the same.
const contractVectors = "../clients/testdata/events.json"

type contractVector struct {
	Name     string `json:"name"`
	Topic    string `json:"topic"`
	Record   string `json:"record"`
	Reason   string `json:"reason"`
	MaxBytes int    `json:"max_bytes"`
}

// TestContractVectors decodes every shared vector's record and checks the
// decoder's verdict: "ok", or the reason it rejects the record for.
func TestContractVectors(t *testing.T) {
	b, err := os.ReadFile(contractVectors)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []contractVector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatalf("%s: %v", contractVectors, err)
	}
	if len(file.Vectors) == 0 {
		t.Fatalf("%s holds no vectors", contractVectors)
	}
	known := map[string]bool{"ok": true}
	for _, r := range Reasons() {
		known[string(r)] = true
	}
	for _, v := range file.Vectors {
		t.Run(v.Topic+"/"+v.Name, func(t *testing.T) {
			if !known[v.Reason] {
				t.Fatalf("reason %q is not one of the decoder's", v.Reason)
			}
			d := NewDecoder(DecoderOptions{MaxBytes: v.MaxBytes})
			var err error
			switch v.Topic {
			case "predictions":
				var p drift.Prediction
				err = d.DecodePrediction([]byte(v.Record), msgTime, &p)
			case "labels":
				var l drift.Label
				err = d.DecodeLabel([]byte(v.Record), msgTime, &l)
			default:
				t.Fatalf("topic %q is neither predictions nor labels", v.Topic)
			}
			got := "ok"
			if err != nil {
				got = string(ReasonOf(err))
			}
			if got != v.Reason {
				t.Errorf("%s record %q: got %s (%v), want %s", v.Topic, v.Record, got, err, v.Reason)
			}
		})
	}
}

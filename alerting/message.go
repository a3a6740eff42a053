package alerting

import "time"

// Message is a notification's payload: the JSON body a webhook receives
// (its schema is in the README) and what the Slack receiver renders. One
// Message covers one receiver, model and window, with every alert of the
// window that fired, resolved or is repeated.
type Message struct {
	// ID is the notification's idempotency key: the same on every retry.
	ID       string `json:"id"`
	Receiver string `json:"receiver"`
	// Status is firing when any alert in it fires, else resolved.
	Status       string  `json:"status"`
	Model        string  `json:"model"`
	ModelVersion string  `json:"model_version"`
	Window       Window  `json:"window"`
	Alerts       []Alert `json:"alerts"`
	Links        Links   `json:"links"`
	// Retraining is set on messages to retraining webhooks.
	Retraining *Retraining `json:"retraining,omitempty"`
}

// Window is the window whose results the message reports.
type Window struct {
	Seq   int64     `json:"seq"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Alert is one alert instance in a message.
type Alert struct {
	Rule        string            `json:"rule"`
	Fingerprint string            `json:"fingerprint"`
	Status      string            `json:"status"`
	Severity    string            `json:"severity"`
	Labels      map[string]string `json:"labels"`
	Family      string            `json:"family"`
	Feature     string            `json:"feature"`
	Method      string            `json:"method"`
	Condition   string            `json:"condition"`
	Statistic   float64           `json:"statistic"`
	Threshold   float64           `json:"threshold"`
	PValue      *float64          `json:"p_value"`
	Drifted     bool              `json:"drifted"`
	StartedAt   time.Time         `json:"started_at"`
	FiredAt     time.Time         `json:"fired_at,omitzero"`
	ResolvedAt  time.Time         `json:"resolved_at,omitzero"`
	// Repeat marks an alert still firing, sent again after the rule's
	// repeat_interval.
	Repeat bool `json:"repeat,omitempty"`
	// FiredIn is, on a resolved alert, the ID of the message that told
	// this receiver it fired (Slack threads the resolution under it).
	FiredIn string `json:"fired_in,omitempty"`
}

// Links point the reader to more detail; empty ones are left out.
type Links struct {
	Dashboard string `json:"dashboard,omitempty"`
	// View is driftmon's HTML page of the model's alerts.
	View    string `json:"view,omitempty"`
	Alerts  string `json:"alerts,omitempty"`
	Results string `json:"results,omitempty"`
}

// Retraining is what a retraining pipeline needs to start a job.
type Retraining struct {
	Reason          string    `json:"reason"`
	DriftedFeatures []string  `json:"drifted_features"`
	From            time.Time `json:"from"`
	To              time.Time `json:"to"`
	// Reference is what the windows were compared with: "file:PATH",
	// "window:FROM/TO" or "previous".
	Reference string `json:"reference"`
}

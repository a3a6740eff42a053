package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// AlertStore keeps what alerting must not lose across a restart: the alert
// history, each model's rule state, the notification outbox and the
// silences. It is part of Store; alerting declares the smaller interfaces
// it uses.
type AlertStore interface {
	// WriteAlerts stores alert records; of two with the same rule,
	// fingerprint and start, the newest version wins.
	WriteAlerts(ctx context.Context, rs []drift.AlertRecord) error
	// Alerts returns the newest version of each selected record, newest
	// update first.
	Alerts(ctx context.Context, q AlertQuery) ([]drift.AlertRecord, error)
	// SaveAlertState stores the rule state of one key (a model version);
	// the newest version wins.
	SaveAlertState(ctx context.Context, key string, state []byte, version uint64) error
	// AlertState returns the newest state of key; ok is false when there is
	// none.
	AlertState(ctx context.Context, key string) (state []byte, ok bool, err error)
	// WriteNotifications stores outbox entries; the newest version of an ID
	// wins (of two equal versions, the later write).
	WriteNotifications(ctx context.Context, ns []drift.Notification) error
	// PendingNotifications returns the entries whose newest version is
	// pending, oldest first (by created_at, then id).
	PendingNotifications(ctx context.Context) ([]drift.Notification, error)
	// Notification returns the newest version of one entry.
	Notification(ctx context.Context, id string) (n drift.Notification, ok bool, err error)
	// SaveSilence stores a silence; the newest version of an ID wins.
	SaveSilence(ctx context.Context, s drift.Silence) error
	// Silences returns the newest version of every silence whose end is
	// after since (a zero since returns all), ordered by start then id.
	Silences(ctx context.Context, since time.Time) ([]drift.Silence, error)
}

// AlertQuery selects alert records. Zero fields match everything; From and
// To select updated_at in [From, To).
type AlertQuery struct {
	Model    string
	Rule     string
	State    string
	From, To time.Time
	// Limit caps the number of records returned; 0 is no cap.
	Limit int
}

// Match reports whether r is selected by q (Limit aside).
func (q AlertQuery) Match(r drift.AlertRecord) bool {
	switch {
	case q.Model != "" && r.Model != q.Model,
		q.Rule != "" && r.Rule != q.Rule,
		q.State != "" && r.State != q.State,
		!q.From.IsZero() && r.UpdatedAt.Before(q.From),
		!q.To.IsZero() && !r.UpdatedAt.Before(q.To):
		return false
	}
	return true
}

// ValidateAlert checks what both stores require of an alert record.
func ValidateAlert(r drift.AlertRecord) error {
	if r.Rule == "" || r.Fingerprint == "" {
		return fmt.Errorf("alert %q/%q: rule and fingerprint are required: %w", r.Rule, r.Fingerprint, ErrInvalid)
	}
	for _, t := range []struct {
		what string
		t    time.Time
	}{{"started_at", r.StartedAt}, {"updated_at", r.UpdatedAt}, {"fired_at", r.FiredAt}, {"resolved_at", r.ResolvedAt}} {
		if t.what != "started_at" && t.what != "updated_at" && t.t.IsZero() {
			continue
		}
		if err := CheckTime(t.what, t.t); err != nil {
			return fmt.Errorf("alert %s/%s: %w", r.Rule, r.Fingerprint, err)
		}
	}
	return nil
}

// ValidateNotification checks an outbox entry's key and times.
func ValidateNotification(n drift.Notification) error {
	if n.ID == "" || n.Receiver == "" {
		return fmt.Errorf("notification %q/%q: id and receiver are required: %w", n.ID, n.Receiver, ErrInvalid)
	}
	if err := CheckTime("created_at", n.CreatedAt); err != nil {
		return fmt.Errorf("notification %s: %w", n.ID, err)
	}
	return nil
}

// ValidateSilence checks a silence's key and times.
func ValidateSilence(s drift.Silence) error {
	if s.ID == "" {
		return fmt.Errorf("silence: id is required: %w", ErrInvalid)
	}
	for _, t := range []time.Time{s.StartsAt, s.EndsAt, s.CreatedAt} {
		if err := CheckTime("silence time", t); err != nil {
			return fmt.Errorf("silence %s: %w", s.ID, err)
		}
	}
	return nil
}

package embedded

import (
	"bytes"
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// The alerting tables keep drift's own JSON encoding of each noun; times
// are cut to whole seconds, as ClickHouse's DateTime holds them.

type alertKey struct {
	rule, fingerprint string
	start             int64
}

type alertRec struct{ drift.AlertRecord }

func (r alertRec) key() alertKey {
	return alertKey{r.Rule, r.Fingerprint, r.StartedAt.Unix()}
}
func (r alertRec) ver() uint64 { return r.Version }

type alertStateRec struct {
	Key     string `json:"key"`
	State   []byte `json:"state"`
	Version uint64 `json:"version"`
}

func (r alertStateRec) key() string { return r.Key }
func (r alertStateRec) ver() uint64 { return r.Version }

type notificationRec struct{ drift.Notification }

func (r notificationRec) key() string { return r.ID }
func (r notificationRec) ver() uint64 { return r.Version }

type silenceRec struct{ drift.Silence }

func (r silenceRec) key() string { return r.ID }
func (r silenceRec) ver() uint64 { return r.Version }

func seconds(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// WriteAlerts implements storage.AlertStore.
func (s *Store) WriteAlerts(ctx context.Context, rs []drift.AlertRecord) error {
	recs := make([]alertRec, len(rs))
	for i, r := range rs {
		if err := storage.ValidateAlert(r); err != nil {
			return err
		}
		r.StartedAt, r.UpdatedAt = seconds(r.StartedAt), seconds(r.UpdatedAt)
		r.FiredAt, r.ResolvedAt = seconds(r.FiredAt), seconds(r.ResolvedAt)
		r.Receivers = slices.Clone(r.Receivers)
		recs[i] = alertRec{r}
	}
	return s.writeTable(ctx, "alerts", func() error { return s.alerts.write(recs) })
}

// Alerts implements storage.AlertStore.
func (s *Store) Alerts(ctx context.Context, q storage.AlertQuery) ([]drift.AlertRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []drift.AlertRecord
	for _, r := range s.alerts.rows {
		if q.Match(r.AlertRecord) {
			a := r.AlertRecord
			a.Receivers = slices.Clone(a.Receivers)
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b drift.AlertRecord) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Fingerprint, b.Fingerprint), a.StartedAt.Compare(b.StartedAt))
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// SaveAlertState implements storage.AlertStore.
func (s *Store) SaveAlertState(ctx context.Context, key string, state []byte, version uint64) error {
	rec := alertStateRec{Key: key, State: bytes.Clone(state), Version: version}
	return s.writeTable(ctx, "alert state", func() error { return s.alertStates.write([]alertStateRec{rec}) })
}

// AlertState implements storage.AlertStore.
func (s *Store) AlertState(ctx context.Context, key string) ([]byte, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, false, errClosed
	}
	r, ok := s.alertStates.rows[key]
	return bytes.Clone(r.State), ok, nil
}

// WriteNotifications implements storage.AlertStore.
func (s *Store) WriteNotifications(ctx context.Context, ns []drift.Notification) error {
	recs := make([]notificationRec, len(ns))
	for i, n := range ns {
		if err := storage.ValidateNotification(n); err != nil {
			return err
		}
		n.CreatedAt = seconds(n.CreatedAt)
		n.Payload = bytes.Clone(n.Payload)
		recs[i] = notificationRec{n}
	}
	return s.writeTable(ctx, "notifications", func() error { return s.notifications.write(recs) })
}

// PendingNotifications implements storage.AlertStore.
func (s *Store) PendingNotifications(ctx context.Context) ([]drift.Notification, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []drift.Notification
	for _, r := range s.notifications.rows {
		if r.Status == drift.NotificationPending {
			n := r.Notification
			n.Payload = bytes.Clone(n.Payload)
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b drift.Notification) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Notification implements storage.AlertStore.
func (s *Store) Notification(ctx context.Context, id string) (drift.Notification, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return drift.Notification{}, false, errClosed
	}
	r, ok := s.notifications.rows[id]
	n := r.Notification
	n.Payload = bytes.Clone(n.Payload)
	return n, ok, nil
}

// SaveSilence implements storage.AlertStore.
func (s *Store) SaveSilence(ctx context.Context, sl drift.Silence) error {
	if err := storage.ValidateSilence(sl); err != nil {
		return err
	}
	sl.StartsAt, sl.EndsAt, sl.CreatedAt = seconds(sl.StartsAt), seconds(sl.EndsAt), seconds(sl.CreatedAt)
	sl.Matchers = maps.Clone(sl.Matchers)
	return s.writeTable(ctx, "silences", func() error { return s.silences.write([]silenceRec{{sl}}) })
}

// Silences implements storage.AlertStore.
func (s *Store) Silences(ctx context.Context, since time.Time) ([]drift.Silence, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []drift.Silence
	for _, r := range s.silences.rows {
		if since.IsZero() || r.EndsAt.After(since) {
			sl := r.Silence
			sl.Matchers = maps.Clone(sl.Matchers)
			out = append(out, sl)
		}
	}
	slices.SortFunc(out, func(a, b drift.Silence) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// writeTable runs one table write under the store's lock.
func (s *Store) writeTable(ctx context.Context, what string, write func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if err := write(); err != nil {
		return s.writeErr(what, err)
	}
	return nil
}

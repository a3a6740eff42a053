package clickhouse

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// Readers of the alerting tables select with FINAL on key columns only
// (and on model, which never changes for a fingerprint), and filter the
// columns that change between versions outside that select (in an outer
// query, or in Go): on 18.16 a WHERE on such a column may be moved to
// PREWHERE and see rows FINAL would have replaced.

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// WriteAlerts implements storage.AlertStore.
func (s *Store) WriteAlerts(ctx context.Context, rs []drift.AlertRecord) error {
	if s.closed.Load() {
		return errClosed
	}
	for _, r := range rs {
		if err := storage.ValidateAlert(r); err != nil {
			return err
		}
	}
	err := s.insert(ctx, "alerts", alertColumns, len(rs),
		func(i int) []any {
			r := rs[i]
			return []any{r.Rule, r.Fingerprint, r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method,
				r.State, r.Severity, r.Value, r.StartedAt.UTC(), r.UpdatedAt.UTC(), nullTime(r.FiredAt), nullTime(r.ResolvedAt),
				r.Message, nonNil(r.Receivers), r.Version}
		})
	if err != nil {
		return s.fail("write alerts", err)
	}
	return nil
}

// Alerts implements storage.AlertStore. The inner query takes the newest
// version of each record (FINAL) and may filter only on what never changes
// between versions (rule, a key column, and model); state and updated_at
// are filtered, sorted and limited outside it, on the newest versions
// alone. ClickHouse pushes no outer predicate into a subquery with FINAL
// (checked on 18.16 with enable_optimize_predicate_expression on and off).
func (s *Store) Alerts(ctx context.Context, q storage.AlertQuery) ([]drift.AlertRecord, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	var inner, outer conds
	if q.Model != "" {
		inner.add("model = ?", q.Model)
	}
	if q.Rule != "" {
		inner.add("rule = ?", q.Rule)
	}
	if q.State != "" {
		outer.add("state = ?", q.State)
	}
	// updated_at is whole seconds, so updated_at >= From holds exactly
	// when it is >= From rounded up (and < To likewise).
	if !q.From.IsZero() && q.From.After(storage.MinTime) {
		f := ceilSecond(q.From)
		if f.After(storage.MaxTime) {
			return nil, nil
		}
		outer.add("updated_at >= ?", f)
	}
	if !q.To.IsZero() && !q.To.After(storage.MaxTime) {
		t := ceilSecond(q.To)
		if !t.After(storage.MinTime) {
			return nil, nil
		}
		outer.add("updated_at < ?", t)
	}
	args, limit := append(inner.args, outer.args...), ""
	if q.Limit > 0 {
		args, limit = append(args, q.Limit), " LIMIT ?"
	}
	rows, err := s.conn.Query(ctx, `SELECT `+alertColumns+`
		FROM (SELECT `+alertColumns+` FROM `+s.table("alerts")+` FINAL`+inner.String()+`)`+outer.String()+`
		ORDER BY updated_at DESC, rule, fingerprint, started_at`+limit, args...)
	if err != nil {
		return nil, s.fail("read alerts", err)
	}
	defer rows.Close()
	var out []drift.AlertRecord
	for rows.Next() {
		var (
			r             drift.AlertRecord
			family        string
			fired, solved *time.Time
		)
		if err := rows.Scan(&r.Rule, &r.Fingerprint, &r.Model, &r.ModelVersion, &family, &r.Feature, &r.Method,
			&r.State, &r.Severity, &r.Value, &r.StartedAt, &r.UpdatedAt, &fired, &solved, &r.Message, &r.Receivers, &r.Version); err != nil {
			return nil, s.fail("read alerts", err)
		}
		r.Family = drift.Family(family)
		r.StartedAt, r.UpdatedAt = r.StartedAt.UTC(), r.UpdatedAt.UTC()
		if fired != nil {
			r.FiredAt = fired.UTC()
		}
		if solved != nil {
			r.ResolvedAt = solved.UTC()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read alerts", err)
	}
	return out, nil
}

// SaveAlertState implements storage.AlertStore.
func (s *Store) SaveAlertState(ctx context.Context, key string, state []byte, version uint64) error {
	if s.closed.Load() {
		return errClosed
	}
	err := s.insert(ctx, "alert_states", alertStateColumns, 1, func(int) []any {
		return []any{key, state, version}
	})
	if err != nil {
		return s.fail("save alert state", err)
	}
	return nil
}

// AlertState implements storage.AlertStore.
func (s *Store) AlertState(ctx context.Context, key string) ([]byte, bool, error) {
	if s.closed.Load() {
		return nil, false, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT state FROM `+s.table("alert_states")+` FINAL WHERE key = ?
		ORDER BY version DESC LIMIT 1`, key)
	if err != nil {
		return nil, false, s.fail("read alert state", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, false, s.fail("read alert state", err)
		}
		return nil, false, nil
	}
	var state string
	if err := rows.Scan(&state); err != nil {
		return nil, false, s.fail("read alert state", err)
	}
	return []byte(state), true, nil
}

// WriteNotifications implements storage.AlertStore.
func (s *Store) WriteNotifications(ctx context.Context, ns []drift.Notification) error {
	if s.closed.Load() {
		return errClosed
	}
	for _, n := range ns {
		if err := storage.ValidateNotification(n); err != nil {
			return err
		}
	}
	err := s.insert(ctx, "notifications", notificationColumns,
		len(ns), func(i int) []any {
			n := ns[i]
			return []any{n.ID, n.Receiver, n.CreatedAt.UTC(), n.Status, uint32(n.Attempts), n.LastError, n.Response,
				n.Payload, n.Version}
		})
	if err != nil {
		return s.fail("write notifications", err)
	}
	return nil
}

func scanNotification(sc interface{ Scan(...any) error }) (drift.Notification, error) {
	var (
		n        drift.Notification
		attempts uint32
		payload  string
	)
	if err := sc.Scan(&n.ID, &n.Receiver, &n.CreatedAt, &n.Status, &attempts, &n.LastError, &n.Response, &payload, &n.Version); err != nil {
		return n, err
	}
	n.CreatedAt, n.Attempts, n.Payload = n.CreatedAt.UTC(), int(attempts), []byte(payload)
	return n, nil
}

// PendingNotifications implements storage.AlertStore. It first finds the
// ids whose newest status is pending (argMax, which no PREWHERE can
// disturb), then reads those entries.
func (s *Store) PendingNotifications(ctx context.Context) ([]drift.Notification, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT id FROM `+s.table("notifications")+`
		GROUP BY id HAVING argMax(status, version) = ?`, drift.NotificationPending)
	if err != nil {
		return nil, s.fail("read pending notifications", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.fail("read pending notifications", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.fail("read pending notifications", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = s.conn.Query(ctx, `SELECT `+notificationColumns+` FROM `+s.table("notifications")+` FINAL
		WHERE has(?, id)`, ids)
	if err != nil {
		return nil, s.fail("read pending notifications", err)
	}
	defer rows.Close()
	var out []drift.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, s.fail("read pending notifications", err)
		}
		// An entry sent between the two queries is no longer pending.
		if n.Status == drift.NotificationPending {
			out = append(out, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read pending notifications", err)
	}
	slices.SortFunc(out, func(a, b drift.Notification) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Notification implements storage.AlertStore.
func (s *Store) Notification(ctx context.Context, id string) (drift.Notification, bool, error) {
	if s.closed.Load() {
		return drift.Notification{}, false, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT `+notificationColumns+` FROM `+s.table("notifications")+` FINAL
		WHERE id = ? ORDER BY version DESC LIMIT 1`, id)
	if err != nil {
		return drift.Notification{}, false, s.fail("read notification", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return drift.Notification{}, false, s.fail("read notification", err)
		}
		return drift.Notification{}, false, nil
	}
	n, err := scanNotification(rows)
	if err != nil {
		return drift.Notification{}, false, s.fail("read notification", err)
	}
	return n, true, nil
}

// SaveSilence implements storage.AlertStore.
func (s *Store) SaveSilence(ctx context.Context, sl drift.Silence) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := storage.ValidateSilence(sl); err != nil {
		return err
	}
	matchers, err := json.Marshal(sl.Matchers)
	if err != nil {
		return fmt.Errorf("silence %s: matchers: %w: %w", sl.ID, storage.ErrInvalid, err)
	}
	err = s.insert(ctx, "silences", silenceColumns, 1,
		func(int) []any {
			return []any{sl.ID, string(matchers), sl.StartsAt.UTC(), sl.EndsAt.UTC(), sl.CreatedBy, sl.Comment,
				sl.CreatedAt.UTC(), sl.Version}
		})
	if err != nil {
		return s.fail("save silence", err)
	}
	return nil
}

// Silences implements storage.AlertStore.
func (s *Store) Silences(ctx context.Context, since time.Time) ([]drift.Silence, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT `+silenceColumns+`
		FROM `+s.table("silences")+` FINAL`)
	if err != nil {
		return nil, s.fail("read silences", err)
	}
	defer rows.Close()
	var out []drift.Silence
	for rows.Next() {
		var (
			sl       drift.Silence
			matchers string
		)
		if err := rows.Scan(&sl.ID, &matchers, &sl.StartsAt, &sl.EndsAt, &sl.CreatedBy, &sl.Comment, &sl.CreatedAt, &sl.Version); err != nil {
			return nil, s.fail("read silences", err)
		}
		if err := json.Unmarshal([]byte(matchers), &sl.Matchers); err != nil {
			return nil, s.fail("read silences", fmt.Errorf("silence %s: matchers: %w", sl.ID, err))
		}
		sl.StartsAt, sl.EndsAt, sl.CreatedAt = sl.StartsAt.UTC(), sl.EndsAt.UTC(), sl.CreatedAt.UTC()
		if since.IsZero() || sl.EndsAt.After(since) {
			out = append(out, sl)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read silences", err)
	}
	slices.SortFunc(out, func(a, b drift.Silence) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

package storagetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

var at0 = time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)

func testAlerts(t *testing.T, open Opener) {
	st := open(t, "alerts")
	ctx := t.Context()
	pending := drift.AlertRecord{Rule: "feature-drift", Fingerprint: "fp1", Model: "fraud", ModelVersion: "7",
		Family: drift.Covariate, Feature: "amount", Method: "ks", State: drift.AlertPending, Severity: "warning",
		Value: 0.4, StartedAt: at0, UpdatedAt: at0, Message: "amount drifted", Receivers: []string{}, Version: 10}
	firing := pending
	firing.State, firing.UpdatedAt, firing.FiredAt = drift.AlertFiring, at0.Add(5*time.Minute), at0.Add(5*time.Minute)
	firing.Receivers, firing.Version = []string{"ml-oncall", "retrain"}, 20
	other := drift.AlertRecord{Rule: "quality", Fingerprint: "fp2", Model: "churn", State: drift.AlertResolved,
		Severity: "critical", StartedAt: at0, UpdatedAt: at0.Add(time.Minute), FiredAt: at0, ResolvedAt: at0.Add(time.Minute),
		Receivers: []string{"ml-oncall"}, Version: 5}
	if err := st.WriteAlerts(ctx, []drift.AlertRecord{pending, other}); err != nil {
		t.Fatalf("WriteAlerts: %v", err)
	}
	// The firing row replaces the pending one; the pending one written
	// again afterwards (a replay) does not undo it.
	for _, r := range []drift.AlertRecord{firing, pending} {
		if err := st.WriteAlerts(ctx, []drift.AlertRecord{r}); err != nil {
			t.Fatalf("WriteAlerts: %v", err)
		}
	}
	tests := []alertQuery{
		{"all, newest update first", storage.AlertQuery{}, []drift.AlertRecord{firing, other}},
		{"model", storage.AlertQuery{Model: "churn"}, []drift.AlertRecord{other}},
		{"rule", storage.AlertQuery{Rule: "feature-drift"}, []drift.AlertRecord{firing}},
		{"state", storage.AlertQuery{State: drift.AlertResolved}, []drift.AlertRecord{other}},
		// fp1 was pending, then firing: only its newest version answers
		// a state filter, though an older one is pending (and was even
		// written last).
		{"state of the newest version only", storage.AlertQuery{State: drift.AlertPending}, nil},
		{"state of the newest version", storage.AlertQuery{State: drift.AlertFiring}, []drift.AlertRecord{firing}},
		{"updated range of the newest version only", storage.AlertQuery{To: at0.Add(time.Minute)}, nil},
		{"updated range", storage.AlertQuery{From: at0.Add(2 * time.Minute), To: at0.Add(time.Hour)}, []drift.AlertRecord{firing}},
		{"limit", storage.AlertQuery{Limit: 1}, []drift.AlertRecord{firing}},
	}
	checkAlertQueries(t, st, open, "alerts", tests)
}

// testAlertsLimit writes many versions of each record, each in a write of
// its own and not in version order: Limit counts records (their newest
// versions), not the rows behind them, and applies after the filters.
func testAlertsLimit(t *testing.T, open Opener) {
	st := open(t, "alerts-limit")
	ctx := t.Context()
	// Record k (fp0..fp4) goes pending, firing, then (but for fp1, which
	// still fires) resolved; each version updated a minute after the
	// last, and record k's updates come after record k-1's.
	version := func(k, v int) drift.AlertRecord {
		r := drift.AlertRecord{Rule: "limit", Fingerprint: fmt.Sprintf("fp%d", k), Model: "fraud", State: drift.AlertPending,
			Severity: "warning", StartedAt: at0.Add(time.Duration(k) * 10 * time.Minute), Receivers: []string{},
			Version: uint64(100*k + v + 1)}
		r.UpdatedAt = r.StartedAt.Add(time.Duration(v) * time.Minute)
		if v >= 1 {
			r.State, r.FiredAt = drift.AlertFiring, r.StartedAt.Add(time.Minute)
		}
		if v >= 2 {
			r.State, r.ResolvedAt = drift.AlertResolved, r.UpdatedAt
		}
		return r
	}
	const records = 5
	newest := func(k int) drift.AlertRecord {
		if k == 1 {
			return version(k, 1)
		}
		return version(k, 2)
	}
	for _, v := range []int{1, 2, 0} {
		for k := range records {
			if k == 1 && v == 2 {
				continue
			}
			if err := st.WriteAlerts(ctx, []drift.AlertRecord{version(k, v)}); err != nil {
				t.Fatalf("WriteAlerts: %v", err)
			}
		}
	}
	tests := []alertQuery{
		{"newest records", storage.AlertQuery{Limit: 2}, []drift.AlertRecord{newest(4), newest(3)}},
		{"all of them", storage.AlertQuery{Limit: records + 1},
			[]drift.AlertRecord{newest(4), newest(3), newest(2), newest(1), newest(0)}},
		{"after the state filter", storage.AlertQuery{State: drift.AlertFiring, Limit: 1}, []drift.AlertRecord{newest(1)}},
		{"after the range", storage.AlertQuery{To: newest(3).UpdatedAt, Limit: 2}, []drift.AlertRecord{newest(2), newest(1)}},
	}
	checkAlertQueries(t, st, open, "alerts-limit", tests)
}

func testAlertState(t *testing.T, open Opener) {
	st := open(t, "state")
	ctx := t.Context()
	if _, ok, err := st.AlertState(ctx, "fraud/7"); err != nil || ok {
		t.Fatalf("AlertState of nothing: ok %v, err %v", ok, err)
	}
	for _, v := range []struct {
		state   string
		version uint64
	}{{"a", 1}, {"c", 3}, {"b", 2}} {
		if err := st.SaveAlertState(ctx, "fraud/7", []byte(v.state), v.version); err != nil {
			t.Fatalf("SaveAlertState: %v", err)
		}
	}
	closeStore(t, st)
	st = open(t, "state")
	got, ok, err := st.AlertState(ctx, "fraud/7")
	if err != nil || !ok || string(got) != "c" {
		t.Errorf("AlertState = %q, %v, %v; want the newest version, c", got, ok, err)
	}
}

func testOutbox(t *testing.T, open Opener) {
	st := open(t, "outbox")
	ctx := t.Context()
	n := func(id string, created time.Time) drift.Notification {
		return drift.Notification{ID: id, Receiver: "hook", CreatedAt: created, Status: drift.NotificationPending,
			Payload: []byte(`{"id":"` + id + `"}`), Version: 1}
	}
	a, b, c := n("a", at0.Add(time.Minute)), n("b", at0), n("c", at0.Add(time.Minute))
	if err := st.WriteNotifications(ctx, []drift.Notification{a, b, c}); err != nil {
		t.Fatalf("WriteNotifications: %v", err)
	}
	sent := b
	sent.Status, sent.Attempts, sent.Response, sent.Version = drift.NotificationSent, 3, "thread-1", 2
	if err := st.WriteNotifications(ctx, []drift.Notification{sent}); err != nil {
		t.Fatalf("WriteNotifications: %v", err)
	}
	// Enqueued again by a replay: the sent status stays.
	if err := st.WriteNotifications(ctx, []drift.Notification{b}); err != nil {
		t.Fatalf("WriteNotifications: %v", err)
	}
	check := func(t *testing.T, as storage.AlertStore) {
		got, err := as.PendingNotifications(ctx)
		if err != nil {
			t.Fatalf("PendingNotifications: %v", err)
		}
		if want := []drift.Notification{a, c}; !reflect.DeepEqual(got, want) {
			t.Errorf("pending = %+v\nwant %+v", got, want)
		}
		one, ok, err := as.Notification(ctx, "b")
		if err != nil || !ok || !reflect.DeepEqual(one, sent) {
			t.Errorf("Notification(b) = %+v, %v, %v; want %+v", one, ok, err, sent)
		}
		if _, ok, err := as.Notification(ctx, "zzz"); ok || err != nil {
			t.Errorf("Notification(zzz): ok %v, err %v; want none", ok, err)
		}
	}
	check(t, st)
	closeStore(t, st)
	reopened := open(t, "outbox")
	t.Run("after reopen", func(t *testing.T) { check(t, reopened) })
}

func testSilences(t *testing.T, open Opener) {
	st := open(t, "silences")
	ctx := t.Context()
	s1 := drift.Silence{ID: "s1", Matchers: map[string]string{"model": "fraud", "feature": "amount*"},
		StartsAt: at0, EndsAt: at0.Add(time.Hour), CreatedBy: "ana", Comment: "known", CreatedAt: at0, Version: 1}
	s2 := drift.Silence{ID: "s2", Matchers: map[string]string{"rule": "quality"},
		StartsAt: at0.Add(time.Minute), EndsAt: at0.Add(2 * time.Hour), CreatedBy: "bo", CreatedAt: at0, Version: 1}
	expired := s1
	expired.EndsAt, expired.Version = at0.Add(10*time.Minute), 2
	for _, s := range []drift.Silence{s1, s2, expired} {
		if err := st.SaveSilence(ctx, s); err != nil {
			t.Fatalf("SaveSilence: %v", err)
		}
	}
	closeStore(t, st)
	st = open(t, "silences")
	tests := []struct {
		name  string
		since time.Time
		want  []drift.Silence
	}{
		{"all", time.Time{}, []drift.Silence{expired, s2}},
		{"not ended", at0.Add(30 * time.Minute), []drift.Silence{s2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Silences(ctx, tc.since)
			if err != nil {
				t.Fatalf("Silences: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// alertQuery is one query of the alert history and what it must return.
type alertQuery struct {
	name string
	q    storage.AlertQuery
	want []drift.AlertRecord
}

// checkAlertQueries runs the queries on st, then again on the store
// reopened from the same name, after st is closed.
func checkAlertQueries(t *testing.T, st storage.Store, open Opener, name string, tests []alertQuery) {
	t.Helper()
	check := func(t *testing.T, as storage.AlertStore) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := as.Alerts(t.Context(), tc.q)
				if err != nil {
					t.Fatalf("Alerts: %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got %+v\nwant %+v", got, tc.want)
				}
			})
		}
	}
	check(t, st)
	closeStore(t, st)
	reopened := open(t, name)
	t.Run("after reopen", func(t *testing.T) { check(t, reopened) })
}

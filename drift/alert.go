package drift

import "time"

// The nouns alerting keeps in storage. They live here, where alerting
// meets storage, so that neither imports the other.

// Alert states, as the alerts table spells them.
const (
	AlertPending  = "pending"
	AlertFiring   = "firing"
	AlertResolved = "resolved"
	// AlertInactive is a pending alert whose condition stopped holding
	// before it fired: it ends without anyone being told.
	AlertInactive = "inactive"
)

// AlertRecord is one row of the alerts table: one alert instance (a rule
// and the fingerprint of its labels) from the window it started pending.
// Each state change rewrites the row with a newer version, so the newest
// row says what fired, when, why (Message) and who was told (Receivers).
type AlertRecord struct {
	Rule         string    `json:"rule"`
	Fingerprint  string    `json:"fingerprint"`
	Model        string    `json:"model"`
	ModelVersion string    `json:"model_version"`
	Family       Family    `json:"family"`
	Feature      string    `json:"feature"`
	Method       string    `json:"method"`
	State        string    `json:"state"`
	Severity     string    `json:"severity"`
	Value        float64   `json:"value"`
	StartedAt    time.Time `json:"started_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// FiredAt and ResolvedAt are zero until the alert fires or resolves.
	FiredAt    time.Time `json:"fired_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	Message    string    `json:"message"`
	Receivers  []string  `json:"receivers"`
	Version    uint64    `json:"version"`
}

// Notification states in the outbox.
const (
	NotificationPending = "pending"
	NotificationSent    = "sent"
	// NotificationFailed is final: the receiver refused it (a 4xx other
	// than 429), so sending it again cannot help.
	NotificationFailed = "failed"
)

// Notification is one outbox entry: a message for one receiver, stored
// before it is sent and marked after. The newest version of an ID wins, so
// an entry enqueued again (a replayed window) with version 1 never undoes
// a later status change.
type Notification struct {
	ID        string    `json:"id"`
	Receiver  string    `json:"receiver"`
	CreatedAt time.Time `json:"created_at"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	// Response is what the receiver answered that later notifications
	// need, such as the Slack message a resolution is threaded under.
	Response string `json:"response"`
	// Payload is alerting's own encoding of the message; storage keeps it
	// as it is.
	Payload []byte `json:"payload"`
	Version uint64 `json:"version"`
}

// Silence mutes the alerts whose labels match all of Matchers (label name
// to glob) between StartsAt and EndsAt. Expiring one rewrites it with
// EndsAt set to the time of expiry.
type Silence struct {
	ID        string            `json:"id"`
	Matchers  map[string]string `json:"matchers"`
	StartsAt  time.Time         `json:"starts_at"`
	EndsAt    time.Time         `json:"ends_at"`
	CreatedBy string            `json:"created_by"`
	Comment   string            `json:"comment"`
	CreatedAt time.Time         `json:"created_at"`
	Version   uint64            `json:"version"`
}

// Active reports whether s mutes alerts at t.
func (s Silence) Active(t time.Time) bool { return !t.Before(s.StartsAt) && t.Before(s.EndsAt) }

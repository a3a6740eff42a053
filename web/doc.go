// Package web is driftmon's HTTP side: /metrics, /healthz and /readyz, the
// JSON API under /api/v1 (models, results, windows, alerts, silences), and
// the server-rendered view at / and /alerts, from embedded templates.
//
// It reads storage through its own Store interface (storage.Store is one),
// bounds what one request may ask of storage and memory, and never shows a
// client a storage error: the client gets a request id, the log the error.
// Changes (silences) always need the bearer token; reads need it when so
// configured.
package web

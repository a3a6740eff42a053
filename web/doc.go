// Package web is driftmon's HTTP side: /metrics, /healthz and /readyz, the
// JSON API under /api/v1 (models, results, windows, alerts, silences), and
// the server-rendered view at / and /alerts, from embedded templates.
// The view reads storage for windows, verdicts and quality results, and
// reads the ingest counters (dead letters, lag) back from the process's
// own metrics registry, which holds them and nothing else does.
// Every route is in one table (routeTable), and openapi.json, served at
// /openapi.json, documents each of them; its test holds the two together
// and validates real answers against the document.
//
// It reads storage through its own Store interface (storage.Store is one),
// bounds what one request may ask of storage and memory, and never shows a
// client a storage error: the client gets a request id, the log the error.
// It also bounds what clients may hold of the process (limits.go,
// conns.go): connections per listener, handlers at once per kind of
// route, time per route and body sizes, so that clients which never
// finish a request or never close a connection cannot starve the
// pipeline of file descriptors, and probes are answered meanwhile.
// Changes (silences) always need the bearer token; reads need it when so
// configured.
package web

// Package ingest is the first stage of driftmon: it consumes the predictions
// and labels topics in a consumer group, decodes and validates each record
// against the event contract, hands accepted events on, and writes every
// rejected record, bytes unchanged, to the dead-letter topic with its reason,
// so that nothing is dropped silently.
//
// Decoding is the hot path: a Decoder reuses its parser and the event it
// fills, and the strings it returns alias its buffer until the next call.
//
// It imports drift for the event types and nothing downstream of it
// (window, storage, detectors, alerting): the next stage is reached through
// an interface this package owns.
package ingest

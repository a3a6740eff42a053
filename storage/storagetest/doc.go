// Package storagetest is the contract suite every storage.Store passes,
// each part of the contract on every backend: round trips of every summary
// field, idempotent rewrites (newest version wins), checkpoints, result
// queries, the raw logs, the label side, alerting's tables, retention,
// persistence across reopening, refusal of bad input and concurrent use.
// Store packages call Run from their tests with an Opener for their
// backend.
//
// It imports only drift, sketch and storage (with its internal codec) of
// driftmon's packages, and the testing package.
package storagetest

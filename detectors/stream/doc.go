// Package stream holds the streaming concept-drift detectors: state machines
// fed one value per labelled event (usually the model's error, 1 for a wrong
// prediction and 0 for a right one) that say after each value whether the
// stream is in a warning zone or has drifted.
//
// The detectors are DDM, EDDM, ADWIN, Page-Hinkley, HDDM_A, HDDM_W and KSWIN,
// ported from River (online-ml/river, river/drift/, version 0.26.1) with
// River's algorithms, arithmetic order and default parameters, so that a
// detector fed the same sequence signals at the same indices as River's; the
// tests check this against indices recorded from River itself
// (testdata/gen.py). Each detector lives in its own file, as in River, and
// documents its defaults and its paper.
//
// One-sided and two-sided: DDM, EDDM, HDDM_A and HDDM_W, like River's
// binary detectors, watch for an increase of the error rate only (HDDM's
// two-sided test is an option, off by default); a model that gets better is
// not a drift to them. ADWIN and Page-Hinkley (mode both) see a move of the
// mean in either direction, and KSWIN any change of the distribution.
//
// Every detector implements Detector and also encoding.BinaryMarshaler and
// encoding.BinaryUnmarshaler, so that a service can checkpoint its state and
// resume the stream where it left off. KSWIN is the only randomised detector;
// its seed is part of its configuration and of its checkpoint.
//
// Floating-point: products that feed a sum are wrapped in float64(...) so
// the compiler cannot fuse them into an FMA (the Go spec allows it, e.g.
// under GOAMD64=v3 or on arm64); fused and unfused results differ in the last
// bit, and a threshold comparison can then flip against River's.
//
// The package is pure computation: it must not import storage, Kafka,
// metrics, configuration or any other driftmon package (drift's plain types
// excepted), so that serve, demo and check can all run it, and it never
// reads the clock: the event index and time of a signal are the caller's.
package stream

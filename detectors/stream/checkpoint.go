package stream

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
)

// ErrCheckpoint is returned when a checkpoint cannot be restored: corrupt,
// or written by another kind of detector.
var ErrCheckpoint = errors.New("stream detector checkpoint")

// envelope is what MarshalBinary writes. Gob rather than JSON because the
// states hold infinities (DDM's running minimum starts at +Inf), which JSON
// cannot carry.
type envelope[C, S any] struct {
	Method string
	Config C
	State  S
}

func marshal[C, S any](method string, c C, s S) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(envelope[C, S]{method, c, s}); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return buf.Bytes(), nil
}

// unmarshal decodes into a fresh value: gob leaves fields that the stream
// omits (zero values) untouched, so decoding over a live state would keep
// stale numbers.
func unmarshal[C, S any](method string, b []byte) (C, S, error) {
	var e envelope[C, S]
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&e); err != nil {
		return e.Config, e.State, fmt.Errorf("%w: %s: %w", ErrCheckpoint, method, err)
	}
	if e.Method != method {
		return e.Config, e.State, fmt.Errorf("%w: a %s checkpoint given to %s", ErrCheckpoint, e.Method, method)
	}
	return e.Config, e.State, nil
}

package config

import (
	"fmt"
	"strings"
)

// Error is one problem in a configuration: the key path it concerns, the
// line of that key in the file, and what is wrong.
type Error struct {
	// Path is the key path, e.g. models[1].window.duration; "" for the
	// file as a whole.
	Path string
	// Line is 1-based; 0 when unknown (a Config built in code).
	Line int
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// lineOf returns the line of path, or of its nearest written ancestor: a
// missing required key is reported at the line of the mapping that lacks
// it.
func (m *meta) lineOf(path string) int {
	if m == nil {
		return 0
	}
	for {
		if l, ok := m.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return m.lines[""]
		}
		path = path[:i]
	}
}

// joinKey appends a mapping key to a path.
func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinIndex appends a sequence index to a path.
func joinIndex(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

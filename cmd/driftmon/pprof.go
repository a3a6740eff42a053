//go:build pprof

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// A binary built with -tags pprof (scripts/bench-e2e.sh --profile builds
// one) serves net/http/pprof on DRIFTMON_PPROF_ADDR, a listener apart from
// serve's own: the released binary has no such endpoint at all.
func init() {
	addr := os.Getenv("DRIFTMON_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
}

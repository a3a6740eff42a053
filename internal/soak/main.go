// Command soak is scripts/soak.sh's helper: it writes the soak's config and
// reference, creates its topics, produces a steady keyed stream whose exact
// per-window counts it knows, and at the end checks what ClickHouse stores,
// the memory and descriptor samples, and the metrics scraped around each
// fault. It is not part of driftmon; run it through scripts/soak.sh.
//
//	soak setup   -dir D -brokers B -clickhouse A -models N -partitions P -http H
//	soak produce -brokers B -rate R -models N -out D/produced.json   (until SIGTERM)
//	soak verify  -dir D -brokers B -clickhouse A -wait 5m
//	soak flat    -csv D/proc.csv -warmup 2m -phase 10m -rss-growth 25 -fd-growth 16
//	soak faults  -dir D/metrics
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: soak setup|produce|verify|flat|faults [flags]")
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "setup":
		err = setup(args)
	case "produce":
		err = produce(args)
	case "verify":
		err = verify(args)
	case "flat":
		err = flat(args)
	case "faults":
		err = faults(args)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

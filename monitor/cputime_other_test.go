//go:build !unix

package monitor

import "time"

// cpuTime is 0 where getrusage is not at hand: BenchmarkBuild's
// cpu-ms/model then reads 0.
func cpuTime() time.Duration { return 0 }

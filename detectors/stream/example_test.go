package stream_test

import (
	"fmt"
	"time"

	"github.com/driftmon/driftmon/detectors/stream"
)

// A service feeds each labelled event's error to one detector per model and
// writes every warning and drift, with the event's index and time, to the
// detections table. Here a model that is right on 9 events in 10 starts
// failing one in two at event 1,000.
func Example() {
	d, err := stream.New(stream.MethodADWIN, 0)
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2000 {
		miss := i%10 == 0
		if i >= 1000 {
			miss = i%2 == 0
		}
		x := 0.0
		if miss {
			x = 1
		}
		if s := d.Update(x); s != stream.None {
			at := start.Add(time.Duration(i) * time.Second)
			fmt.Printf("%s at event %d (%s)\n", s, i, at.Format(time.TimeOnly))
		}
	}
	// Output:
	// drift at event 1055 (00:17:35)
}

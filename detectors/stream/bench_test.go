package stream

import "testing"

// BenchmarkUpdate: the cost of one Update on a 0/1 error stream at rate
// 0.2, the hot path of a service running a detector per model. The stream
// is pre-generated and reused cyclically so generation is not timed; drifts
// and their resets happen as they would in service.
func BenchmarkUpdate(b *testing.B) {
	xs := bernoulli(11, 1<<16, 1<<16, 0.2, 0.2)
	for _, m := range Methods() {
		b.Run(m, func(b *testing.B) {
			d := mustNew(b, m, 1)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Update(xs[i&(len(xs)-1)])
				i++
			}
		})
	}
}

// BenchmarkCheckpoint: MarshalBinary of a detector that has seen 10,000
// values, the cost of one checkpoint.
func BenchmarkCheckpoint(b *testing.B) {
	xs := bernoulli(12, 10000, 10000, 0.2, 0.2)
	for _, m := range Methods() {
		b.Run(m, func(b *testing.B) {
			d := mustNew(b, m, 1)
			for _, x := range xs {
				d.Update(x)
			}
			cp := d.(interface{ MarshalBinary() ([]byte, error) })
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cp.MarshalBinary(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/driftmon/driftmon/ingest"
)

// Ceiling is what kafka-go alone delivers from the predictions topic:
// every partition read at once from its first offset to its end, each
// record counted and nothing else done with it.
type Ceiling struct {
	// Mode is "reader" (a kafka.Reader per partition with the settings
	// serve consumes with, ingest.ReaderConfig, one FetchMessage a
	// record) or "batch" (a connection to each partition's leader and
	// Conn.ReadBatch fetches of ingest.MaxFetchBytes, read record by
	// record: kafka-go's lowest level, no reader goroutines or queue).
	Mode    string
	Records int64
	Elapsed time.Duration
}

// Rate is records per second.
func (c Ceiling) Rate() float64 { return float64(c.Records) / c.Elapsed.Seconds() }

// readCeiling reads the whole topic in the given mode.
func readCeiling(ctx context.Context, broker, mode string, ends map[int]int64) (Ceiling, error) {
	read := readPartitionReader
	switch mode {
	case "reader":
	case "batch":
		read = readPartitionBatch
	default:
		return Ceiling{}, fmt.Errorf("ceiling mode %q: want reader or batch", mode)
	}
	counts := make([]int64, len(ends))
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	i := 0
	for p, end := range ends {
		n := &counts[i]
		i++
		g.Go(func() error {
			var err error
			*n, err = read(gctx, broker, p, end)
			if err != nil {
				return fmt.Errorf("%s read of partition %d: %w", mode, p, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Ceiling{}, err
	}
	c := Ceiling{Mode: mode, Elapsed: time.Since(start)}
	for _, n := range counts {
		c.Records += n
	}
	return c, nil
}

func readPartitionReader(ctx context.Context, broker string, p int, end int64) (int64, error) {
	if end == 0 {
		return 0, nil
	}
	r := kafka.NewReader(ingest.ReaderConfig([]string{broker}, predictionsTopic, p, nil))
	defer r.Close()
	if err := r.SetOffset(kafka.FirstOffset); err != nil {
		return 0, err
	}
	var n int64
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return n, err
		}
		n++
		if m.Offset >= end-1 {
			return n, nil
		}
	}
}

func readPartitionBatch(ctx context.Context, broker string, p int, end int64) (int64, error) {
	conn, err := kafka.DialLeader(ctx, "tcp", broker, predictionsTopic, p)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int64
	for off := int64(0); off < end; {
		if _, err := conn.Seek(off, kafka.SeekAbsolute); err != nil {
			return n, err
		}
		if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
			return n, err
		}
		b := conn.ReadBatch(1, ingest.MaxFetchBytes)
		for {
			m, err := b.ReadMessage()
			if err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				b.Close()
				return n, err
			}
			n++
			off = m.Offset + 1
		}
		if err := b.Close(); err != nil {
			return n, err
		}
	}
	return n, nil
}

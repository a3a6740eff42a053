package table

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/driftmon/driftmon/drift"
)

// benchRows is the size of the files `driftmon check` must read two of in
// about a second.
const benchRows = 1_000_000

// writeBenchCSV writes benchRows rows of ncol numeric fields, as a model's
// feature log looks.
func writeBenchCSV(b *testing.B, dir string, ncol int) string {
	path := filepath.Join(dir, fmt.Sprintf("bench%d.csv", ncol))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(1, uint64(ncol)))
	for c := range ncol {
		if c > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "f%d", c)
	}
	w.WriteByte('\n')
	for range benchRows {
		for c := range ncol {
			if c > 0 {
				w.WriteByte(',')
			}
			w.WriteString(strconv.FormatFloat(rng.NormFloat64()*100, 'f', 3, 64))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

func reportPerRow(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}

// BenchmarkCSVScan reads every field of a 1,000,000-row file, with this
// package and, for comparison, with encoding/csv doing the same per-field
// work (trimming, the missing check).
func BenchmarkCSVScan(b *testing.B) {
	dir := b.TempDir()
	for _, ncol := range []int{1, 10} {
		path := writeBenchCSV(b, dir, ncol)
		cols := make([]int, ncol)
		for i := range cols {
			cols[i] = i
		}
		b.Run(fmt.Sprintf("cols=%d/table", ncol), func(b *testing.B) {
			b.ReportAllocs()
			r, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			var n int
			for b.Loop() {
				err := r.Scan(context.Background(), cols, func(_ int64, _ int, c Cell) error {
					n += len(c.Text)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b)
		})
		b.Run(fmt.Sprintf("cols=%d/encoding-csv", ncol), func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				cr := csv.NewReader(bufio.NewReaderSize(f, csvBufSize))
				cr.ReuseRecord = true
				if _, err := cr.Read(); err != nil {
					b.Fatal(err)
				}
				for {
					rec, err := cr.Read()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					for _, v := range rec {
						v = strings.TrimSpace(v)
						if drift.IsMissingToken(v) {
							continue
						}
						n += len(v)
					}
				}
				f.Close()
			}
			reportPerRow(b)
		})
	}
}

type benchRow1 struct {
	X float64 `parquet:"x"`
}

type benchRow10 struct {
	A float64 `parquet:"a"`
	B float64 `parquet:"b"`
	C float64 `parquet:"c"`
	D float64 `parquet:"d"`
	E float64 `parquet:"e"`
	F float64 `parquet:"f"`
	G float64 `parquet:"g"`
	H float64 `parquet:"h"`
	S string  `parquet:"s,dict"`
	T string  `parquet:"t,dict"`
}

func writeBenchParquet[T any](b *testing.B, path string, row func(*rand.Rand) T) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Snappy))
	rng := rand.New(rand.NewPCG(3, 4))
	batch := make([]T, 0, 4096)
	for i := range benchRows {
		batch = append(batch, row(rng))
		if len(batch) == cap(batch) || i == benchRows-1 {
			if _, err := w.Write(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// BenchmarkParquetScan reads every cell of a 1,000,000-row snappy file of
// doubles (and, with 10 columns, two dictionary-encoded strings).
func BenchmarkParquetScan(b *testing.B) {
	dir := b.TempDir()
	cats := []string{"red", "green", "blue", "NA"}
	files := map[int]string{1: filepath.Join(dir, "b1.parquet"), 10: filepath.Join(dir, "b10.parquet")}
	writeBenchParquet(b, files[1], func(r *rand.Rand) benchRow1 { return benchRow1{r.NormFloat64()} })
	writeBenchParquet(b, files[10], func(r *rand.Rand) benchRow10 {
		x := r.NormFloat64()
		return benchRow10{x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, cats[r.IntN(4)], cats[r.IntN(3)]}
	})
	for _, ncol := range []int{1, 10} {
		b.Run(fmt.Sprintf("cols=%d", ncol), func(b *testing.B) {
			b.ReportAllocs()
			r, err := Open(files[ncol])
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			cols := make([]int, ncol)
			for i := range cols {
				cols[i] = i
			}
			var sum float64
			for b.Loop() {
				err := r.Scan(context.Background(), cols, func(_ int64, _ int, c Cell) error {
					sum += c.Num
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b)
		})
	}
}

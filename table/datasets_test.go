package table

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/driftmon/driftmon/internal/datasets"
)

var datasetFiles = []string{
	"electricity.csv", "sea.csv", "weather_noaa.csv", "insects_gradual_balanced.csv",
	"bike_sharing_hour.csv", "bike_sharing_day.csv",
}

// TestDatasets reads every real data set fully and checks each cell
// against encoding/csv's reading of the same file.
func TestDatasets(t *testing.T) {
	dir := datasets.Dir(t)
	for _, name := range datasetFiles {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ref := csv.NewReader(f)
			ref.ReuseRecord = true
			header, err := ref.Read()
			if err != nil {
				t.Fatal(err)
			}
			ncols := len(header)

			r := openT(t, path)
			if len(r.Columns()) != ncols {
				t.Fatalf("%d columns, encoding/csv %d", len(r.Columns()), ncols)
			}
			cols := make([]int, ncols)
			for i := range cols {
				cols[i] = i
			}
			var rec []string
			var rows, cells int64
			err = r.Scan(context.Background(), cols, func(row int64, col int, c Cell) error {
				if col == 0 {
					if rec, err = ref.Read(); err != nil {
						t.Fatalf("row %d: encoding/csv: %v", row, err)
					}
					if len(rec) != ncols {
						t.Fatalf("row %d: encoding/csv has %d fields", row, len(rec))
					}
					rows++
				}
				cells++
				if want := trimSpace([]byte(rec[col])); string(c.Text) != string(want) {
					t.Fatalf("%s, column %d: %q, encoding/csv %q", r.Location(row), col, c.Text, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ref.Read(); !errors.Is(err, io.EOF) {
				t.Errorf("encoding/csv reads on past row %d: %v", rows, err)
			}
			if cells != rows*int64(ncols) {
				t.Errorf("%d cells in %d rows of %d columns", cells, rows, ncols)
			}
			t.Logf("%d rows, %d fields", rows, cells)
		})
	}
}

package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

func TestThriftCheck(t *testing.T) {
	deep := bytes.Repeat([]byte{0x1c}, 100) // struct fields within struct fields
	for _, tc := range []struct {
		name string
		in   []byte
		n    int    // length, when valid
		err  string // else the error
	}{
		{"empty struct", []byte{0x00}, 1, ""},
		{"i32 and bool fields", []byte{0x15, 0x02, 0x11, 0x00}, 4, ""},
		{"long field header", []byte{0x05, 0x10, 0x02, 0x00}, 4, ""},
		{"binary", []byte{0x18, 0x03, 'a', 'b', 'c', 0x00}, 6, ""},
		{"list of bools", []byte{0x19, 0x31, 0x01, 0x02, 0x01, 0x00}, 6, ""},
		{"map", []byte{0x1b, 0x01, 0x55, 0x02, 0x04, 0x00}, 6, ""},
		{"double", []byte{0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x00}, 10, ""},
		{"no stop", []byte{0x15, 0x02}, 0, "thrift data ends early"},
		{"binary past the end", []byte{0x18, 0x7f, 'a', 0x00}, 0, "thrift data ends early"},
		{"list of 2^31 structs", []byte{0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00}, 0, "thrift data ends early"},
		{"map of 2^31 entries", []byte{0x1b, 0xff, 0xff, 0xff, 0xff, 0x07, 0x55, 0x00}, 0, "thrift data ends early"},
		{"varint overflow", append([]byte{0x16}, bytes.Repeat([]byte{0xff}, 11)...), 0, "thrift varint overflows"},
		{"too deep", append(deep, 0x00), 0, "thrift structs nested too deep"},
		{"unknown type", []byte{0x1d, 0x00}, 0, "thrift type 13 unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := thriftCheck(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("error %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || n != tc.n {
				t.Errorf("got %d, %v; want %d", n, err, tc.n)
			}
		})
	}
}

// allocated returns what fn allocates, in bytes.
func allocated(fn func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	fn()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

func TestParquetFooterBomb(t *testing.T) {
	// 22 bytes whose footer declares a schema of 2^31 elements: without
	// the check, parquet-go's allocation kills the process.
	footer := []byte{0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00}
	b := append([]byte("PAR1"), footer...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(footer)))
	b = append(b, "PAR1"...)
	var err error
	if n := allocated(func() {
		_, err = newParquet(memFile{bytes.NewReader(b)}, int64(len(b)), "bomb.parquet", options{})
	}); n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
	if want := "bomb.parquet: file metadata: thrift data ends early: corrupt parquet file"; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant  %s", err, want)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("%v is not ErrCorrupt", err)
	}
}

// withPageHeader returns the file with the first page header of its first
// column chunk edited by edit.
func withPageHeader(t *testing.T, data []byte, edit func(*format.PageHeader)) []byte {
	t.Helper()
	r, err := newParquet(memFile{bytes.NewReader(data)}, int64(len(data)), "x", options{})
	if err != nil {
		t.Fatal(err)
	}
	cm := r.pf.Metadata().RowGroups[0].Columns[0].MetaData
	off := cm.DataPageOffset
	if cm.DictionaryPageOffset != 0 {
		off = cm.DictionaryPageOffset
	}
	var proto thrift.CompactProtocol
	var h format.PageHeader
	n, err := r.readHeader(off, off+cm.TotalCompressedSize, &proto, &h)
	if err != nil {
		t.Fatal(err)
	}
	edit(&h)
	hb, err := thrift.Marshal(&proto, &h)
	if err != nil {
		t.Fatal(err)
	}
	// The chunks after this one move if the header's length changes; the
	// tests read this one only.
	out := append(append(append([]byte(nil), data[:off]...), hb...), data[off+int64(n):]...)
	return out
}

func TestParquetPageBombs(t *testing.T) {
	good, err := os.ReadFile("testdata/dict_zstd.parquet")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*format.PageHeader)
		want string
	}{
		{"compressed size", func(h *format.PageHeader) { h.CompressedPageSize = 1 << 30 },
			"bytes, past the end of the column chunk"},
		{"uncompressed size", func(h *format.PageHeader) { h.UncompressedPageSize = 1 << 30 },
			"1073741824 bytes uncompressed, over the limit of 256 MiB"},
		{"dictionary values", func(h *format.PageHeader) { h.DictionaryPageHeader.V.NumValues = 1 << 30 },
			"1073741824 values in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := withPageHeader(t, good, tc.edit)
			var err error
			if n := allocated(func() {
				var r *parquetReader
				if r, err = newParquet(memFile{bytes.NewReader(b)}, int64(len(b)), "bomb.parquet", options{}); err == nil {
					err = r.Scan(context.Background(), []int{0}, func(int64, int, Cell) error { return nil })
				}
			}); n > 16<<20 {
				t.Errorf("allocated %d bytes", n)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "bomb.parquet: row group 0: column cat: ") {
				t.Errorf("error %v does not say where", err)
			}
		})
	}
}

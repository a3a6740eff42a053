package table

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// parquet-go trusts the sizes a file declares: it allocates a thrift list
// of the declared count, a page buffer of the declared size, before reading
// them. A damaged or hostile file of a few bytes then asks for gigabytes,
// and an allocation the machine cannot serve kills the process, which no
// recover stops. So the footer and the page headers of every column chunk
// scanned are checked here first, against the bytes actually there.

const (
	// maxPageSize bounds a page's uncompressed size; writers cut pages at
	// about 1 MiB (parquet-go 256 KiB, pyarrow and Spark 1 MiB).
	maxPageSize = 256 << 20
	// maxPageHeader bounds a page header: tens of bytes, more only with
	// the statistics of long strings.
	maxPageHeader = 16 << 20
	// thriftMaxDepth bounds the nesting of structs and lists; a schema is
	// flat in thrift (its tree is a list), so real files stay under ten.
	thriftMaxDepth = 64
)

var errThriftShort = errors.New("thrift data ends early")

// thriftCheck walks the compact-protocol struct at the start of b and
// returns its length. It fails when a length or count it declares exceeds
// the bytes left, each element of a list taking at least one byte, so that
// decoding it allocates in proportion to len(b) at most.
func thriftCheck(b []byte) (int, error) {
	w := thriftWalker{b: b}
	err := w.structure(0)
	return w.off, err
}

type thriftWalker struct {
	b   []byte
	off int
}

func (w *thriftWalker) left() uint64 { return uint64(len(w.b) - w.off) }

func (w *thriftWalker) byte() (byte, error) {
	if w.off >= len(w.b) {
		return 0, errThriftShort
	}
	c := w.b[w.off]
	w.off++
	return c, nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.off:])
	if n == 0 {
		return 0, errThriftShort
	}
	if n < 0 {
		return 0, errors.New("thrift varint overflows")
	}
	w.off += n
	return v, nil
}

func (w *thriftWalker) skip(n uint64) error {
	if n > w.left() {
		return errThriftShort
	}
	w.off += int(n)
	return nil
}

func (w *thriftWalker) structure(depth int) error {
	if depth > thriftMaxDepth {
		return errors.New("thrift structs nested too deep")
	}
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		if h>>4 == 0 {
			// The long form: the field id follows as a varint.
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if err := w.value(h&0x0f, false, depth); err != nil {
			return err
		}
	}
}

// value skips a value of the compact type typ; a bool is in the field
// header, except as an element of a list, set or map, where it is a byte.
func (w *thriftWalker) value(typ byte, elem bool, depth int) error {
	switch typ {
	case 1, 2: // bool
		if elem {
			return w.skip(1)
		}
		return nil
	case 3: // i8
		return w.skip(1)
	case 4, 5, 6: // i16, i32, i64
		_, err := w.uvarint()
		return err
	case 7: // double
		return w.skip(8)
	case 8: // binary
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case 9, 10: // list, set
		h, err := w.byte()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		if n > w.left() {
			return errThriftShort
		}
		for range n {
			if err := w.value(h&0x0f, true, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 11: // map
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		if n > w.left() {
			return errThriftShort
		}
		for range n {
			if err := w.value(kv>>4, true, depth+1); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, true, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 12: // struct
		return w.structure(depth + 1)
	}
	return fmt.Errorf("thrift type %d unknown", typ)
}

// checkFooter checks the file metadata before parquet-go decodes it.
func checkFooter(f parquetSource, size int64) error {
	var tail [8]byte
	if size < 12 {
		return fmt.Errorf("%d bytes, too short for a Parquet file: %w", size, ErrCorrupt)
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return fmt.Errorf("a footer of %d bytes in a file of %d: %w", n, size, ErrCorrupt)
	}
	if string(tail[4:]) != "PAR1" {
		return nil // parquet-go says what is wrong (an encrypted footer, say)
	}
	footer := make([]byte, n)
	if _, err := f.ReadAt(footer, size-8-n); err != nil {
		return err
	}
	if _, err := thriftCheck(footer); err != nil {
		return fmt.Errorf("file metadata: %v: %w", err, ErrCorrupt)
	}
	return nil
}

// checkChunk checks the page headers of a column chunk before parquet-go
// reads its pages: each header whole within the chunk, each page's data
// too, no page larger than maxPageSize, no more values than the row group
// has rows (the column is flat).
func (r *parquetReader) checkChunk(group, leaf int, rows int64) error {
	md := r.pf.Metadata()
	if group >= len(md.RowGroups) || leaf >= len(md.RowGroups[group].Columns) {
		return fmt.Errorf("no metadata for the column chunk: %w", ErrCorrupt)
	}
	cm := md.RowGroups[group].Columns[leaf].MetaData
	// Where parquet-go starts reading the chunk.
	off := cm.DataPageOffset
	if cm.DictionaryPageOffset != 0 {
		off = cm.DictionaryPageOffset
	}
	end := off + cm.TotalCompressedSize
	if off < 4 || cm.TotalCompressedSize < 0 || end > r.size || end < off {
		return fmt.Errorf("column chunk at %d+%d outside the file: %w", off, cm.TotalCompressedSize, ErrCorrupt)
	}
	var proto thrift.CompactProtocol
	values := int64(0)
	for off < end {
		var h format.PageHeader
		n, err := r.readHeader(off, end, &proto, &h)
		if err != nil {
			return fmt.Errorf("page header at %d: %v: %w", off, err, ErrCorrupt)
		}
		off += int64(n)
		page := int64(h.CompressedPageSize)
		switch {
		case page < 0 || page > end-off:
			return fmt.Errorf("page at %d: %d bytes, past the end of the column chunk: %w", off, page, ErrCorrupt)
		case h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageSize:
			return fmt.Errorf("page at %d: %d bytes uncompressed, over the limit of %d MiB: %w", off, h.UncompressedPageSize, maxPageSize>>20, ErrCorrupt)
		}
		switch {
		case h.DataPageHeader.Valid:
			values += int64(h.DataPageHeader.V.NumValues)
		case h.DataPageHeaderV2.Valid:
			values += int64(h.DataPageHeaderV2.V.NumValues)
		case h.DictionaryPageHeader.Valid:
			// A dictionary entry takes at least a bit (booleans) in the page.
			if d := int64(h.DictionaryPageHeader.V.NumValues); d > 8*int64(h.UncompressedPageSize)+8 {
				return fmt.Errorf("dictionary page at %d: %d values in %d bytes: %w", off, d, h.UncompressedPageSize, ErrCorrupt)
			}
		}
		if values > rows {
			return fmt.Errorf("pages at %d: more values than the %d rows of the row group: %w", off, rows, ErrCorrupt)
		}
		off += page
	}
	return nil
}

// readHeader reads and decodes the page header at off, reading more of the
// chunk as long as the header may be longer than what was read.
func (r *parquetReader) readHeader(off, end int64, proto *thrift.CompactProtocol, h *format.PageHeader) (int, error) {
	want := int64(256)
	for {
		want = min(want, end-off, maxPageHeader)
		if cap(r.hdr) < int(want) {
			r.hdr = make([]byte, want)
		}
		b := r.hdr[:want]
		if _, err := r.f.ReadAt(b, off); err != nil {
			return 0, err
		}
		n, err := thriftCheck(b)
		if errors.Is(err, errThriftShort) && want < min(end-off, maxPageHeader) {
			want *= 16
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, thrift.Unmarshal(proto, b[:n], h)
	}
}

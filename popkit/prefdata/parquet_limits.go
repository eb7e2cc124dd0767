package prefdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Bounds on what a Parquet file may make the reader allocate, checked against the file's
// metadata before any page is decoded (see [checkParquetSizes]).
const (
	// DefaultParquetExpansion is the default of [Options.ParquetExpansion].
	DefaultParquetExpansion = 100
	// parquetMinBudget is the decode budget every file gets, whatever its size: small files
	// may legitimately expand more than large ones.
	parquetMinBudget = 16 << 20
	// parquetValueCost is the budget charged per value a page header claims: the decoder
	// allocates a few bytes per value (levels, offsets, the value) before looking at the data.
	parquetValueCost = 8
	// parquetMaxHeader bounds the size of one page header (statistics included).
	parquetMaxHeader = 64 << 20
)

// checkParquetFooter checks the Thrift structure of the footer of the Parquet file of size
// bytes in r (see checkThrift) before parquet-go decodes it; a file too short to hold a footer
// is left to parquet-go to refuse.
func checkParquetFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return nil
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if string(tail[4:]) != "PAR1" || n > size-8 {
		return nil
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if _, err := checkThrift(footer); err != nil {
		return fmt.Errorf("the footer's metadata is corrupt: %w", err)
	}
	return nil
}

// checkParquetSizes walks the page headers of every column chunk of f (a file of size bytes
// in r) and checks what they claim against the file before the library reads a page, because
// parquet-go allocates what a page header claims (sizes up to 2 GiB, counts up to 2^31 values)
// before it reads the page: a corrupt file of a kilobyte could otherwise take gigabytes. It
// requires that
//
//   - every column chunk lies within the file, and its pages within the chunk;
//   - each page's compressed size fits in the rest of its chunk, and an uncompressed page's
//     uncompressed size equals its compressed size;
//   - the claimed decode cost, sum over pages of (uncompressed bytes + 8 * values), is at
//     most max(expansion * size, 16 MiB).
//
// Real preference data compresses a few times (text with snappy or zstd), far below the
// default expansion of 100, so only corrupt or adversarial files are refused. Problems are
// *ParseError values with Line 0 whose Field names the column.
func (p *parser) checkParquetSizes(f *parquet.File, r io.ReaderAt, size int64,
	expansion int) error {
	budget := max(int64(expansion)*size, parquetMinBudget)
	var cost int64
	columns := f.Schema().Columns()
	for g, rg := range f.Metadata().RowGroups {
		for c, cc := range rg.Columns {
			name := fmt.Sprintf("column %d", c)
			if c < len(columns) {
				name = strings.Join(columns[c], ".")
			}
			fail := func(format string, args ...any) error {
				return &ParseError{File: p.name, Field: name, Msg: fmt.Sprintf(
					"expected a Parquet file with consistent sizes: row group %d: ", g) +
					fmt.Sprintf(format, args...)}
			}
			md := cc.MetaData
			start := md.DataPageOffset
			if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
				start = md.DictionaryPageOffset
			}
			end := start + md.TotalCompressedSize
			if start < 4 || md.TotalCompressedSize < 0 || end < start || end > size {
				return fail("the column chunk at bytes [%d, %d) is not within the file of %d "+
					"bytes", start, end, size)
			}
			for off := start; off < end; {
				h, n, err := readPageHeader(r, off, end)
				if err != nil {
					return fail("the page header at byte %d cannot be read: %v", off, err)
				}
				switch {
				case h.CompressedPageSize < 0 || h.UncompressedPageSize < 0:
					return fail("the page at byte %d claims a negative size", off)
				case int64(h.CompressedPageSize) > end-off-n:
					return fail("the page at byte %d claims %d bytes, more than the %d left in "+
						"its column chunk", off, h.CompressedPageSize, end-off-n)
				case md.Codec == format.Uncompressed &&
					h.CompressedPageSize != h.UncompressedPageSize:
					return fail("the uncompressed page at byte %d claims %d bytes stored but %d "+
						"decoded", off, h.CompressedPageSize, h.UncompressedPageSize)
				}
				values := int64(max(h.DataPageHeader.V.NumValues, h.DataPageHeaderV2.V.NumValues,
					h.DictionaryPageHeader.V.NumValues, 0))
				cost += int64(h.UncompressedPageSize) + parquetValueCost*values
				if cost > budget {
					return fail("the pages up to byte %d claim to decode to more than %d bytes, "+
						"%d times the file's size (a corrupt or hostile file; see "+
						"Options.ParquetExpansion)", off, budget, max(expansion, 1))
				}
				off += n + int64(h.CompressedPageSize)
			}
		}
	}
	return nil
}

// readPageHeader decodes the page header at off, within the column chunk ending at end, and
// returns it with its length in bytes.
func readPageHeader(r io.ReaderAt, off, end int64) (*format.PageHeader, int64, error) {
	var proto thrift.CompactProtocol
	for n := min(int64(256), end-off); ; n = min(4*n, end-off, parquetMaxHeader) {
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
		if _, err := checkThrift(buf); err != nil {
			if n == end-off || n == parquetMaxHeader || !errors.Is(err, errThriftShort) &&
				!strings.Contains(err.Error(), "are left") {
				return nil, 0, err
			}
			continue // the header may go on past this buffer: read more
		}
		br := bytes.NewReader(buf)
		h := new(format.PageHeader)
		err := thrift.NewDecoder(proto.NewReader(br)).Decode(h)
		if err == nil {
			return h, n - int64(br.Len()), nil
		}
		if n == end-off || n == parquetMaxHeader {
			return nil, 0, err
		}
	}
}

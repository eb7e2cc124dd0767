package prefdata_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// withFirstPageHeader returns data (a Parquet file) with the first page header of its first
// column chunk changed by edit and written back in place (later offsets shift, but the reader
// must refuse the file at that first header).
func withFirstPageHeader(t *testing.T, data []byte, edit func(h *format.PageHeader)) []byte {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	md := f.Metadata().RowGroups[0].Columns[0].MetaData
	off := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < off {
		off = md.DictionaryPageOffset
	}
	var proto thrift.CompactProtocol
	r := bytes.NewReader(data[off:])
	var h format.PageHeader
	if err := thrift.NewDecoder(proto.NewReader(r)).Decode(&h); err != nil {
		t.Fatal(err)
	}
	oldLen := len(data[off:]) - r.Len()
	edit(&h)
	var buf bytes.Buffer
	if err := thrift.NewEncoder(proto.NewWriter(&buf)).Encode(&h); err != nil {
		t.Fatal(err)
	}
	delta := int64(buf.Len() - oldLen)

	// Rewrite the footer for the header's new length: the first chunk grows by delta, and
	// every later chunk moves by delta.
	footerLen := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	footerStart := int64(len(data)) - 8 - footerLen
	meta := *f.Metadata()
	for g := range meta.RowGroups {
		for c := range meta.RowGroups[g].Columns {
			cc := &meta.RowGroups[g].Columns[c]
			if g == 0 && c == 0 {
				cc.MetaData.TotalCompressedSize += delta
				continue
			}
			cc.FileOffset += delta
			cc.MetaData.DataPageOffset += delta
			if cc.MetaData.DictionaryPageOffset > 0 {
				cc.MetaData.DictionaryPageOffset += delta
			}
		}
	}
	var footer bytes.Buffer
	if err := thrift.NewEncoder(proto.NewWriter(&footer)).Encode(&meta); err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte(nil), data[:off]...), buf.Bytes()...)
	out = append(out, data[int(off)+oldLen:footerStart]...)
	out = append(out, footer.Bytes()...)
	out = binary.LittleEndian.AppendUint32(out, uint32(footer.Len()))
	return append(out, "PAR1"...)
}

// TestParquetRefusesHugeClaims edits a page header of a valid file to claim what a corrupt or
// hostile file could: a billion values, two gigabytes decoded, a page larger than its chunk.
// Each must be refused at once, before the library allocates what the header claims, with a
// *ParseError naming the column. (Without the check, a 1,070-byte fuzz input took 15 s and
// 1.5 GB.)
func TestParquetRefusesHugeClaims(t *testing.T) {
	valid := encode(t, []flatRow{{Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: 8,
		ScoreRejected: 6, SourceIndex: 1}})
	cases := []struct {
		name string
		edit func(h *format.PageHeader)
		want string
	}{
		{"a billion values", func(h *format.PageHeader) {
			switch {
			case h.DictionaryPageHeader.Valid:
				h.DictionaryPageHeader.V.NumValues = 1 << 30
			case h.DataPageHeaderV2.Valid:
				h.DataPageHeaderV2.V.NumValues = 1 << 30
				h.DataPageHeaderV2.V.NumRows = 1 << 30
			default:
				h.DataPageHeader.V.NumValues = 1 << 30
			}
		}, "claim to decode to more than 16777216 bytes"},
		{"2 GB decoded", func(h *format.PageHeader) {
			h.UncompressedPageSize = 1<<31 - 1
		}, "bytes stored but 2147483647 decoded"},
		{"page beyond its chunk", func(h *format.PageHeader) {
			h.CompressedPageSize = 1 << 30
		}, "claims 1073741824 bytes, more than the"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := withFirstPageHeader(t, valid, c.edit)
			start := time.Now()
			_, err := prefdata.ParseParquet(bytes.NewReader(data), int64(len(data)), "x.parquet")
			var pe *prefdata.ParseError
			if !errors.As(err, &pe) || pe.Field != "prompt" || pe.Line != 0 ||
				!strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want a *ParseError on field prompt with %q", err, c.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusing took %v", d)
			}
		})
	}
	if _, err := prefdata.ParseParquet(bytes.NewReader(valid), int64(len(valid)),
		"x.parquet"); err != nil {
		t.Errorf("the unedited file: %v", err)
	}
	_, err := prefdata.Options{ParquetExpansion: -1}.ParseParquet(bytes.NewReader(valid),
		int64(len(valid)), "x.parquet")
	if err == nil || !strings.Contains(err.Error(), "ParquetExpansion must be >= 0") {
		t.Errorf("negative ParquetExpansion: error %v", err)
	}
}

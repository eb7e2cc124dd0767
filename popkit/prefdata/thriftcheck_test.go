package prefdata

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// TestCheckThrift walks a real page header as parquet-go encodes it, and refuses the claims a
// corrupt footer can make. Expected lengths and claims come from the compact protocol's
// layout: a field header byte 0x19 is field 1 (delta 1) of type list (9); the list header
// 0xfc is "size follows as a varint" (0xf) with elements of type struct (0xc).
func TestCheckThrift(t *testing.T) {
	var proto thrift.CompactProtocol
	var buf bytes.Buffer
	h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: 10,
		CompressedPageSize: 10}
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V.NumValues = 3
	if err := thrift.NewEncoder(proto.NewWriter(&buf)).Encode(&h); err != nil {
		t.Fatal(err)
	}
	withData := append(append([]byte(nil), buf.Bytes()...), "page data"...)
	if n, err := checkThrift(withData); err != nil || n != buf.Len() {
		t.Errorf("page header: length %d, %v; want %d", n, err, buf.Len())
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		// A list of 1e9 structs (varint 0x80 0x94 0xeb 0xdc 0x03) in 8 bytes.
		{"huge list", []byte{0x19, 0xfc, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0x00},
			"claims 1000000000 elements, 1 bytes are left"},
		// Field 1 of type binary (0x18) claiming 300 bytes (0xac 0x02) with 1 left.
		{"long string", []byte{0x18, 0xac, 0x02, 0x00}, "claims 300 bytes, 1 are left"},
		{"truncated", []byte{0x15}, "truncated Thrift data"},
		{"unknown type", []byte{0x1e, 0x00}, "unknown Thrift type 14"},
	}
	for _, c := range cases {
		if _, err := checkThrift(c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

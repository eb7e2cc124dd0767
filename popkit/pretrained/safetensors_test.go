package pretrained

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// safetensorsFile returns a safetensors file with the given JSON header and data bytes.
func safetensorsFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestReadSafetensorsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		data         []byte
		want         string
	}{
		// 2^32 * 2^32 wraps to 0 in int64, which matched empty data_offsets.
		{"product wraps to 0", `{"w":{"dtype":"F32","shape":[4294967296,4294967296],` +
			`"data_offsets":[0,0]}}`, nil,
			`tensor "w": shape [4294967296 4294967296] holds more values than the 0 data bytes`},
		// (2^62 + 1) * 4 wraps to 4, which matched 16 bytes of F32.
		{"product wraps to 4", `{"w":{"dtype":"F32","shape":[4611686018427387905,4],` +
			`"data_offsets":[0,16]}}`, make([]byte, 16),
			`tensor "w": shape [4611686018427387905 4] holds more values than the 16 data bytes`},
		{"negative dimension", `{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil,
			`tensor "w": negative dimension in shape [-1]`},
		{"short data", `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4),
			`tensor "w": data_offsets [0 8] do not hold 2 F32 values within the 4 data bytes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.safetensors")
			if err := os.WriteFile(path, safetensorsFile(tc.header, tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := readSafetensors(path)
			want := "pretrained: " + path + ": " + tc.want
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want one containing %q", err, want)
			}
		})
	}
}

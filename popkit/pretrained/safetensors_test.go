package pretrained

import (
	"bytes"
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

// FuzzDecodeSafetensors checks that decodeSafetensors never panics, that every error starts
// with the package and the file name, and that every tensor it returns has as many values as
// its shape implies.
func FuzzDecodeSafetensors(f *testing.F) {
	f32 := binary.LittleEndian.AppendUint32(nil, 0x3f800000) // 1.0
	for _, s := range [][]byte{
		safetensorsFile(`{"__metadata__":{"format":"pt"},`+
			`"model.norm.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
			`"lm_head.weight":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]}}`,
			append(append(f32, f32...), 0x80, 0x3f, 0x00, 0xc0)),
		safetensorsFile(`{"a":{"dtype":"F16","shape":[2,1],"data_offsets":[0,4]},`+
			`"b":{"dtype":"F32","shape":[],"data_offsets":[4,8]},`+
			`"c":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}}`,
			append([]byte{0x00, 0x3c, 0x00, 0x7c}, f32...)),
		safetensorsFile(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],`+
			`"data_offsets":[0,0]}}`, nil),
		safetensorsFile(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)),
		safetensorsFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, f32),
		safetensorsFile(`{"w":[1,2]}`, nil),
		safetensorsFile(`not json`, nil),
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{1, 2, 3},
		nil,
	} {
		f.Add(s)
	}
	const path = "dir/model.safetensors"
	f.Fuzz(func(t *testing.T, data []byte) {
		values, shapes, err := decodeSafetensors(bytes.NewReader(data), int64(len(data)), path)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pretrained: "+path+": ") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if len(values) != len(shapes) {
			t.Fatalf("%d tensors with %d shapes", len(values), len(shapes))
		}
		for name, v := range values {
			count := 1
			for _, d := range shapes[name] {
				count *= d
			}
			if len(v) != count {
				t.Fatalf("tensor %q: %d values for shape %v", name, len(v), shapes[name])
			}
		}
	})
}

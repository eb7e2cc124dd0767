package pretrained

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// tensorInfo is one entry of a safetensors header.
type tensorInfo struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header of a safetensors file (the format's own limit is 100 MB).
const maxHeader = 100 << 20

// readSafetensors reads every tensor of a safetensors file as float32, with its shape; see
// [decodeSafetensors] for the format.
func readSafetensors(path string) (map[string][]float32, map[string][]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("pretrained: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("pretrained: %w", err)
	}
	return decodeSafetensors(f, st.Size(), path)
}

// decodeSafetensors reads every tensor of the safetensors content r of size bytes as float32,
// with its shape. The format: an 8-byte little-endian header length N, N bytes of JSON mapping
// each tensor name to {dtype, shape, data_offsets [begin, end)} relative to the end of the
// header (plus an optional "__metadata__"), then the row-major little-endian data. F32, F16
// and BF16 are read. Errors start with "pretrained: <path>: " and name the tensor at fault;
// no header, however hostile, makes it allocate more than about twice size bytes per tensor
// (four bytes of float32 per value, and each value takes at least two bytes of data).
func decodeSafetensors(r io.ReaderAt, size int64, path string) (map[string][]float32,
	map[string][]int, error) {
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, nil, fmt.Errorf("pretrained: %s: not a safetensors file (no header "+
			"length): %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeader || int64(n)+8 > size {
		return nil, nil, fmt.Errorf("pretrained: %s: header length %d does not fit a file "+
			"of %d bytes", path, n, size)
	}
	head := make([]byte, n)
	if _, err := r.ReadAt(head, 8); err != nil {
		return nil, nil, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, nil, fmt.Errorf("pretrained: %s: header is not JSON: %w", path, err)
	}
	dataStart, dataLen := int64(8+n), size-int64(8+n)
	values, shapes := map[string][]float32{}, map[string][]int{}
	names := make([]string, 0, len(raw))
	for name := range raw {
		if name != "__metadata__" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		var ti tensorInfo
		if err := json.Unmarshal(raw[name], &ti); err != nil {
			return nil, nil, fmt.Errorf("pretrained: %s: tensor %q: %w", path, name, err)
		}
		// count stays <= dataLen (each value takes at least one byte), so neither the
		// product nor count*size below can overflow whatever the header claims.
		count := int64(1)
		for _, d := range ti.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("pretrained: %s: tensor %q: negative dimension in "+
					"shape %v", path, name, ti.Shape)
			}
			if d > 0 && count > dataLen/int64(d) {
				return nil, nil, fmt.Errorf("pretrained: %s: tensor %q: shape %v holds more "+
					"values than the %d data bytes", path, name, ti.Shape, dataLen)
			}
			count *= int64(d)
		}
		size := map[string]int64{"F32": 4, "F16": 2, "BF16": 2}[ti.DType]
		if size == 0 {
			return nil, nil, fmt.Errorf("pretrained: %s: tensor %q has dtype %s; want F32, F16 "+
				"or BF16", path, name, ti.DType)
		}
		b, e := ti.Offsets[0], ti.Offsets[1]
		if b < 0 || e < b || e > dataLen || e-b != count*size {
			return nil, nil, fmt.Errorf("pretrained: %s: tensor %q: data_offsets %v do not hold "+
				"%d %s values within the %d data bytes", path, name, ti.Offsets, count, ti.DType,
				dataLen)
		}
		buf := make([]byte, e-b)
		if _, err := r.ReadAt(buf, dataStart+b); err != nil {
			return nil, nil, fmt.Errorf("pretrained: %s: tensor %q: %w", path, name, err)
		}
		out := make([]float32, count)
		for i := range out {
			switch ti.DType {
			case "F32":
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			case "BF16":
				out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(buf[2*i:])) << 16)
			case "F16":
				out[i] = halfToFloat(binary.LittleEndian.Uint16(buf[2*i:]))
			}
		}
		values[name], shapes[name] = out, ti.Shape
	}
	return values, shapes, nil
}

// halfToFloat converts an IEEE 754 binary16 value to float32.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac * 2^-24
		v := float32(frac) * float32(math.Ldexp(1, -24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

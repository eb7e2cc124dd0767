package prefdata

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// checkThrift walks the Thrift compact-protocol struct at the start of b without decoding it
// and returns its length in bytes. It fails on a malformed struct, on nesting deeper than 64,
// and on a string, list, set or map that claims more bytes or elements than b has left: every
// element takes at least one byte, so a larger claim is corrupt. parquet-go's Thrift decoder
// allocates what such claims say before reading, so Parquet footers and page headers are
// walked first (a kilobyte could otherwise ask for gigabytes).
func checkThrift(b []byte) (int, error) {
	w := thriftWalker{b: b}
	if err := w.structure(0); err != nil {
		return 0, err
	}
	return w.off, nil
}

// thriftWalker reads b from off.
type thriftWalker struct {
	b   []byte
	off int
}

// Compact-protocol type codes.
const (
	tcTrue, tcFalse, tcByte, tcI16, tcI32, tcI64, tcDouble = 1, 2, 3, 4, 5, 6, 7
	tcBinary, tcList, tcSet, tcMap, tcStruct, tcUUID       = 8, 9, 10, 11, 12, 13
)

var errThriftShort = errors.New("truncated Thrift data")

func (w *thriftWalker) left() int { return len(w.b) - w.off }

func (w *thriftWalker) byte1() (byte, error) {
	if w.off >= len(w.b) {
		return 0, errThriftShort
	}
	w.off++
	return w.b[w.off-1], nil
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.off:])
	switch {
	case n == 0:
		return 0, errThriftShort
	case n < 0:
		return 0, fmt.Errorf("bad varint at byte %d of Thrift data", w.off)
	}
	w.off += n
	return v, nil
}

// skip advances n bytes.
func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(w.left()) {
		return fmt.Errorf("Thrift data at byte %d claims %d bytes, %d are left", w.off, n,
			w.left())
	}
	w.off += int(n)
	return nil
}

// count reads a collection size and checks it against the bytes left.
func (w *thriftWalker) count(n uint64) (int, error) {
	if n > uint64(w.left()) {
		return 0, fmt.Errorf("Thrift data at byte %d claims %d elements, %d bytes are left",
			w.off, n, w.left())
	}
	return int(n), nil
}

func (w *thriftWalker) structure(depth int) error {
	if depth > 64 {
		return errors.New("Thrift data nested too deep")
	}
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil // stop
		}
		if h>>4 == 0 { // long form: the field id follows
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if t := h & 0x0f; t != tcTrue && t != tcFalse {
			if err := w.value(t, depth); err != nil {
				return err
			}
		}
	}
}

// value skips one value of type t (booleans in lists take one byte).
func (w *thriftWalker) value(t byte, depth int) error {
	switch t {
	case tcTrue, tcFalse, tcByte:
		return w.skip(1)
	case tcI16, tcI32, tcI64:
		_, err := w.uvarint()
		return err
	case tcDouble:
		return w.skip(8)
	case tcUUID:
		return w.skip(16)
	case tcBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case tcStruct:
		return w.structure(depth + 1)
	case tcList, tcSet:
		h, err := w.byte1()
		if err != nil {
			return err
		}
		size := uint64(h >> 4)
		if size == 15 {
			if size, err = w.uvarint(); err != nil {
				return err
			}
		}
		n, err := w.count(size)
		if err != nil {
			return err
		}
		for range n {
			if err := w.value(h&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tcMap:
		size, err := w.uvarint()
		if err != nil {
			return err
		}
		n, err := w.count(size)
		if err != nil || n == 0 {
			return err
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		for range n {
			if err := w.value(kv>>4, depth+1); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown Thrift type %d at byte %d", t, w.off)
}

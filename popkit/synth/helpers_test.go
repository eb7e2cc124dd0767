package synth

import (
	"fmt"
	"strings"
	"testing"
)

// mustPanic fails t unless f panics with a message containing want, so a test is not
// satisfied by an unrelated panic (an index out of range, a nil dereference).
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one containing %q", want)
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Fatalf("panic %q; want one containing %q", msg, want)
		}
	}()
	f()
}

// wantErr fails t unless err is non-nil and its message contains want.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q; want one containing %q", err, want)
	}
}

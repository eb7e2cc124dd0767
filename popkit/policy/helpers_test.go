package policy

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/compute"

	"github.com/poprlhf/sandbox/popkit/backend"
)

// testBackend is the backend all tests share: backend.New, so $GOMLX_BACKEND applies and its
// default is backend.SafeDefault.
var testBackend = sync.OnceValue(func() compute.Backend {
	b, err := backend.New()
	if err != nil {
		panic(err)
	}
	return b
})

// panicMessage runs f and returns the message it panicked with, or "" if it returned.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok {
				msg = err.Error()
			} else {
				msg = fmt.Sprint(r)
			}
		}
	}()
	f()
	return ""
}

// wantPanic fails the test unless f panics with a message containing every one of want.
func wantPanic(t *testing.T, f func(), want ...string) {
	t.Helper()
	checkPanic(t, panicMessage(f), want)
}

// wantPanicWithin is wantPanic for f that builds graphs through an Exec: it fails the test if f
// has neither returned nor panicked after d. (GoMLX's CallOnce waits forever for a compilation
// whose graph function panicked with a value that is not an error.)
func wantPanicWithin(t *testing.T, d time.Duration, f func(), want ...string) {
	t.Helper()
	done := make(chan string, 1)
	go func() { done <- panicMessage(f) }()
	select {
	case msg := <-done:
		checkPanic(t, msg, want)
	case <-time.After(d):
		t.Fatalf("neither a result nor a panic after %s, want a panic mentioning %q", d, want)
	}
}

func checkPanic(t *testing.T, msg string, want []string) {
	t.Helper()
	if msg == "" {
		t.Fatalf("no panic, want one mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("panic %q does not mention %q", msg, w)
		}
	}
}

// wantError fails the test unless err wraps target and its message contains every one of want.
func wantError(t *testing.T, err, target error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	if !errors.Is(err, target) {
		t.Errorf("error %q does not wrap %q", err, target)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

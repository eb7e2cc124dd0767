package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBenchBadBackendEnv checks that an unknown backend in $GOMLX_BACKEND is reported as an
// error naming the variable, before any benchmark work starts and without a panic.
func TestBenchBadBackendEnv(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "nosuchbackend")
	var stdout, stderr bytes.Buffer
	err := benchCommand(context.Background(), nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "$GOMLX_BACKEND") {
		t.Fatalf("err = %v, want an error naming $GOMLX_BACKEND", err)
	}
}

// Package setup checks, when a program starts, that it runs with the settings popkit's
// notebooks need, and stops it with a message saying how to fix them otherwise. A notebook
// imports it in its first cell,
//
//	import _ "github.com/poprlhf/sandbox/popkit/notebook/setup"
//
// and GoNB keeps the import for every later cell, so each cell is checked. The kernel that
// `popkit kernel install` registers provides the settings: cells compiled with
// GOEXPERIMENT=simd (the Go backend's vector kernels), GODEBUG=cpu.fma=off in their
// environment (else math.Exp runs about 100 times slower; see backend.SlowExp), and this
// repository linked as the module github.com/poprlhf/sandbox.
package setup

import (
	"fmt"
	"os"
	"testing"

	"github.com/poprlhf/sandbox/popkit/backend"
)

func init() {
	if testing.Testing() {
		return // this package's own tests call check directly
	}
	if err := check(backend.SIMD(), backend.SlowExp()); err != nil {
		fmt.Fprintln(os.Stderr, "popkit setup:", err)
		os.Exit(1)
	}
}

// check returns why a cell built (simd) and running (slowExp) this way cannot run the
// notebooks at full speed, or nil.
func check(simd, slowExp bool) error {
	const fix = "select the kernel \"Go (popkit)\" (install it with " +
		"`go run ./popkit/cmd/popkit kernel install` from the repository root) and restart it"
	switch {
	case !simd:
		return fmt.Errorf("cells were not compiled with GOEXPERIMENT=simd: %s", fix)
	case slowExp:
		return fmt.Errorf("math.Exp is in its slow mode (GODEBUG=%q lacks %s): %s",
			os.Getenv("GODEBUG"), backend.FixGODEBUG, fix)
	}
	return nil
}

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
//
// GoNB builds cells in a workspace (go.work) that uses this checkout, but its automatic
// `go get` after each cell does not read go.work: it would look for the latest version of
// every module a cell imports, and not find this one. So the first cell also adds a
// requirement of github.com/poprlhf/sandbox to the kernel's go.mod (in $GONB_TMP_DIR; the
// workspace replaces it with the checkout), after which `go get` resolves GoMLX, gonum and
// GoNB at the versions this repository's go.mod pins.
package setup

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/janpfeifer/gonb/gonbui/protocol"
	"golang.org/x/mod/modfile"

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
	if err := requireModule(os.Getenv(protocol.GONB_TMP_DIR_ENV)); err != nil {
		fmt.Fprintln(os.Stderr, "popkit setup: warning:", err)
	}
}

// modulePath is this repository's module; pseudoVersion is the version required of it, which
// go.work replaces with the checkout.
const (
	modulePath    = "github.com/poprlhf/sandbox"
	pseudoVersion = "v0.0.0-00010101000000-000000000000"
)

// requireModule adds a requirement of modulePath to the go.mod in dir (GoNB's folder for the
// kernel's program), unless dir is empty or go.mod already requires it.
func requireModule(dir string) error {
	if dir == "" {
		return nil // not run by GoNB
	}
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	f, err := modfile.ParseLax(gomod, data, nil)
	if err != nil {
		return err
	}
	for _, r := range f.Require {
		if r.Mod.Path == modulePath {
			return nil
		}
	}
	cmd := exec.Command("go", "mod", "edit", "-require="+modulePath+"@"+pseudoVersion)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod edit in %s: %v: %s", dir, err, out)
	}
	return nil
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

package backend

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"

	// Registers GoMLX's default backends (the Go backend and, unless built with the noxla tag,
	// XLA/PJRT), so that $GOMLX_BACKEND can select any of them.
	_ "github.com/gomlx/gomlx/backends/default"
)

// SafeDefault is the backend configuration [New] uses when $GOMLX_BACKEND is unset: the Go
// backend with ops executed one at a time (each matmul still uses all cores). It cannot hit the
// worker-pool deadlock of parallel op execution in SIMD builds.
const SafeDefault = gobackend.BackendName + ":" + optSequential

// Go backend options that decide how ops are scheduled (see the package comment).
const (
	optSequential = "ops_sequential"
	optParallel   = "ops_parallel"
)

// configs remembers the configuration each backend returned by [New] or [NewWithConfig] was
// built from, for [Describe]. Keys are compute.Backend values (comparable pointers); values
// are strings. Entries are never removed: backends live as long as the program, and are
// created rarely.
var configs sync.Map

// New returns a compute backend configured by $GOMLX_BACKEND (compute.ConfigEnvVar) when that
// variable is set and non-empty, and by [SafeDefault] otherwise.
//
// When the configuration selects the Go backend, New logs a slog warning for each of these:
// parallel op execution in a SIMD build (the deadlock risk described in the package comment);
// a binary built without GOEXPERIMENT=simd (slower matmuls); and a SIMD build in which
// [SlowExp] is true. An unknown backend name or an invalid option is returned as an error
// naming the variable.
func New() (compute.Backend, error) {
	if env := os.Getenv(compute.ConfigEnvVar); env != "" {
		return create(env, "$"+compute.ConfigEnvVar)
	}
	return create(SafeDefault, "default")
}

// NewWithConfig returns the compute backend of config, a $GOMLX_BACKEND-style configuration
// such as "go:ops_sequential" or "xla:cuda". It logs the same warnings as [New], and [Describe]
// reports config for the result. compute.NewWithConfig panics for an unknown backend name;
// NewWithConfig returns that, like any other failure, as an error naming config and the
// registered backends.
func NewWithConfig(config string) (compute.Backend, error) {
	return create(config, "")
}

// create implements [New] and [NewWithConfig]; source, when not empty, says where config came
// from in the error message.
func create(config, source string) (b compute.Backend, err error) {
	warn(config)
	from := ""
	if source != "" {
		from = " (from " + source + ")"
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend: creating backend %q%s: %v (registered backends: %s)",
				config, from, r, strings.Join(compute.List(), ", "))
		}
	}()
	b, err = compute.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("backend: creating backend %q%s: %w", config, from, err)
	}
	configs.Store(b, config)
	return b, nil
}

// warn logs the warnings [New] documents for config.
func warn(config string) {
	name, options, _ := strings.Cut(config, ":")
	if name != gobackend.BackendName {
		return
	}
	if SIMD() && opsParallel(options) {
		slog.Warn("backend: the Go backend with parallel op execution can deadlock in "+
			"training graphs of a SIMD build; use "+SafeDefault,
			"config", config)
	}
	if !SIMD() {
		slog.Warn("backend: binary built without GOEXPERIMENT=simd; the Go backend's "+
			"matmuls are several times slower", "config", config)
	}
	if SlowExp() {
		slog.Warn("backend: in this SIMD build math.Exp runs about 100x slower after the Go "+
			"backend's vector kernels, which makes softmax and SiLU dominate training; "+
			"start the process with GODEBUG="+FixGODEBUG, "config", config)
	}
}

// opsParallel reports whether the Go backend options (comma-separated, without the "go:"
// prefix) may execute ops in parallel: true unless the last scheduling option given is
// ops_sequential.
func opsParallel(options string) bool {
	parallel := true
	for opt := range strings.SplitSeq(options, ",") {
		switch opt {
		case optSequential:
			parallel = false
		case optParallel:
			parallel = true
		}
	}
	return parallel
}

// SIMD reports whether this binary was built with GOEXPERIMENT=simd, which enables the Go
// backend's vectorised matmul kernels.
func SIMD() bool { return simdBuild }

// FixGODEBUG is the GODEBUG setting that removes the math.Exp slowdown described at [SlowExp].
// It must be in the environment when the process starts (the runtime reads cpu.* settings
// before any package initialises), e.g. GODEBUG=cpu.fma=off go test ./...
const FixGODEBUG = "cpu.fma=off"

// SlowExp reports whether math.Exp pays a large penalty in this process: true in a SIMD build
// on an amd64 CPU with AVX2 or AVX-512, unless FMA was disabled with GODEBUG=[FixGODEBUG].
//
// The Go backend's vector kernels leave the upper halves of the AVX registers dirty (they never
// execute VZEROUPPER), and math.Exp on amd64 mixes a VEX-encoded FMA instruction with legacy
// SSE code. On the machine where this was measured (an Intel Xeon virtual machine) each call
// then took about 800 ns instead of 6 ns. The backend's Exp and Logistic ops call math.Exp per
// element, so attention softmax, log-softmax and SiLU become the bulk of a training step.
// With FMA disabled math.Exp takes its plain SSE path and the penalty disappears; nothing in
// the backend needs the FMA flag (its kernels check for AVX2 or AVX-512 only).
func SlowExp() bool { return slowExp() }

// Describe returns a short description of b for run metadata: the configuration string it was
// created from (when [New] or [NewWithConfig] created it; otherwise the backend's name)
// followed, for the Go backend, by the build mode: "(simd)", "(simd, slow exp)" when
// [SlowExp] is true, or "(no simd)". For example "go:ops_sequential (simd)" or "xla:cpu".
func Describe(b compute.Backend) string {
	desc := b.String()
	if config, ok := configs.Load(b); ok {
		desc = config.(string)
	}
	switch {
	case b.String() != gobackend.BackendName:
		return desc
	case SlowExp():
		return desc + " (simd, slow exp)"
	case SIMD():
		return desc + " (simd)"
	default:
		return desc + " (no simd)"
	}
}

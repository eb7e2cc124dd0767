package backend

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"

	// Registers GoMLX's default backends (the Go backend and, unless built with the noxla tag,
	// XLA/PJRT), so that $GOMLX_BACKEND can select any of them.
	_ "github.com/gomlx/gomlx/backends/default"
)

// SafeDefault is the backend configuration [New] uses when $GOMLX_BACKEND is unset: the Go
// backend with an unbounded worker pool. Independent ops run in parallel and every matmul
// still splits over all cores, yet no task waits for a pool slot (a matmul only waits for its
// own workers to finish), so the pool-starvation deadlock of a bounded pool (see the package
// comment) cannot occur.
const SafeDefault = gobackend.BackendName + ":" + optParallelism + "=-1"

// Go backend options that decide how ops are scheduled (see the package comment).
const (
	optSequential  = "ops_sequential"
	optParallel    = "ops_parallel"
	optParallelism = "parallelism"
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
// parallel op execution with a bounded worker pool (the deadlock described in the package
// comment);
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
// such as "go:parallelism=-1" or "xla:cuda". It logs the same warnings as [New], and [Describe]
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
	if announces(config) {
		withoutAnnouncement(func() { b, err = compute.NewWithConfig(config) })
	} else {
		b, err = compute.NewWithConfig(config)
	}
	if err != nil {
		return nil, fmt.Errorf("backend: creating backend %q%s: %w", config, from, err)
	}
	configs.Store(b, config)
	return b, nil
}

// announcement starts the line the Go backend prints to standard output when it is created
// with a parallelism option (compute v0.1.4, internal/gobackend.New: "Go backend: parallelism
// set to -1"). With [SafeDefault] it would open the output of every popkit program, example
// and notebook cell.
const announcement = "Go backend: parallelism set to "

// announces reports whether creating the backend of config prints announcement: a Go backend
// configuration with a parallelism option. Only those are created with stdout redirected;
// others (an XLA plugin's installer prints its progress) write as they go.
func announces(config string) bool {
	name, options, _ := strings.Cut(config, ":")
	_, set := parallelism(options)
	return name == gobackend.BackendName && set
}

// stdoutSwap serialises the redirections of withoutAnnouncement, so that two backends created
// at once cannot leave os.Stdout pointing at a closed pipe.
var stdoutSwap sync.Mutex

// withoutAnnouncement runs create with os.Stdout redirected to a pipe, then copies what it
// printed to the real standard output, leaving out the lines that start with announcement.
// Output of other goroutines in the meantime is copied too, only later. When no pipe can be
// made, create runs as it is.
func withoutAnnouncement(create func()) {
	stdoutSwap.Lock()
	defer stdoutSwap.Unlock()
	r, w, err := os.Pipe()
	if err != nil {
		create()
		return
	}
	stdout := os.Stdout
	printed := make(chan string)
	go func() {
		data, _ := io.ReadAll(r)
		_ = r.Close()
		printed <- string(data)
	}()
	defer func() {
		os.Stdout = stdout
		_ = w.Close()
		for line := range strings.SplitAfterSeq(<-printed, "\n") {
			if !strings.HasPrefix(line, announcement) {
				_, _ = io.WriteString(stdout, line)
			}
		}
	}()
	os.Stdout = w
	create()
}

// warn logs the warnings [New] documents for config.
func warn(config string) {
	name, options, _ := strings.Cut(config, ":")
	if name != gobackend.BackendName {
		return
	}
	if canStarve(options) {
		slog.Warn("backend: the Go backend running ops in parallel on a bounded worker pool "+
			"can deadlock in training graphs; use "+SafeDefault,
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

// canStarve reports whether the Go backend options (comma-separated, without the "go:" prefix)
// allow the pool-starvation deadlock: ops may execute in parallel (the last of ops_sequential
// and ops_parallel is not ops_sequential) and the worker pool is bounded (parallelism is
// unset or positive). parallelism=0 disables the pool, and a negative value unbounds it; an
// unparsable value is left for the backend to reject.
func canStarve(options string) bool {
	parallel := true
	for opt := range strings.SplitSeq(options, ",") {
		switch opt {
		case optSequential:
			parallel = false
		case optParallel:
			parallel = true
		}
	}
	bounded := true
	if value, set := parallelism(options); set {
		n, err := strconv.Atoi(value)
		bounded = err != nil || n > 0
	}
	return parallel && bounded
}

// parallelism returns the value of the last parallelism option among the Go backend options
// (comma-separated, without the "go:" prefix), and whether there is one.
func parallelism(options string) (value string, set bool) {
	for opt := range strings.SplitSeq(options, ",") {
		if key, v, _ := strings.Cut(opt, "="); key == optParallelism {
			value, set = v, true
		}
	}
	return value, set
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
// [SlowExp] is true, or "(no simd)". For example "go:parallelism=-1 (simd)" or "xla:cpu".
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

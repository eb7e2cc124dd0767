package backend

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// captureWarnings routes slog's default logger into a buffer for the rest of the test and
// returns a function that counts the warning records logged so far.
func captureWarnings(t *testing.T) func() []string {
	t.Helper()
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return func() []string {
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) == 1 && lines[0] == "" {
			return nil
		}
		return lines
	}
}

// unsetEnv unsets $GOMLX_BACKEND for the duration of the test (t.Setenv restores it).
func unsetEnv(t *testing.T) {
	t.Helper()
	t.Setenv(compute.ConfigEnvVar, "")
	if err := os.Unsetenv(compute.ConfigEnvVar); err != nil {
		t.Fatal(err)
	}
}

// opsExecutionType reads the Go backend's scheduling mode. The backend type lives in an internal
// package of github.com/gomlx/compute, so the test reads its exported field by reflection:
// 0 = dynamic (parallel when alone), 1 = parallel, 2 = sequential (compute v0.1.4,
// internal/gobackend/exec.go, type OpsExecutionType).
func opsExecutionType(t *testing.T, b compute.Backend) int64 {
	t.Helper()
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("backend %T is not a pointer to a struct", b)
	}
	f := v.Elem().FieldByName("OpsExecutionType")
	if !f.IsValid() {
		t.Fatalf("backend %T has no OpsExecutionType field", b)
	}
	return f.Int()
}

// maxParallelism reads the size limit of the Go backend's worker pool (negative: unbounded),
// by reflection like opsExecutionType: the exported field Workers of the backend is a
// *workerspool.Pool, whose MaxParallelism method returns the limit (compute v0.1.4,
// internal/gobackend/workerspool).
func maxParallelism(t *testing.T, b compute.Backend) int {
	t.Helper()
	f := reflect.ValueOf(b).Elem().FieldByName("Workers")
	if !f.IsValid() {
		t.Fatalf("backend %T has no Workers field", b)
	}
	pool, ok := f.Interface().(interface{ MaxParallelism() int })
	if !ok {
		t.Fatalf("backend %T: Workers (%s) has no MaxParallelism method", b, f.Type())
	}
	return pool.MaxParallelism()
}

// buildMode is the suffix Describe gives Go backends, derived from SIMD and SlowExp.
func buildMode() string {
	switch {
	case !SIMD():
		return "(no simd)"
	case SlowExp():
		return "(simd, slow exp)"
	default:
		return "(simd)"
	}
}

func TestSlowExp(t *testing.T) {
	// SlowExp needs a SIMD build on amd64; this machine's CPUs have AVX-512 and FMA, so there it
	// is true unless GODEBUG disables FMA. Elsewhere it must at least be false without SIMD.
	if !SIMD() {
		if SlowExp() {
			t.Errorf("SlowExp() = true in a build without GOEXPERIMENT=simd")
		}
		return
	}
	if runtime.GOARCH != "amd64" {
		t.Skipf("SlowExp is only detected on amd64, this is %s", runtime.GOARCH)
	}
	fmaOff := strings.Contains(os.Getenv("GODEBUG"), FixGODEBUG)
	if fmaOff && SlowExp() {
		t.Errorf("SlowExp() = true with GODEBUG=%q", os.Getenv("GODEBUG"))
	}
	if !fmaOff && !SlowExp() {
		t.Logf("SlowExp() = false without %s: this CPU lacks AVX2/AVX-512 or FMA", FixGODEBUG)
	}
}

func TestNewUnsetUsesSafeDefault(t *testing.T) {
	unsetEnv(t)
	warnings := captureWarnings(t)

	b, err := New()
	if err != nil {
		t.Fatalf("New() with $%s unset: %v", compute.ConfigEnvVar, err)
	}
	if b.String() != gobackend.BackendName {
		t.Errorf("New() backend = %q, want %q", b.String(), gobackend.BackendName)
	}
	// 0 = dynamic scheduling on an unbounded pool: the safe configuration reached the backend.
	if got := opsExecutionType(t, b); got != 0 {
		t.Errorf("New() OpsExecutionType = %d, want 0 (dynamic)", got)
	}
	if got := maxParallelism(t, b); got >= 0 {
		t.Errorf("New() worker pool limit = %d, want a negative one (unbounded)", got)
	}
	if got, want := Describe(b), SafeDefault+" "+buildMode(); got != want {
		t.Errorf("Describe(New()) = %q, want %q", got, want)
	}
	// The safe default never triggers the deadlock warning; a non-SIMD build, or a SIMD build
	// with the math.Exp penalty, logs one warning.
	wantWarnings := 0
	if !SIMD() || SlowExp() {
		wantWarnings = 1
	}
	if got := warnings(); len(got) != wantWarnings {
		t.Errorf("New() logged %d warnings, want %d: %q", len(got), wantWarnings, got)
	}
}

func TestNewFromEnv(t *testing.T) {
	tests := []struct {
		name, env string
		wantDesc  string // Describe's result without the " (simd)" or " (no simd)" suffix
		wantOps   int64  // OpsExecutionType: 0 dynamic, 1 parallel, 2 sequential
		starve    bool   // whether the configuration allows the pool-starvation deadlock
	}{
		{"empty means unset", "", SafeDefault, 0, false},
		{"safe default", "go:parallelism=-1", "go:parallelism=-1", 0, false},
		{"sequential", "go:ops_sequential", "go:ops_sequential", 2, false},
		{"plain go is dynamic on a bounded pool", "go", "go", 0, true},
		{"explicit parallel", "go:ops_parallel", "go:ops_parallel", 1, true},
		{"explicit parallel, unbounded", "go:ops_parallel,parallelism=-1",
			"go:ops_parallel,parallelism=-1", 1, false},
		{"bounded pool", "go:parallelism=4", "go:parallelism=4", 0, true},
		{"no pool", "go:parallelism=0", "go:parallelism=0", 0, false},
		{"last option wins, sequential", "go:ops_parallel,ops_sequential",
			"go:ops_parallel,ops_sequential", 2, false},
		{"last option wins, parallel", "go:ops_sequential,ops_parallel",
			"go:ops_sequential,ops_parallel", 1, true},
		{"other options keep dynamic", "go:dependency_order", "go:dependency_order", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(compute.ConfigEnvVar, tc.env)
			warnings := captureWarnings(t)

			b, err := New()
			if err != nil {
				t.Fatalf("New() with $%s=%q: %v", compute.ConfigEnvVar, tc.env, err)
			}
			if got := opsExecutionType(t, b); got != tc.wantOps {
				t.Errorf("OpsExecutionType = %d, want %d", got, tc.wantOps)
			}
			if got, _, _ := strings.Cut(Describe(b), " ("); got != tc.wantDesc {
				t.Errorf("Describe = %q, want prefix %q", Describe(b), tc.wantDesc)
			}

			// Expected warnings, in order: the deadlock one when the pool can starve, the
			// no-SIMD one in builds without SIMD, the math.Exp one when SlowExp.
			var want []string
			if tc.starve {
				want = append(want, "deadlock")
			}
			if !SIMD() {
				want = append(want, "without GOEXPERIMENT=simd")
			}
			if SlowExp() {
				want = append(want, "GODEBUG="+FixGODEBUG)
			}
			got := warnings()
			if len(got) != len(want) {
				t.Fatalf("logged %d warnings, want %d: %q", len(got), len(want), got)
			}
			for i, w := range want {
				if !strings.Contains(got[i], w) || !strings.Contains(got[i], "level=WARN") {
					t.Errorf("warning %d = %q, want a WARN record containing %q", i, got[i], w)
				}
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		env, wantInErr string
	}{
		// compute.NewWithConfig panics for unknown backend names; New returns an error.
		{"nosuchbackend", `can't find backend "nosuchbackend"`},
		// The Go backend rejects unknown options with an error of its own.
		{"go:bogus_option", `unknown configuration option "bogus_option"`},
		{"go:parallelism=many", `invalid value for "parallelism"`},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(compute.ConfigEnvVar, tc.env)
			captureWarnings(t)
			b, err := New()
			if err == nil {
				t.Fatalf("New() with $%s=%q = %v, want an error", compute.ConfigEnvVar, tc.env, b)
			}
			for _, w := range []string{tc.wantInErr, "$" + compute.ConfigEnvVar, tc.env} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewWithConfig(t *testing.T) {
	captureWarnings(t)
	b, err := NewWithConfig("go:ops_sequential,parallelism=1")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if got, want := Describe(b), "go:ops_sequential,parallelism=1 "+buildMode(); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}

	// An unknown name panics inside compute.NewWithConfig; here it is an error that names the
	// configuration and the registered backends.
	b, err = NewWithConfig("nosuchbackend")
	if err == nil {
		t.Fatalf("NewWithConfig(\"nosuchbackend\") = %v, want an error", b)
	}
	for _, w := range []string{`"nosuchbackend"`, "registered backends: ", "go"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "$"+compute.ConfigEnvVar) {
		t.Errorf("error %q names $%s, which played no part", err, compute.ConfigEnvVar)
	}
}

func TestCanStarve(t *testing.T) {
	tests := []struct {
		options string
		want    bool
	}{
		{"", true}, // no scheduling option: dynamic, parallel when the graph runs alone
		{"ops_sequential", false},
		{"ops_parallel", true},
		{"parallelism=2,ops_sequential", false},
		{"ops_sequential,ops_parallel", true},
		{"ops_parallel,ops_sequential", false},
		{"ops_sequentially", true}, // not the option name: ignored here, rejected by the backend
		{"parallelism=-1", false},
		{"ops_parallel,parallelism=-1", false},
		{"parallelism=0", false},
		{"parallelism=8", true},
		{"parallelism=many", true}, // unparsable: the backend rejects it
	}
	for _, tc := range tests {
		if got := canStarve(tc.options); got != tc.want {
			t.Errorf("canStarve(%q) = %v, want %v", tc.options, got, tc.want)
		}
	}
}

// independentMatmuls returns a graph function of x [n, n] that sums eight matmuls with no
// data dependency between them: on the Go backend they are eight ops ready at once, each
// splitting its work over the worker pool.
func independentMatmuls(x *graph.Node) *graph.Node {
	sum := graph.MatMul(x, x)
	for i := 1; i < 8; i++ {
		sum = graph.Add(sum, graph.MatMul(graph.AddScalar(x, float64(i)), x))
	}
	return graph.ReduceAllSum(sum)
}

// finishes reports whether reps executions of independentMatmuls on the backend of config end
// within timeout. A hung execution is left behind: its goroutines are blocked for good.
func finishes(t *testing.T, config string, reps int, timeout time.Duration) bool {
	t.Helper()
	b, err := NewWithConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := graph.NewExec(b, independentMatmuls)
	if err != nil {
		t.Fatal(err)
	}
	const n = 256
	x := make([][]float32, n)
	for i := range x {
		x[i] = make([]float32, n)
		x[i][i] = 1
	}
	done := make(chan error, 1)
	go func() {
		for range reps {
			out, err := exec.Exec(x)
			if err != nil {
				done <- err
				return
			}
			// x = I: (I + iJ) I = I + iJ sums to n + i n^2, so the total over i = 0..7 is
			// 8n + 28n^2, an integer below 2^24 that float32 holds exactly.
			want := float32(8*n + 28*n*n)
			if got := tensors.ToScalar[float32](out[0]); got != want {
				done <- fmt.Errorf("sum = %g, want %g", got, want)
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", config, err)
		}
		return true
	case <-time.After(timeout):
		return false
	}
}

// TestPoolStarvation checks that SafeDefault runs a graph of independent matmuls, the shape
// that starves a bounded worker pool. With POPKIT_POOL_STARVATION=1 it also shows the
// deadlock itself: the same graph with parallel ops on the default, bounded pool
// ("go:ops_parallel") must hang within 50 executions (it did at the first on two cores with
// compute v0.1.4). Off by default because the hung goroutines stay until the test binary
// exits.
func TestPoolStarvation(t *testing.T) {
	captureWarnings(t)
	if !finishes(t, SafeDefault, 50, 2*time.Minute) {
		t.Fatalf("%s: 50 executions of eight independent matmuls did not end in 2 minutes",
			SafeDefault)
	}
	if os.Getenv("POPKIT_POOL_STARVATION") != "1" {
		t.Skip("set POPKIT_POOL_STARVATION=1 to reproduce the deadlock of a bounded pool")
	}
	if finishes(t, "go:ops_parallel", 50, 30*time.Second) {
		t.Errorf("go:ops_parallel: 50 executions ended; the bounded pool no longer starves " +
			"(a newer compute?), and the package comment needs revisiting")
	}
}

func TestDescribeForeignBackend(t *testing.T) {
	// A backend not created by New is described by its name.
	b, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Describe(b), "go "+buildMode(); got != want {
		t.Errorf("Describe(gobackend.New(\"\")) = %q, want %q", got, want)
	}
}

func TestAnnounces(t *testing.T) {
	tests := []struct {
		config string
		want   bool
	}{
		{"go:parallelism=-1", true},
		{"go:ops_parallel,parallelism=4", true},
		{"go:ops_sequential", false},
		{"go", false},
		{"xla:cpu", false},
		{"xla:parallelism=2", false}, // not the Go backend's option
	}
	for _, tc := range tests {
		if got := announces(tc.config); got != tc.want {
			t.Errorf("announces(%q) = %v, want %v", tc.config, got, tc.want)
		}
	}
}

// captureStdout returns what f writes to os.Stdout.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	f()
	os.Stdout = stdout
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestWithoutAnnouncement(t *testing.T) {
	var outer, restored *os.File
	got := captureStdout(t, func() {
		outer = os.Stdout
		withoutAnnouncement(func() {
			fmt.Println("before")
			fmt.Printf("Go backend: parallelism set to %d\n", -1)
			fmt.Print("after, without a newline")
		})
		restored = os.Stdout
	})
	if restored != outer {
		t.Errorf("os.Stdout not restored after withoutAnnouncement")
	}
	if want := "before\nafter, without a newline"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}

	// The real announcement, from the Go backend itself.
	captureWarnings(t)
	got = captureStdout(t, func() {
		b, err := NewWithConfig(SafeDefault)
		if err != nil {
			t.Fatal(err)
		}
		b.Finalize()
	})
	if got != "" {
		t.Errorf("NewWithConfig(%q) printed %q, want nothing", SafeDefault, got)
	}
}

package backend

import (
	"bytes"
	"log/slog"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
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
	// 2 = OpsExecutionSequential: the safe configuration reached the backend.
	if got := opsExecutionType(t, b); got != 2 {
		t.Errorf("New() OpsExecutionType = %d, want 2 (sequential)", got)
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
		parallel  bool   // whether the configuration may run ops in parallel
	}{
		{"empty means unset", "", SafeDefault, 2, false},
		{"safe default", "go:ops_sequential", "go:ops_sequential", 2, false},
		{"plain go is dynamic", "go", "go", 0, true},
		{"explicit parallel", "go:ops_parallel", "go:ops_parallel", 1, true},
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

			// Expected warnings, in order: the deadlock one in SIMD builds with parallel ops,
			// the no-SIMD one in builds without SIMD, the math.Exp one when SlowExp.
			var want []string
			if SIMD() && tc.parallel {
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

func TestOpsParallel(t *testing.T) {
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
	}
	for _, tc := range tests {
		if got := opsParallel(tc.options); got != tc.want {
			t.Errorf("opsParallel(%q) = %v, want %v", tc.options, got, tc.want)
		}
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

package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/train"
)

func testBackend(tb testing.TB) compute.Backend {
	tb.Helper()
	b, err := backend.New()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// small is a reduced setup that keeps the tests quick; the benchmarks use the defaults.
var small = Setup{Pairs: 2, SeqLen: 32, PromptLen: 9}

func TestStepFLOPs(t *testing.T) {
	// Defaults E 128, F 352, V 259, L 2, T 256, 16 rows, by hand:
	//   per token: 2 * (2 * (4*16384 + 3*128*352) + 128*259) + 2*4*256*128
	//            = 2 * (2 * (65536 + 135168) + 33152) + 262144
	//            = 2 * 434560 + 262144 = 1131264
	//   step: 3 * 16 * 256 * 1131264 = 12288 * 1131264 = 13900972032
	if got := (Setup{}).StepFLOPs(); got != 13900972032 {
		t.Errorf("StepFLOPs() = %.0f, want 13900972032", got)
	}
}

func TestSetupValidate(t *testing.T) {
	for _, s := range []Setup{{Pairs: -1}, {SeqLen: 1}, {SeqLen: 300}, {SeqLen: 16, PromptLen: 16}} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: Validate() = nil, want an error", s)
		}
	}
	if err := (Setup{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestShortName(t *testing.T) {
	for path, want := range map[string]string{
		"/policy/token_embed/embeddings":            "token_embed",
		"/policy/layer_1/attn/qkv/dense/weights":    "layer_1/qkv",
		"/policy/layer_0/attn/output/dense/weights": "layer_0/attn_output",
		"/policy/layer_0/mlp_norm/rms_norm/scale":   "layer_0/mlp_norm",
		"/policy/layer_0/mlp_gate_up/dense/weights": "layer_0/mlp_gate_up",
		"/policy/output/dense/weights":              "output",
		"/policy/final_norm/rms_norm/scale":         "final_norm",
	} {
		if got := shortName(path); got != want {
			t.Errorf("shortName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestPeerComputesOurLoss(t *testing.T) {
	// The PyTorch peer, given our decoder's initial weights and our batch, must compute our
	// per-row log-probs and DPO loss: PyTorch is the independent implementation here.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	python, err := FindPython(ctx)
	if errors.Is(err, ErrNoTorch) {
		t.Skipf("skipping the comparison with PyTorch: %v", err)
	}
	chk, err := CheckPeer(ctx, testBackend(t), python, small)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss ours %.7f, pytorch %.7f; max |dlogp| %.3g of %.4g", chk.OursLoss,
		chk.PeerLoss, chk.MaxLogProbDiff, chk.MaxLogProb)
	if !chk.Pass() {
		t.Errorf("PyTorch disagrees: %+v", chk)
	}
}

func TestCheckBackend(t *testing.T) {
	// The Go backend with either scheduling against itself: the same weights and batch must
	// give the same numbers, exactly (each op computes the same values whether it runs alone
	// or beside others). The backend's default bounded pool ("go") can deadlock; see
	// popkit/backend.
	ref := testBackend(t)
	for _, config := range []string{"go:ops_sequential", backend.SafeDefault} {
		b, err := backend.NewWithConfig(config)
		if err != nil {
			t.Fatal(err)
		}
		chk, err := CheckBackend(b, ref, small)
		if err != nil {
			t.Fatal(err)
		}
		if !chk.Pass() || chk.MaxLogProbDiff != 0 || chk.Loss != chk.RefLoss {
			t.Errorf("%s: %+v, want identical results", config, chk)
		}
		if math.IsNaN(chk.Loss) || chk.MaxLogProb == 0 {
			t.Errorf("%s: degenerate check %+v", config, chk)
		}
	}
}

func TestRunPrintsReport(t *testing.T) {
	var out testWriter
	rep, err := Run(context.Background(), testBackend(t), Options{Setup: small, Rounds: 1,
		Steps: 1, MatmulSize: 64, BTPreferences: 500}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.PreferenceTokensPerSec <= 0 || rep.SFTTokensPerSec <= 0 || rep.MFU <= 0 ||
		rep.MatmulFLOPS <= 0 || rep.RefForward <= 0 || rep.BTFit <= 0 {
		t.Errorf("report has unmeasured fields: %+v", rep)
	}
	if last := out.lastLine(); len(last) < 4 || last[:4] != "mfu " {
		t.Errorf("last line %q, want \"mfu F\"", last)
	}
}

// BenchmarkPreferenceStep times the preference step at the default sizes (16 rows x 256),
// with the rows in one graph and in train.DefaultRowGroups groups, side by side:
//
//	go test ./popkit/bench -run '^$' -bench 'PreferenceStep|ReferenceStep'
func BenchmarkPreferenceStep(b *testing.B) { benchGroups(b, true) }

// BenchmarkReferenceStep times the reference (SFT) step at the default sizes, like
// BenchmarkPreferenceStep.
func BenchmarkReferenceStep(b *testing.B) { benchGroups(b, false) }

func benchGroups(b *testing.B, preference bool) {
	for _, groups := range []int{1, train.DefaultRowGroups} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			benchStep(b, Setup{RowGroups: groups}, preference)
		})
	}
}

func benchStep(b *testing.B, s Setup, preference bool) {
	s = s.Normalized()
	tb := testBackend(b)
	m, err := newMeasurer(tb, []compute.Backend{tb}, s, 64)
	if err != nil {
		b.Fatal(err)
	}
	step, in := m.sft, m.sftInputs
	if preference {
		step, in = m.pref, m.prefInputs
	}
	for b.Loop() {
		if err := step(in()); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(s.Tokens())/sec, "tokens/s")
	b.ReportMetric(s.StepFLOPs()/sec/1e9, "GFLOP/s")
}

// BenchmarkMatmul times the N x N float32 matmul that serves as the ceiling (N = 1024), on
// the backend of $GOMLX_BACKEND alone.
func BenchmarkMatmul(b *testing.B) {
	tb := testBackend(b)
	m, err := newMeasurer(tb, []compute.Backend{tb}, small, DefaultMatmulSize)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := m.timeMatmul(1); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(DefaultMatmulSize)
	b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkBradleyTerry times pop.FitBradleyTerry on 64,000 preferences with k = 4.
func BenchmarkBradleyTerry(b *testing.B) {
	for b.Loop() {
		if _, err := timeBT(DefaultBTPreferences, DefaultBTK, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// testWriter collects printed text.
type testWriter struct{ buf []byte }

func (w *testWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *testWriter) lastLine() string {
	s := string(w.buf)
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}

// BenchmarkWeightGradientLayout is a minimal reproduction of what bounds the Go backend's
// training step: the weight gradient of a dense layer, dW = x^T dy, contracts the leading
// axis (batch x positions) of x [4096, 128] and dy [4096, 384]. "leading" asks the backend for
// exactly that, and it first transposes both operands element by element; "trailing" gives it
// the same numbers already transposed ([128, 4096] and [384, 4096], contraction axis last),
// which it multiplies directly. The gap is the transposes' cost.
func BenchmarkWeightGradientLayout(b *testing.B) {
	be := testBackend(b)
	const rows, in, out = 4096, 128, 384
	x := make([]float32, rows*in)
	dy := make([]float32, rows*out)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for i := range dy {
		dy[i] = float32(i%5) - 2
	}
	cases := []struct {
		name string
		fn   func(a, c *Node) *Node
		a, c *tensors.Tensor
	}{
		{"leading", func(a, c *Node) *Node {
			return DotGeneral(a, []int{0}, nil, c, []int{0}, nil)
		}, tensors.FromFlatDataAndDimensions(x, rows, in),
			tensors.FromFlatDataAndDimensions(dy, rows, out)},
		{"trailing", func(a, c *Node) *Node {
			return DotGeneral(a, []int{1}, nil, c, []int{1}, nil)
		}, tensors.FromFlatDataAndDimensions(x, in, rows),
			tensors.FromFlatDataAndDimensions(dy, out, rows)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			exec, err := NewExec(be, tc.fn)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := exec.Exec(tc.a, tc.c)
				if err != nil {
					b.Fatal(err)
				}
				_ = res[0].FinalizeAll()
			}
			b.ReportMetric(2*rows*in*out*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/pop"
)

// Options configures [Run]. The zero value of each field means its default.
type Options struct {
	// Setup is the benchmarked step; see [Setup].
	Setup Setup
	// Rounds is the number of measurement rounds; each times every measured step once (and
	// the peer's, alternating), and results are medians over rounds. Default 5.
	Rounds int
	// Steps is the training steps timed per step kind and round. Default 3.
	Steps int
	// Peer is "" (none) or "pytorch": run the same preference step in PyTorch, alternating.
	Peer string
	// MatmulSize is N of the N x N float32 matmul that measures the backend's ceiling.
	// Default 1024.
	MatmulSize int
	// BTPreferences and BTK size the Bradley-Terry fit: BTPreferences preferences, BTK
	// comparisons each. Defaults 64,000 and 4.
	BTPreferences, BTK int
	// Others lists further backend configurations to time the preference step on (for
	// example "xla:cpu"); one that cannot be created is reported and skipped. Default none.
	Others []string
}

// Defaults of [Options].
const (
	DefaultRounds        = 5
	DefaultSteps         = 3
	DefaultMatmulSize    = 1024
	DefaultBTPreferences = 64000
	DefaultBTK           = 4
)

// Normalized returns o with defaults filled in.
func (o Options) Normalized() Options {
	o.Setup = o.Setup.Normalized()
	if o.Rounds == 0 {
		o.Rounds = DefaultRounds
	}
	if o.Steps == 0 {
		o.Steps = DefaultSteps
	}
	if o.MatmulSize == 0 {
		o.MatmulSize = DefaultMatmulSize
	}
	if o.BTPreferences == 0 {
		o.BTPreferences = DefaultBTPreferences
	}
	if o.BTK == 0 {
		o.BTK = DefaultBTK
	}
	return o
}

// Report holds what [Run] measured; throughputs are medians over rounds.
type Report struct {
	Backend string
	// StepFLOPs is [Setup.StepFLOPs]; Tokens the token positions per step.
	StepFLOPs float64
	Tokens    int
	// MatmulFLOPS is the ceiling: the best N x N float32 matmul throughput seen in the run,
	// FLOP/s, over rounds, repetitions and, on the Go backend, the benchmarked configuration
	// and the Go backend's default one, whose bounded worker pool splits a lone matmul
	// differently (see [ceilingBackends]). The best, not a median: a ceiling that a noisy
	// machine lowered would inflate MFU.
	MatmulFLOPS float64
	// SFTTokensPerSec and PreferenceTokensPerSec are the two steps' throughputs.
	SFTTokensPerSec, PreferenceTokensPerSec float64
	// MFU is the preference step's FLOP/s (median over rounds) over MatmulFLOPS. A median
	// over a maximum errs low, and more so the more rounds there are to take the maximum of.
	MFU float64
	// RefForward is the time of one forward pass of the reference over a step's rows: what
	// each step would add if the reference log-probs were not cached.
	RefForward time.Duration
	// PreferenceStep is the median time of one preference step.
	PreferenceStep time.Duration
	// BTFit is the time of the Bradley-Terry fit.
	BTFit time.Duration
	// PeerTokensPerSec and RatioVsPeer: the peer's preference-step throughput and ours over
	// it (median of the per-round ratios); zero without a peer.
	PeerTokensPerSec, RatioVsPeer float64
}

// Run measures the steps of o on backend b, printing a line per measurement to w, and
// returns the report. With o.Peer "pytorch" it first checks that the peer computes our loss
// on identical weights and batch (an error if not), then alternates ours and the peer's
// step in every round. The last lines printed are "ratio_vs_pytorch R" (with a peer) and
// "mfu F".
func Run(ctx context.Context, b compute.Backend, o Options, w io.Writer) (Report, error) {
	o = o.Normalized()
	s := o.Setup
	rep := Report{Backend: backend.Describe(b), StepFLOPs: s.StepFLOPs(), Tokens: s.Tokens()}
	if err := s.Validate(); err != nil {
		return rep, err
	}
	if o.Peer != "" && o.Peer != "pytorch" {
		return rep, fmt.Errorf("bench: unknown peer %q (known: pytorch)", o.Peer)
	}
	threads := runtime.NumCPU()
	c := s.Policy
	fmt.Fprintf(w, "backend %s, %d threads\n", rep.Backend, threads)
	if !backend.SIMD() {
		fmt.Fprintln(w, "note: this binary was built without GOEXPERIMENT=simd: the Go "+
			"backend's matmuls are several times slower; rebuild with GOEXPERIMENT=simd")
	}
	fmt.Fprintf(w, "model E=%d layers=%d heads=%d F=%d V=%d; step %d rows x %d tokens "+
		"(%d pairs) in %d row groups, prompt %d\n", c.EmbedDim, c.NumLayers, c.NumHeads,
		c.FFNDim, c.VocabSize, s.Rows(), s.SeqLen, s.Pairs, s.RowGroups, s.PromptLen)
	fmt.Fprintf(w, "flops_per_step %.4g  (3 * rows * T * (2*(L*(4E^2+3EF)+EV) + 4*L*T*E))\n",
		rep.StepFLOPs)
	ceilingOn := "this backend"
	if b.String() == gobackend.BackendName {
		ceilingOn = "this backend and the Go backend's default configuration"
	}
	fmt.Fprintf(w, "matmul ceiling: the fastest %d x %d float32 matmul of the run, on %s\n",
		o.MatmulSize, o.MatmulSize, ceilingOn)

	var pr *peer
	if o.Peer == "pytorch" {
		python, err := FindPython(ctx)
		if err != nil {
			return rep, err
		}
		chk, err := CheckPeer(ctx, b, python, s)
		if err != nil {
			return rep, err
		}
		fmt.Fprintf(w, "peer check: loss ours %.7f pytorch %.7f, max |dlogp| %.3g of %.4g: %s\n",
			chk.OursLoss, chk.PeerLoss, chk.MaxLogProbDiff, chk.MaxLogProb, passFail(chk.Pass()))
		if !chk.Pass() {
			return rep, fmt.Errorf("bench: the PyTorch peer does not compute our loss")
		}
		dir, err := os.MkdirTemp("", "popkit-peer-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		if pr, err = startPeer(ctx, python, dir, s, threads); err != nil {
			return rep, err
		}
		defer pr.close()
	}

	ceilings, err := ceilingBackends(b)
	if err != nil {
		return rep, err
	}
	for _, extra := range ceilings[1:] {
		defer extra.Finalize()
	}
	m, err := newMeasurer(b, ceilings, s, o.MatmulSize)
	if err != nil {
		return rep, err
	}
	var pref, sft, mm, ref, peerTPS, ratios []float64
	tokens := float64(s.Tokens())
	for round := 1; round <= o.Rounds; round++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		prefSec, err := m.timeSteps(m.pref, m.prefInputs, o.Steps)
		if err != nil {
			return rep, err
		}
		sftSec, err := m.timeSteps(m.sft, m.sftInputs, o.Steps)
		if err != nil {
			return rep, err
		}
		mmSec, err := m.timeMatmul(5)
		if err != nil {
			return rep, err
		}
		refSec, err := m.timeRefForward(3)
		if err != nil {
			return rep, err
		}
		ceiling := 2 * float64(o.MatmulSize*o.MatmulSize*o.MatmulSize) / mmSec
		pref, sft = append(pref, tokens/prefSec), append(sft, tokens/sftSec)
		mm, ref = append(mm, ceiling), append(ref, refSec)
		line := fmt.Sprintf("round %d: preference %.0f tok/s (%.1f GFLOP/s), sft %.0f tok/s, "+
			"matmul %.2f GFLOP/s", round, tokens/prefSec, rep.StepFLOPs/prefSec/1e9,
			tokens/sftSec, ceiling/1e9)
		if pr != nil {
			secs, err := pr.run(o.Steps)
			if err != nil {
				return rep, err
			}
			tps := tokens * float64(o.Steps) / secs
			peerTPS, ratios = append(peerTPS, tps), append(ratios, tokens/prefSec/tps)
			line += fmt.Sprintf(", pytorch %.0f tok/s, ratio %.3f", tps, ratios[len(ratios)-1])
		}
		fmt.Fprintln(w, line)
	}
	rep.PreferenceTokensPerSec, rep.SFTTokensPerSec = median(pref), median(sft)
	rep.MatmulFLOPS = slices.Max(mm)
	rep.MFU = rep.StepFLOPs * rep.PreferenceTokensPerSec / tokens / rep.MatmulFLOPS
	rep.PreferenceStep = time.Duration(tokens / rep.PreferenceTokensPerSec * 1e9)
	rep.RefForward = time.Duration(median(ref) * 1e9)
	if pr != nil {
		rep.PeerTokensPerSec, rep.RatioVsPeer = median(peerTPS), median(ratios)
	}

	for _, cfg := range o.Others {
		tps, err := otherBackend(cfg, s, o.Steps)
		if err != nil {
			fmt.Fprintf(w, "%s: not measured: %v\n", cfg, err)
			continue
		}
		fmt.Fprintf(w, "%s: preference %.0f tok/s\n", cfg, tps)
	}

	if rep.BTFit, err = timeBT(o.BTPreferences, o.BTK, s.Seed); err != nil {
		return rep, err
	}
	fmt.Fprintf(w, "sft_tokens_per_s %.0f\n", rep.SFTTokensPerSec)
	fmt.Fprintf(w, "preference_tokens_per_s %.0f  (step %s)\n", rep.PreferenceTokensPerSec,
		rep.PreferenceStep.Round(time.Millisecond))
	fmt.Fprintf(w, "matmul_ceiling_gflops %.2f  (%d x %d float32, best of the run)\n",
		rep.MatmulFLOPS/1e9, o.MatmulSize, o.MatmulSize)
	fmt.Fprintf(w, "reference_cache_saves %s per step (%.0f%% of a step with an uncached "+
		"reference forward)\n", rep.RefForward.Round(time.Millisecond),
		100*rep.RefForward.Seconds()/(rep.RefForward.Seconds()+rep.PreferenceStep.Seconds()))
	fmt.Fprintf(w, "bt_fit_s %.3f  (%d preferences, k=%d; target <= 2 s)\n",
		rep.BTFit.Seconds(), o.BTPreferences, o.BTK)
	if pr != nil {
		fmt.Fprintf(w, "pytorch_tokens_per_s %.0f\n", rep.PeerTokensPerSec)
		fmt.Fprintf(w, "ratio_vs_pytorch %.3f\n", rep.RatioVsPeer)
	}
	fmt.Fprintf(w, "mfu %.3f\n", rep.MFU)
	return rep, nil
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// median returns the median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x62656e6368)) }

// ceilingBackends returns the backends whose N x N matmul measures the ceiling: b and, when b
// is the Go backend, a Go backend in its default configuration (the caller finalizes it). The default's bounded worker
// pool starts up to twice GOMAXPROCS workers per matmul where an unbounded pool
// (backend.SafeDefault) starts GOMAXPROCS, and a lone matmul cannot starve the pool, so the
// faster of the two is the machine's ceiling.
func ceilingBackends(b compute.Backend) ([]compute.Backend, error) {
	if b.String() != gobackend.BackendName {
		return []compute.Backend{b}, nil
	}
	d, err := gobackend.New("")
	if err != nil {
		return nil, fmt.Errorf("bench: the Go backend for the matmul ceiling: %w", err)
	}
	return []compute.Backend{b, d}, nil
}

// measurer holds the compiled steps and inputs of one backend.
type measurer struct {
	pref, sft             stepper
	prefInputs, sftInputs func() []*tensors.Tensor
	matmuls               []matmul // one per ceiling backend
	refForward            *model.Exec
	refInputs             func() []any
}

// matmul is an N x N matmul compiled on one backend with its operands (a tensor belongs to
// one backend).
type matmul struct {
	exec *Exec
	a, b *tensors.Tensor
}

// stepper runs one training step.
type stepper func(inputs []*tensors.Tensor) error

// newMeasurer compiles the steps of s on b and an n x n matmul on each of ceilings (running
// each once, outside any timing).
func newMeasurer(b compute.Backend, ceilings []compute.Backend, s Setup, n int) (*measurer,
	error) {
	bt := s.makeBatch()
	m := &measurer{prefInputs: bt.preferenceInputs, sftInputs: bt.sftInputs}
	pref := s.preferenceTrainer(b)
	sft := s.sftTrainer(b)
	m.pref = func(in []*tensors.Tensor) error { _, err := runStep(pref, in...); return err }
	m.sft = func(in []*tensors.Tensor) error { _, err := runStep(sft, in...); return err }
	for _, warm := range []struct {
		f  stepper
		in func() []*tensors.Tensor
	}{{m.pref, m.prefInputs}, {m.sft, m.sftInputs}} {
		if err := warm.f(warm.in()); err != nil {
			return nil, fmt.Errorf("bench: first step: %w", err)
		}
	}

	rng := newRand(s.Seed + 1)
	data := make([]float32, n*n)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	for _, cb := range ceilings {
		exec, err := NewExec(cb, func(a, c *Node) *Node { return Dot(a, c).Product() })
		if err != nil {
			return nil, err
		}
		m.matmuls = append(m.matmuls, matmul{exec: exec,
			a: tensors.FromFlatDataAndDimensions(slices.Clone(data), n, n),
			b: tensors.FromFlatDataAndDimensions(slices.Clone(data), n, n)})
	}

	ref := s.model()
	var err error
	m.refForward, err = model.NewExec(b, ref.Store,
		func(scope *model.Scope, tokens, mask *Node) *Node {
			return ref.SequenceLogProbs(scope, tokens, mask)
		})
	if err != nil {
		return nil, err
	}
	m.refInputs = func() []any { return []any{bt.tokens, bt.mask} }
	if _, err := m.timeMatmul(1); err != nil {
		return nil, err
	}
	if _, err := m.timeRefForward(1); err != nil {
		return nil, err
	}
	return m, nil
}

// timeSteps returns the seconds per step of steps runs of f.
func (m *measurer) timeSteps(f stepper, in func() []*tensors.Tensor, steps int) (
	float64, error) {
	start := time.Now()
	for range steps {
		if err := f(in()); err != nil {
			return 0, err
		}
	}
	return time.Since(start).Seconds() / float64(steps), nil
}

// timeMatmul returns the seconds of the fastest of reps N x N matmuls on each ceiling
// backend.
func (m *measurer) timeMatmul(reps int) (float64, error) {
	best := math.Inf(1)
	for _, mm := range m.matmuls {
		for range reps {
			start := time.Now()
			out, err := mm.exec.Exec(mm.a, mm.b)
			if err != nil {
				return 0, err
			}
			best = min(best, time.Since(start).Seconds())
			_ = out[0].FinalizeAll()
		}
	}
	return best, nil
}

// timeRefForward returns the median seconds of reps forward passes of the reference log-probs
// over one step's rows.
func (m *measurer) timeRefForward(reps int) (float64, error) {
	times := make([]float64, reps)
	for i := range times {
		start := time.Now()
		out, err := m.refForward.Call(m.refInputs()...)
		if err != nil {
			return 0, err
		}
		times[i] = time.Since(start).Seconds()
		_ = out[0].FinalizeAll()
	}
	return median(times), nil
}

// otherBackend times the preference step of s on the backend configured by config and
// returns its tokens per second; an error when the backend cannot be created (an XLA plugin
// that is not installed is not downloaded). A panic while building or running the step on
// that backend is also returned as an error, so that an optional backend cannot end the
// benchmark.
func otherBackend(config string, s Setup, steps int) (tps float64, err error) {
	noAutoInstall()
	b, err := backend.NewWithConfig(config)
	if err != nil {
		return 0, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend %q: %v", config, r)
		}
	}()
	defer b.Finalize()
	bt := s.makeBatch()
	trainer := s.preferenceTrainer(b)
	if _, err := runStep(trainer, bt.preferenceInputs()...); err != nil {
		return 0, err
	}
	start := time.Now()
	for range steps {
		if _, err := runStep(trainer, bt.preferenceInputs()...); err != nil {
			return 0, err
		}
	}
	return float64(s.Tokens()*steps) / time.Since(start).Seconds(), nil
}

// timeBT times pop.FitBradleyTerry on n preferences with random strengths, k comparisons
// each drawn by pop.SimulateRandom.
func timeBT(n, k int, seed uint64) (time.Duration, error) {
	rng := newRand(seed + 2)
	strengths := make([]float64, n)
	for i := range strengths {
		strengths[i] = rng.NormFloat64()
	}
	comps, err := pop.SimulateRandom(strengths, pop.SimConfig{K: k}, rng)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if _, _, err := pop.FitBradleyTerry(n, comps, pop.FitConfig{}); err != nil {
		return 0, fmt.Errorf("bench: Bradley-Terry fit: %w", err)
	}
	return time.Since(start), nil
}

package policy

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// tiny is a small decoder for fast tests: 2 layers, 4 heads of 8 features.
var tiny = Config{EmbedDim: 32, NumHeads: 4, NumLayers: 2, MaxLen: 128}

// seededStore returns an empty Store whose variables initialise from a fixed seed.
func seededStore() *model.Store {
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(42))
	return store
}

func TestLogitsShape(t *testing.T) {
	tests := []struct {
		c         Config
		batch, t  int
		wantShape []int
	}{
		{tiny, 2, 5, []int{2, 5, VocabSize}},
		{Config{EmbedDim: 16, NumHeads: 2, NumLayers: 1, VocabSize: 264}, 3, 1, []int{3, 1, 264}},
	}
	for _, tc := range tests {
		logits := model.MustExecOnce(testBackend(), seededStore(),
			func(scope *model.Scope, tokens *Node) *Node { return tc.c.Logits(scope, tokens) },
			tensors.FromShape(shapes.Make(dtypes.Int32, tc.batch, tc.t)))
		if got := logits.Shape(); got.DType != dtypes.Float32 ||
			!slices.Equal(got.Dimensions, tc.wantShape) {
			t.Errorf("Logits shape = %s, want (Float32)%v", got, tc.wantShape)
		}
	}
}

func TestLogitsVariables(t *testing.T) {
	// Default sizes, E = 128, F = 352, V = 259, per layer:
	//   RMSNorm scales 2 x 128, q/k/v/output 4 x 128 x 128, gate/up 2 x 128 x 352,
	//   down 352 x 128: 256 + 65536 + 90112 + 45056 = 200960
	// plus the embedding 259 x 128, the final scale 128 and the output 128 x 259:
	//   2 x 200960 + 33152 + 128 + 33152 = 468352.
	// The Store's own random-number state (a Uint64 variable) is not a weight and not counted.
	store := seededStore()
	model.MustExecOnce(testBackend(), store,
		func(scope *model.Scope, tokens *Node) *Node { return Config{}.Logits(scope, tokens) },
		tensors.FromShape(shapes.Make(dtypes.Int32, 1, 2)))
	weights := 0
	for v := range store.IterVariables() {
		if v.DType() != dtypes.Float32 {
			continue
		}
		weights += v.Shape().Size()
		if strings.Contains(v.Path(), "bias") {
			t.Errorf("variable %s: the decoder should have no biases", v.Path())
		}
	}
	if weights != 468352 {
		t.Errorf("float32 weights = %d, want 468352", weights)
	}
}

func TestLogitsReusesScope(t *testing.T) {
	// Two calls with the same scope in one graph share their variables: same outputs, and the
	// Store holds the weights of one decoder only. For tiny (E = 32, F = 8/3 x 32 rounded up to
	// 96, V = 259), counted as in TestLogitsVariables: per layer 64 + 4096 + 6144 + 3072 =
	// 13376; in all 2 x 13376 + 8288 + 32 + 8288 = 43360.
	store := seededStore()
	out := model.MustExecOnceN(testBackend(), store,
		func(scope *model.Scope, tokens *Node) []*Node {
			return []*Node{tiny.Logits(scope, tokens), tiny.Logits(scope, tokens)}
		}, [][]int32{{BOS, 'a', 'b', EOS}})
	first, second := out[0].Value().([][][]float32), out[1].Value().([][][]float32)
	for t2 := range first[0] {
		if !slices.Equal(first[0][t2], second[0][t2]) {
			t.Fatalf("position %d: logits differ between the two calls", t2)
		}
	}
	weights := 0
	for v := range store.IterVariables() {
		if v.DType() == dtypes.Float32 {
			weights += v.Shape().Size()
		}
	}
	if weights != 43360 {
		t.Errorf("float32 weights = %d, want 43360 (one decoder)", weights)
	}
}

func TestLogitsPanics(t *testing.T) {
	run := func(c Config, shape shapes.Shape) func() {
		return func() {
			model.MustExecOnce(testBackend(), seededStore(),
				func(scope *model.Scope, tokens *Node) *Node { return c.Logits(scope, tokens) },
				tensors.FromShape(shape))
		}
	}
	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"invalid config", run(Config{EmbedDim: 30}, shapes.Make(dtypes.Int32, 1, 4)),
			[]string{"policy: invalid config", "Config.EmbedDim = 30 is not divisible"}},
		{"float tokens", run(tiny, shapes.Make(dtypes.Float32, 1, 4)),
			[]string{"policy: Logits: tokens must be an integer [B, T]", "(Float32)[1, 4]"}},
		{"rank 1 tokens", run(tiny, shapes.Make(dtypes.Int32, 4)),
			[]string{"policy: Logits: tokens must be an integer [B, T]", "(Int32)[4]"}},
		{"longer than MaxLen", run(tiny, shapes.Make(dtypes.Int32, 1, 129)),
			[]string{"T = 129, want 1 <= T <= MaxLen = 128"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanicWithin(t, 30*time.Second, tc.f, tc.want...) })
	}
}

func TestPaddingAndBatchInvariance(t *testing.T) {
	// The real decoder at default size, random init from a fixed seed. The same (prompt,
	// response) must get the same log-probs packed alone without padding, alone with 37 extra
	// PAD columns, and next to other rows of other lengths: causal attention and right padding
	// keep real positions blind to everything after them.
	//
	// Compared to 1e-5: every token log-prob at the target's real positions (absolute), and
	// the sequence log-prob (relative: at random init it is about -110, where float32 values
	// are 7.6e-6 apart, so an absolute 1e-5 would only allow one rounding step of the sum).
	store := seededStore()
	exec := model.MustNewExec(testBackend(), store,
		func(scope *model.Scope, tokens, mask *Node) (*Node, *Node) {
			logits := Config{}.Logits(scope, tokens)
			return TokenLogProbs(logits, tokens), SequenceLogProbs(logits, tokens, mask)
		})
	target := Encode("Question: what is 2+2? Answer:", " four, of course.", Limits{})
	others := []Encoded{
		Encode("A much longer prompt that takes more room than the target's", " and a reply.",
			Limits{}),
		Encode("short", "!", Limits{}),
	}

	run := func(batch []Encoded, length, row int) (tokenLogp []float32, seqLogp float64) {
		tokens, mask := Pack(batch, length)
		out := exec.MustExec(tokens, mask)
		tokenLogp = out[0].Value().([][]float32)[row][:target.Len()-1]
		return tokenLogp, float64(out[1].Value().([]float32)[row])
	}
	aloneTokens, alone := run([]Encoded{target}, 0, 0)
	if math.IsNaN(alone) || alone >= 0 {
		t.Fatalf("log-prob alone = %v, want a finite negative number", alone)
	}

	tests := []struct {
		name   string
		batch  []Encoded
		length int
		row    int
	}{
		{"37 extra PAD columns", []Encoded{target}, target.Len() + 37, 0},
		{"between other rows", []Encoded{others[0], target, others[1]}, 0, 1},
		{"between other rows, padded further", []Encoded{others[0], target, others[1]},
			others[0].Len() + 37, 1},
	}
	for _, tc := range tests {
		gotTokens, got := run(tc.batch, tc.length, tc.row)
		for i, lp := range gotTokens {
			if !near(float64(lp), float64(aloneTokens[i]), 1e-5) {
				t.Errorf("%s: token log-prob at position %d = %.7f, alone %.7f",
					tc.name, i+1, lp, aloneTokens[i])
			}
		}
		t.Logf("%s: %.7f vs alone %.7f, diff %.2g", tc.name, got, alone, got-alone)
		if !near(got, alone, 1e-5*math.Abs(alone)) {
			t.Errorf("%s: sequence log-prob %.7f, alone %.7f, want equal to 1e-5 relative",
				tc.name, got, alone)
		}
	}
}

// sftLoss is the mean next-token cross-entropy over response tokens:
//
//	loss = -sum_{b,t} m[b,t] log p(tokens[b,t] | tokens[b,<t]) / sum_{b,t} m[b,t]
//
// predictions[0] is TokenLogProbs [B, T-1]; labels[0] the response mask [B, T].
func sftLoss(labels, predictions []*Node) *Node {
	mask := Slice(labels[0], AxisRange(), AxisRangeToEnd(1))
	return Div(Neg(ReduceAllSum(Mul(predictions[0], mask))), ReduceAllSum(mask))
}

// newSFTTrainer returns a trainer of c on sftLoss with Adam at the given learning rate.
func newSFTTrainer(c Config, learningRate float64) *train.Trainer {
	modelFn := func(scope *model.Scope, _ any, inputs []*Node) []*Node {
		return []*Node{TokenLogProbs(c.Logits(scope, inputs[0]), inputs[0])}
	}
	opt := optimizer.Adam().LearningRate(learningRate).Done()
	return train.NewTrainer(testBackend(), seededStore(), modelFn, sftLoss, opt, nil, nil)
}

// withDeadline runs f in a goroutine and fails the test if it has not returned after d, so a
// backend deadlock is a failure rather than a hang.
func withDeadline(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(d):
		t.Fatalf("no result after %s: the backend may be deadlocked", d)
	}
}

func TestSFTTrainingLossDecreases(t *testing.T) {
	texts := [][2]string{
		{"Say hi: ", "hi there"}, {"Count: ", "one two three"}, {"Color? ", "blue"},
		{"Say hi: ", "hello"}, {"Animal? ", "a cat"}, {"Count: ", "1 2 3"},
	}
	batch := make([]Encoded, len(texts))
	for i, pr := range texts {
		batch[i] = Encode(pr[0], pr[1], Limits{MaxLen: 32, MaxPromptLen: 16})
	}
	tokens, mask := Pack(batch, 0)
	trainer := newSFTTrainer(tiny, 1e-2)

	const steps = 20
	losses := make([]float64, 0, steps)
	withDeadline(t, 120*time.Second, func() error {
		for range steps {
			metrics, err := trainer.TrainStep(train.Batch{
				Inputs: []*tensors.Tensor{tokens}, Labels: []*tensors.Tensor{mask}})
			if err != nil {
				return err
			}
			losses = append(losses, float64(metrics[0].Value().(float32)))
		}
		return nil
	})

	// At init the model is near uniform over 259 ids: loss about ln(259) = 5.56 (more with
	// random logits). Memorising six short responses for 20 Adam steps should at least halve
	// it; the bound is loose so that the test checks learning, not a particular curve.
	first, last := losses[0], losses[len(losses)-1]
	t.Logf("SFT loss: first %.3f, last %.3f", first, last)
	if !(last < 0.5*first) || math.IsNaN(last) {
		t.Errorf("loss went from %.3f to %.3f in %d steps, want below half", first, last, steps)
	}
}

// BenchmarkTrainStep measures one forward and backward pass plus an Adam update at default
// sizes: batch 16 x 256 tokens, Config{} (about 0.47M parameters).
func BenchmarkTrainStep(b *testing.B) {
	const batch, length = 16, 256
	rows := make([]Encoded, batch)
	for i := range rows {
		prompt := fmt.Sprintf("Prompt number %d asks for something fairly long: ", i)
		response := fmt.Sprintf("%0200d and so on until the end of row %d.", i, i)
		rows[i] = Encode(prompt, response, Limits{})
	}
	tokens, mask := Pack(rows, length)
	trainer := newSFTTrainer(Config{}, 1e-3)
	step := func() {
		if _, err := trainer.TrainStep(train.Batch{
			Inputs: []*tensors.Tensor{tokens}, Labels: []*tensors.Tensor{mask}}); err != nil {
			b.Fatal(err)
		}
	}
	step() // compile outside the timed loop

	start := time.Now()
	n := 0
	for b.Loop() {
		step()
		n++
	}
	b.ReportMetric(float64(n*batch*length)/time.Since(start).Seconds(), "tokens/s")
}

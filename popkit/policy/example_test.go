package policy_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/policy"
)

func ExampleEncode() {
	e := policy.Encode("Hi", "yo", policy.Limits{})
	fmt.Println(e.Tokens, e.Len())
	fmt.Println(e.Response, e.Truncated)

	// A long response keeps its start and loses its EOS.
	cut := policy.Encode("Hi", "a long answer", policy.Limits{MaxLen: 8, MaxPromptLen: 2})
	fmt.Printf("%q %v\n", policy.Decode(cut.Tokens), cut.Truncated)
	// Output:
	// [256 72 105 121 111 257] 6
	// [0 0 0 1 1 1] false
	// "Hia lon" true
}

func ExampleDecode() {
	fmt.Printf("%q\n", policy.Decode([]int32{policy.BOS, 'o', 'k', policy.EOS, 'x', policy.PAD}))
	// Output: "ok"
}

func ExampleLimits_Normalized() {
	fmt.Printf("%+v\n", policy.Limits{MaxLen: 128}.Normalized())
	// Output: {MaxLen:128 MaxPromptLen:64}
}

func ExampleLimits_Validate() {
	err := policy.Limits{MaxLen: 32}.Validate() // 64 prompt bytes cannot fit in 32 tokens
	fmt.Println(errors.Is(err, policy.ErrInvalidLimits))
	msg, _, _ := strings.Cut(err.Error(), " (")
	fmt.Println(msg)
	// Output:
	// true
	// policy: invalid limits: Limits.MaxLen = 32, want >= MaxPromptLen+2 = 66
}

func ExamplePack() {
	tokens, mask := policy.Pack([]policy.Encoded{
		policy.Encode("a", "b", policy.Limits{}),
		policy.Encode("", "c", policy.Limits{}),
	}, 0)
	fmt.Println(tokens.Value())
	fmt.Println(mask.Value())
	// Output:
	// [[256 97 98 257] [256 99 257 258]]
	// [[0 0 1 1] [0 1 1 0]]
}

func ExamplePackPairs() {
	chosen := []policy.Encoded{policy.Encode("q", "yes", policy.Limits{})}
	rejected := []policy.Encoded{policy.Encode("q", "no", policy.Limits{})}
	tokens, _ := policy.PackPairs(chosen, rejected, 0)
	for _, row := range tokens.Value().([][]int32) {
		fmt.Printf("%q\n", policy.Decode(row))
	}
	// Output:
	// "qyes"
	// "qno"
}

func ExampleConfig_Normalized() {
	c := policy.Config{EmbedDim: 64}.Normalized()
	fmt.Println(c.VocabSize, c.EmbedDim, c.NumLayers, c.NumHeads, c.FFNDim)
	fmt.Println(c.MaxLen, c.RoPEBase, c.NormEpsilon)
	// Output:
	// 259 64 2 4 192
	// 256 10000 1e-05
}

func ExampleConfig_HeadDim() {
	fmt.Println(policy.Config{}.HeadDim(), policy.Config{EmbedDim: 64, NumHeads: 8}.HeadDim())
	// Output: 32 8
}

func ExampleConfig_Validate() {
	err := policy.Config{EmbedDim: 100, NumHeads: 3}.Validate()
	fmt.Println(errors.Is(err, policy.ErrInvalidConfig))
	fmt.Println(err)
	// Output:
	// true
	// policy: invalid config: Config.EmbedDim = 100 is not divisible by NumHeads = 3
}

func ExampleConfig_Logits() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := policy.Config{EmbedDim: 32, NumLayers: 1}
	logits := model.MustExecOnce(b, model.NewStore(),
		func(scope *model.Scope, tokens *Node) *Node { return cfg.Logits(scope, tokens) },
		tensors.FromShape(shapes.Make(dtypes.Int32, 2, 7)))
	fmt.Println(logits.Shape())
	// Output: (Float32)[2, 7, 259]
}

func ExampleConfig_SequenceLogProbsFn() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := policy.Config{EmbedDim: 32, NumLayers: 1}
	tokens, mask := policy.PackPairs(
		[]policy.Encoded{policy.Encode("2+2=", "4", policy.Limits{})},
		[]policy.Encoded{policy.Encode("2+2=", "five", policy.Limits{})}, 0)
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(1))
	logp := model.MustExecOnce(b, store,
		func(scope *model.Scope, tokens, mask *Node) *Node {
			return cfg.SequenceLogProbsFn(scope, tokens, mask)
		}, tokens, mask)
	// One log-prob per row; each is a sum of negative terms, more terms for longer responses.
	v := logp.Value().([]float32)
	fmt.Println(logp.Shape(), v[0] < 0, v[1] < v[0])
	// Output: (Float32)[2] true true
}

func ExampleTokenLogProbs() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	// V = 2, T = 3. Logits [0, ln 3] give p = [1/4, 3/4]; [0, 0] give [1/2, 1/2].
	logits := [][][]float32{{{0, 1.0986123}, {0, 0}, {5, 5}}}
	tokens := [][]int32{{0, 1, 0}}
	out := MustExecOnce(b, policy.TokenLogProbs, logits, tokens)
	fmt.Printf("%.4f\n", out.Value()) // ln(3/4), ln(1/2)
	// Output: [[-0.2877 -0.6931]]
}

func ExampleSequenceLogProbs() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Same logits as in the TokenLogProbs example; only position 2 is a response token, so
	// the sum is log p(tokens[2] = 0 | position 1) = ln(1/2).
	logits := [][][]float32{{{0, 1.0986123}, {0, 0}, {5, 5}}}
	tokens := [][]int32{{0, 1, 0}}
	mask := [][]float32{{0, 0, 1}}
	out := MustExecOnce(b, policy.SequenceLogProbs, logits, tokens, mask)
	fmt.Printf("%.4f\n", out.Value())
	// Output: [-0.6931]
}

func ExampleSplitPairs() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Per-row log-probs of 2 pairs packed with PackPairs: chosen rows first.
	out := MustExecOnceN(b, func(logp *Node) []*Node {
		chosen, rejected := policy.SplitPairs(logp)
		return []*Node{chosen, rejected}
	}, []float32{-1, -2, -3, -4})
	fmt.Println(out[0].Value(), out[1].Value())
	// Output: [-1 -2] [-3 -4]
}

package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
)

// ln is math.Log as float32, for logits written as logs of unnormalised probabilities.
func ln(x float64) float32 { return float32(math.Log(x)) }

// runLogProbs evaluates TokenLogProbs and SequenceLogProbs on explicit inputs.
func runLogProbs(t *testing.T, logits [][][]float32, tokens [][]int32, mask [][]float32) (
	tokenLogp [][]float32, seqLogp []float32) {
	t.Helper()
	exec := MustNewExec(testBackend(), func(logits, tokens, mask *Node) (*Node, *Node) {
		return TokenLogProbs(logits, tokens), SequenceLogProbs(logits, tokens, mask)
	})
	out := exec.MustExec(logits, tokens, mask)
	return out[0].Value().([][]float32), out[1].Value().([]float32)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestLogProbsByHand(t *testing.T) {
	// V = 3, T = 4. Each logits row is the log of unnormalised probabilities, so its softmax is
	// exact fractions:
	//   position 0: ln[1 2 1] -> p = [1/4 1/2 1/4]
	//   position 1: ln[3 1 1] -> p = [3/5 1/5 1/5]
	//   position 2: [0 0 0]   -> p = [1/3 1/3 1/3]
	//   position 3: ln[5 2 1] -> predicts a token after the end; never read
	// Row 1 adds 100 to every logit: softmax is unchanged, but exp(100) overflows float32
	// (max about 3.4e38 = exp(88.7)), so a naive log-softmax would give NaN or -Inf.
	row := [][]float32{{ln(1), ln(2), ln(1)}, {ln(3), ln(1), ln(1)}, {0, 0, 0}, {ln(5), ln(2), ln(1)}}
	shifted := make([][]float32, len(row))
	for i, r := range row {
		shifted[i] = []float32{r[0] + 100, r[1] + 100, r[2] + 100}
	}
	logits := [][][]float32{row, shifted}
	tokens := [][]int32{{2, 1, 0, 2}, {0, 0, 1, 1}}
	// Row 0 scores positions 2 and 3; row 1 scores 1 and 3, position 3 with weight 0.5, and
	// sets mask[0] = 1, which must be ignored (position 0 has no prediction).
	mask := [][]float32{{0, 0, 1, 1}, {1, 1, 0, 0.5}}

	// TokenLogProbs[b, t] = log p(tokens[b, t+1] | position t):
	//   row 0: tokens 1, 0, 2 -> ln(1/2), ln(3/5), ln(1/3) = -0.693147, -0.510826, -1.098612
	//   row 1: tokens 0, 1, 1 -> ln(1/4), ln(1/5), ln(1/3) = -1.386294, -1.609438, -1.098612
	// SequenceLogProbs:
	//   row 0: ln(3/5) + ln(1/3) = ln(1/5) = -1.609438
	//   row 1: ln(1/4) + 0.5 ln(1/3) = -1.386294 - 0.549306 = -1.935601
	// (values from Python's math.log.)
	wantToken := [][]float64{
		{-0.693147, -0.510826, -1.098612},
		{-1.386294, -1.609438, -1.098612},
	}
	wantSeq := []float64{-1.609438, -1.935601}
	// Tolerances per row: float32 rounding of logits near 0 is about 1e-7; near 100 the
	// spacing of float32 is 7.6e-6, which bounds row 1's error.
	tol := []float64{2e-6, 3e-5}

	tokenLogp, seqLogp := runLogProbs(t, logits, tokens, mask)
	for b := range wantToken {
		for i, w := range wantToken[b] {
			if !near(float64(tokenLogp[b][i]), w, tol[b]) {
				t.Errorf("TokenLogProbs[%d][%d] = %v, want %v", b, i, tokenLogp[b][i], w)
			}
		}
		if !near(float64(seqLogp[b]), wantSeq[b], tol[b]) {
			t.Errorf("SequenceLogProbs[%d] = %v, want %v", b, seqLogp[b], wantSeq[b])
		}
	}
}

func TestSequenceLogProbsReadsOnlyScoredInputs(t *testing.T) {
	// One row, T = 8, V = 4: BOS-like token and prompt at 0..2, response at 3..5, padding at
	// 6..7. The term for position t reads tokens[t] and logits[t-1], so the result depends on
	// logits at 2, 3, 4 (2 is the last prompt position: it predicts the first response token)
	// and on tokens at 3, 4, 5; everything else is free.
	const T, V = 8, 4
	rng := rand.New(rand.NewPCG(1, 2))
	randomLogits := func() [][][]float32 {
		l := make([][]float32, T)
		for t := range l {
			l[t] = make([]float32, V)
			for v := range l[t] {
				l[t][v] = float32(rng.NormFloat64() * 3)
			}
		}
		return [][][]float32{l}
	}
	base := randomLogits()
	baseTokens := [][]int32{{3, 1, 2, 0, 3, 1, 2, 2}}
	mask := [][]float32{{0, 0, 0, 1, 1, 1, 0, 0}}
	_, want := runLogProbs(t, base, baseTokens, mask)

	other := randomLogits()
	tests := []struct {
		name          string
		logitsAt      []int   // positions whose logits are replaced by other's
		logitsValue   float32 // if not 0, written at logitsAt instead of other's values
		tokensAt      []int   // positions whose token is changed
		wantUnchanged bool
	}{
		{"prompt logits except the last prompt position", []int{0, 1}, 0, nil, true},
		{"logits at the last real position and padding", []int{5, 6, 7}, 0, nil, true},
		{"non-finite logits at padding", []int{6, 7}, float32(math.NaN()), nil, true},
		{"infinite logits at prompt positions", []int{0, 1}, float32(math.Inf(1)), nil, true},
		{"prompt and padding tokens", nil, 0, []int{0, 1, 2, 6, 7}, true},
		{"all free inputs at once", []int{0, 1, 5, 6, 7}, 0, []int{0, 1, 2, 6, 7}, true},
		{"logits at the last prompt position", []int{2}, 0, nil, false},
		{"logits at a response position", []int{4}, 0, nil, false},
		{"first response token", nil, 0, []int{3}, false},
		{"last scored token", nil, 0, []int{5}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logits := [][][]float32{make([][]float32, T)}
			for p := range T {
				logits[0][p] = append([]float32(nil), base[0][p]...)
			}
			for _, p := range tc.logitsAt {
				for v := range V {
					logits[0][p][v] = other[0][p][v]
					if tc.logitsValue != 0 {
						logits[0][p][v] = tc.logitsValue
					}
				}
			}
			tokens := [][]int32{append([]int32(nil), baseTokens[0]...)}
			for _, p := range tc.tokensAt {
				tokens[0][p] = (tokens[0][p] + 1) % V
			}

			_, got := runLogProbs(t, logits, tokens, mask)
			// Unscored positions enter the sum as exact zeros, so equality is exact.
			if unchanged := got[0] == want[0]; unchanged != tc.wantUnchanged {
				t.Errorf("result %v, base %v: unchanged = %v, want %v",
					got[0], want[0], unchanged, tc.wantUnchanged)
			}
		})
	}
}

func TestLogProbsPanics(t *testing.T) {
	g := NewGraph(testBackend(), "panics")
	f32 := func(dims ...int) *Node { return Zeros(g, shapes.Make(dtypes.Float32, dims...)) }
	i32 := func(dims ...int) *Node { return Zeros(g, shapes.Make(dtypes.Int32, dims...)) }
	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"logits rank 2", func() { TokenLogProbs(f32(2, 5), i32(2, 5)) },
			[]string{"policy: TokenLogProbs: logits must be a float [B, T, V]", "(Float32)[2, 5]"}},
		{"integer logits", func() { TokenLogProbs(i32(2, 5, 3), i32(2, 5)) },
			[]string{"logits must be a float [B, T, V]", "(Int32)[2, 5, 3]"}},
		{"float tokens", func() { TokenLogProbs(f32(2, 5, 3), f32(2, 5)) },
			[]string{"tokens must be an integer [B, T]", "(Float32)[2, 5]"}},
		{"B and T disagree", func() { SequenceLogProbs(f32(2, 5, 3), i32(2, 4), f32(2, 4)) },
			[]string{"policy: SequenceLogProbs:", "disagree on [B, T]", "(Float32)[2, 5, 3]",
				"(Int32)[2, 4]"}},
		{"T = 1", func() { TokenLogProbs(f32(2, 1, 3), i32(2, 1)) },
			[]string{"need T >= 2", "(Float32)[2, 1, 3]"}},
		{"mask shape", func() { SequenceLogProbs(f32(2, 5, 3), i32(2, 5), f32(2, 4)) },
			[]string{"responseMask (Float32)[2, 4] must have the dimensions of tokens (Int32)[2, 5]"}},
		{"odd pair batch", func() { SplitPairs(f32(3)) },
			[]string{"policy: SplitPairs: need a leading axis of even size 2B", "(Float32)[3]"}},
		{"scalar pair batch", func() { SplitPairs(Scalar(g, dtypes.Float32, 1)) },
			[]string{"policy: SplitPairs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.f, tc.want...) })
	}
}

func TestSplitPairs(t *testing.T) {
	// Rows 0..B-1 are chosen, B..2B-1 rejected (the order of PackPairs).
	out := MustExecOnceN(testBackend(), func(x *Node) []*Node {
		c, r := SplitPairs(x)
		return []*Node{c, r}
	}, [][]float32{{1, 1}, {2, 2}, {3, 3}, {4, 4}})
	chosen, rejected := out[0].Value().([][]float32), out[1].Value().([][]float32)
	if chosen[0][0] != 1 || chosen[1][0] != 2 || rejected[0][0] != 3 || rejected[1][0] != 4 {
		t.Errorf("SplitPairs = %v, %v; want [[1 1] [2 2]], [[3 3] [4 4]]", chosen, rejected)
	}
}

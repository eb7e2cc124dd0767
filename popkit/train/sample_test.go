package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/policy"
)

// ln returns float32 logits log(p), whose softmax is p (up to float32 rounding, about 1e-7).
func ln(p ...float64) []float32 {
	z := make([]float32, len(p))
	for i, v := range p {
		z[i] = float32(math.Log(v))
	}
	return z
}

func TestSamplerProbs(t *testing.T) {
	inf := float32(math.Inf(-1))
	// Roots of the base distribution (0.4, 0.3, 0.2, 0.1), for temperature 2: softmax(z / 2) is
	// proportional to sqrt(p).
	r4, r3, r2, r1 := math.Sqrt(0.4), math.Sqrt(0.3), math.Sqrt(0.2), math.Sqrt(0.1)
	r := r4 + r3 + r2 + r1
	cases := []struct {
		name   string
		logits []float32
		cfg    SampleConfig
		want   []float64
	}{
		// Temperature 1 keeps softmax(log p) = p.
		{"default", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{}, []float64{0.4, 0.3, 0.2, 0.1}},
		// T = 0.5: p^2 = (0.16, 0.09, 0.04, 0.01), sum 0.30.
		{"T=0.5", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{Temperature: 0.5},
			[]float64{16.0 / 30, 9.0 / 30, 4.0 / 30, 1.0 / 30}},
		// T = 2: sqrt(p) / sum sqrt(p).
		{"T=2", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{Temperature: 2},
			[]float64{r4 / r, r3 / r, r2 / r, r1 / r}},
		// T -> 0: exp((z - max) / 1e-6) underflows to 0 except at the argmax.
		{"T=1e-6", ln(0.2, 0.4, 0.3, 0.1), SampleConfig{Temperature: 1e-6},
			[]float64{0, 1, 0, 0}},
		// Top-2 keeps 0.4 and 0.3: (4/7, 3/7).
		{"top-k 2", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{TopK: 2},
			[]float64{4.0 / 7, 3.0 / 7, 0, 0}},
		// Top-k larger than the vocabulary is off.
		{"top-k 9", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{TopK: 9}, []float64{0.4, 0.3, 0.2, 0.1}},
		// Equal logits at the cut: the smaller ids are kept.
		{"top-k tie", []float32{0, 1, 1, 1}, SampleConfig{TopK: 2}, []float64{0, 0.5, 0.5, 0}},
		// Cumulative 0.4, 0.7, 0.9: 0.75 is first reached by three tokens, (4, 3, 2) / 9.
		{"top-p 0.75", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{TopP: 0.75},
			[]float64{4.0 / 9, 3.0 / 9, 2.0 / 9, 0}},
		// 0.5 is first reached by two tokens: (4, 3) / 7.
		{"top-p 0.5", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{TopP: 0.5},
			[]float64{4.0 / 7, 3.0 / 7, 0, 0}},
		// The most likely token alone already has 0.4 >= 0.3.
		{"top-p 0.3", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{TopP: 0.3}, []float64{1, 0, 0, 0}},
		// The nucleus is taken in sorted order, wherever the ids are.
		{"top-p unsorted", ln(0.1, 0.2, 0.4, 0.3), SampleConfig{TopP: 0.5},
			[]float64{0, 0, 4.0 / 7, 3.0 / 7}},
		// Top-p 1 is off.
		{"top-p 1", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{TopP: 1}, []float64{0.4, 0.3, 0.2, 0.1}},
		// Temperature comes before top-p. At T = 2 the cumulative sums are 0.325, 0.607, 0.837,
		// so 0.65 keeps three tokens, sqrt(p) renormalized over them; applied to the untempered
		// p (cumulative 0.4, 0.7) it would keep two.
		{"T=2 then top-p 0.65", ln(0.4, 0.3, 0.2, 0.1), SampleConfig{Temperature: 2, TopP: 0.65},
			[]float64{r4 / (r - r1), r3 / (r - r1), r2 / (r - r1), 0}},
		// All three: T = 0.5 gives (16, 9, 4, 1) / 30; top-3 gives (16, 9, 4) / 29, cumulative
		// 16/29 = 0.55 and 25/29 = 0.86 >= 0.8, so top-p keeps (16, 9) / 25.
		{"T, top-k, top-p", ln(0.4, 0.3, 0.2, 0.1),
			SampleConfig{Temperature: 0.5, TopK: 3, TopP: 0.8}, []float64{0.64, 0.36, 0, 0}},
		// -Inf logits get probability 0.
		{"-Inf", []float32{0, inf, 0, 0}, SampleConfig{}, []float64{1.0 / 3, 0, 1.0 / 3, 1.0 / 3}},
	}
	var s sampler
	for _, c := range cases {
		got, err := s.probs(c.logits, c.cfg.Normalized())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for id := range c.want {
			if math.Abs(got[id]-c.want[id]) > 1e-6 {
				t.Errorf("%s: probs = %.7f, want %.7f", c.name, got, c.want)
				break
			}
		}
	}
}

// TestSamplerMasksSpecialTokens gives BOS and PAD (and ids past the byte tokenizer's, in a
// larger vocabulary) the largest logits, and expects them to get probability 0 while the 256
// bytes and EOS share the mass equally: 1/257 each.
func TestSamplerMasksSpecialTokens(t *testing.T) {
	logits := make([]float32, 300)
	logits[policy.BOS], logits[policy.PAD] = 50, 50
	for id := policy.VocabSize; id < len(logits); id++ {
		logits[id] = 50
	}
	var s sampler
	p, err := s.probs(logits, SampleConfig{}.Normalized())
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range p {
		want := 1.0 / 257
		if id == policy.BOS || id == policy.PAD || id >= policy.VocabSize {
			want = 0
		}
		if math.Abs(v-want) > 1e-12 {
			t.Fatalf("p[%d] = %g, want %g", id, v, want)
		}
	}
}

func TestSamplerErrors(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	cases := []struct {
		logits []float32
		want   string
	}{
		{[]float32{0, nan, 0}, "logit of token 1 is NaN"},
		{[]float32{0, 0, inf}, "logit of token 2 is +Inf"},
		{[]float32{-inf, -inf}, "no token with a finite logit to sample"},
	}
	var s sampler
	for _, c := range cases {
		if _, err := s.probs(c.logits, SampleConfig{}.Normalized()); err == nil ||
			err.Error() != c.want {
			t.Errorf("probs(%v): error %v, want %q", c.logits, err, c.want)
		}
	}
}

// TestDrawFrequencies draws 20,000 tokens from two sampling distributions of TestSamplerProbs
// and checks every count against its binomial expectation n p, within 4.5 standard deviations
// sqrt(n p (1 - p)); tokens of probability 0 must never appear.
func TestDrawFrequencies(t *testing.T) {
	const n = 20000
	cases := []struct {
		name string
		cfg  SampleConfig
		want []float64 // from TestSamplerProbs' derivations
	}{
		{"top-k 2", SampleConfig{TopK: 2}, []float64{4.0 / 7, 3.0 / 7, 0, 0}},
		{"top-p 0.75", SampleConfig{TopP: 0.75}, []float64{4.0 / 9, 3.0 / 9, 2.0 / 9, 0}},
		{"T, top-k, top-p", SampleConfig{Temperature: 0.5, TopK: 3, TopP: 0.8},
			[]float64{0.64, 0.36, 0, 0}},
	}
	var s sampler
	for _, c := range cases {
		rng := rand.New(rand.NewPCG(1, 2))
		counts := make([]int, 4)
		for range n {
			p, err := s.probs(ln(0.4, 0.3, 0.2, 0.1), c.cfg.Normalized())
			if err != nil {
				t.Fatal(err)
			}
			counts[draw(p, rng)]++
		}
		for id, p := range c.want {
			sd := math.Sqrt(n * p * (1 - p))
			if math.Abs(float64(counts[id])-n*p) > 4.5*sd || (p == 0 && counts[id] != 0) {
				t.Errorf("%s: token %d drawn %d times in %d, want %.0f +- %.0f",
					c.name, id, counts[id], n, n*p, 4.5*sd)
			}
		}
	}
}

func TestSampleConfigValidate(t *testing.T) {
	cases := []struct {
		cfg  SampleConfig
		want string // empty: valid
	}{
		{SampleConfig{}, ""},
		{SampleConfig{Temperature: 1e-6, TopK: 1, TopP: 1, MaxNewTokens: 1, BatchSize: 1}, ""},
		{SampleConfig{Temperature: -1}, "SampleConfig.Temperature = -1, want finite and > 0"},
		{SampleConfig{Temperature: math.NaN()}, "SampleConfig.Temperature = NaN"},
		{SampleConfig{Temperature: math.Inf(1)}, "SampleConfig.Temperature = +Inf"},
		{SampleConfig{TopK: -1}, "SampleConfig.TopK = -1, want >= 0"},
		{SampleConfig{TopP: 1.5}, "SampleConfig.TopP = 1.5, want in [0, 1]"},
		{SampleConfig{TopP: -0.1}, "SampleConfig.TopP = -0.1"},
		{SampleConfig{MaxNewTokens: -2}, "SampleConfig.MaxNewTokens = -2, want > 0"},
		{SampleConfig{BatchSize: -3}, "SampleConfig.BatchSize = -3, want > 0"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", c.cfg, err)
		case c.want != "" && (!errors.Is(err, ErrInvalidSampleConfig) ||
			!strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want ErrInvalidSampleConfig with %q", c.cfg, err, c.want)
		}
	}
	err := SampleConfig{TopK: -1, TopP: 2}.Validate()
	if err == nil || strings.Count(err.Error(), "train: invalid sample config") != 2 {
		t.Errorf("two bad fields: error %v, want both reported", err)
	}
}

// scriptedLogits returns a logitsFunc for decode tests: row r gets logit 1000 on byte 'a'+k
// (k the row's length so far, mod 26) until its length reaches stopAt[r], then 1000 on EOS;
// every other id gets 0, except BOS, which gets 2000 and must never be sampled. The draw is
// therefore certain, and each sampled token has log-probability 1000 - 2000 = -1000 under the
// full softmax (the other terms, exp(-1000) and below, vanish in float64). calls counts the
// invocations.
func scriptedLogits(stopAt []int, calls *int) logitsFunc {
	return func(rows [][]int32) ([][]float32, error) {
		*calls++
		out := make([][]float32, len(rows))
		for r, row := range rows {
			z := make([]float32, policy.VocabSize)
			z[policy.BOS] = 2000
			if len(row) >= stopAt[r] {
				z[policy.EOS] = 1000
			} else {
				z['a'+len(row)%26] = 1000
			}
			out[r] = z
		}
		return out, nil
	}
}

// TestDecodeStopRules runs decode on scripted logits, one batch of rows that stop for each
// reason at different steps, and checks responses, Ended and LogProb by hand.
func TestDecodeStopRules(t *testing.T) {
	prefix := func(n int) []int32 { // BOS and n prompt bytes
		p := []int32{policy.BOS}
		for range n {
			p = append(p, 'x')
		}
		return p
	}
	cfg := SampleConfig{MaxNewTokens: 5}.Normalized()
	const maxLen = 8
	cases := []struct {
		name    string
		prefix  []int32
		stopAt  int    // row length at which EOS becomes certain
		want    string // bytes appended at lengths 3, 4, ...: 'a'+len
		ended   bool
		sampled int // tokens sampled, EOS included: LogProb = -1000 * sampled
	}{
		// Length 3: samples 'd' (len 3), 'e' (len 4), then EOS at len 5.
		{"EOS", prefix(2), 5, "de", true, 3},
		// EOS is certain at once: empty response, one token sampled.
		{"EOS first", prefix(2), 3, "", true, 1},
		// A 2-token prefix: five bytes 'c'..'g' (at lengths 2..6) reach MaxNewTokens 5 while
		// the length, 7, is still below maxLen 8.
		{"MaxNewTokens", prefix(1), 100, "cdefg", false, 5},
		// maxLen 8 with a 5-token prefix: three bytes 'f', 'g', 'h', then no room for EOS.
		{"MaxLen", prefix(4), 100, "fgh", false, 3},
	}
	prefixes := make([][]int32, len(cases))
	stopAt := make([]int, len(cases))
	rngs := make([]*rand.Rand, len(cases))
	for i, c := range cases {
		prefixes[i], stopAt[i], rngs[i] = c.prefix, c.stopAt, rowRand(0, i)
	}
	calls := 0
	gens, err := decode(prefixes, rngs, cfg, maxLen, scriptedLogits(stopAt, &calls))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		want := Generation{Response: c.want, Ended: c.ended, LogProb: -1000 * float64(c.sampled)}
		if gens[i] != want {
			t.Errorf("%s: got %+v, want %+v", c.name, gens[i], want)
		}
	}
	// The longest row samples 5 tokens, so 5 calls; decode must not call again once all rows
	// are done.
	if calls != 5 {
		t.Errorf("next called %d times, want 5", calls)
	}
	if len(prefixes[0]) != 3 {
		t.Errorf("decode changed its input prefix to %v", prefixes[0])
	}
}

// TestDecodeRowsIndependent decodes three rows with uniform logits over bytes and EOS, then
// the last row alone with the same generator, and expects the same response: a row's draws do
// not depend on the other rows of its batch.
func TestDecodeRowsIndependent(t *testing.T) {
	uniform := func(rows [][]int32) ([][]float32, error) {
		out := make([][]float32, len(rows))
		for r := range out {
			out[r] = make([]float32, policy.VocabSize)
		}
		return out, nil
	}
	cfg := SampleConfig{MaxNewTokens: 20}.Normalized()
	prefixes := [][]int32{{policy.BOS, 'a'}, {policy.BOS}, {policy.BOS, 'b', 'c'}}
	rngs := []*rand.Rand{rowRand(9, 0), rowRand(9, 1), rowRand(9, 2)}
	all, err := decode(prefixes, rngs, cfg, 64, uniform)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := decode(prefixes[2:], []*rand.Rand{rowRand(9, 2)}, cfg, 64, uniform)
	if err != nil {
		t.Fatal(err)
	}
	if all[2] != alone[0] {
		t.Errorf("row 2 in a batch: %+v; alone: %+v", all[2], alone[0])
	}
	if all[0].Response == all[1].Response {
		t.Errorf("rows 0 and 1 drew the same response %q: streams not separated", all[0].Response)
	}
}

func TestDecodeReportsBadLogits(t *testing.T) {
	nan := func(rows [][]int32) ([][]float32, error) {
		out := make([][]float32, len(rows))
		for r := range out {
			out[r] = make([]float32, policy.VocabSize)
			out[r][7] = float32(math.NaN())
		}
		return out, nil
	}
	_, err := decode([][]int32{{policy.BOS}}, []*rand.Rand{rowRand(0, 0)},
		SampleConfig{}.Normalized(), 16, nan)
	want := "row 0, response token 0: logit of token 7 is NaN"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestPromptPrefix(t *testing.T) {
	lim := policy.Limits{MaxLen: 16, MaxPromptLen: 4}
	for _, prompt := range []string{"", "ab", "abcd", "abcdefg"} {
		// The prefix must be the start of policy.Encode's sequence, up to the response.
		enc := policy.Encode(prompt, "zz", lim)
		want := enc.Tokens[:enc.Len()-3] // minus "zz" and EOS
		if got := promptPrefix(prompt, lim); !slices.Equal(got, want) {
			t.Errorf("promptPrefix(%q) = %v, want %v", prompt, got, want)
		}
	}
}

// tinyModel returns an untrained decoder small enough to sample from in well under a second.
func tinyModel(seed int64) *Model {
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, seed)
	return &Model{
		Policy: policy.Config{EmbedDim: 16, NumLayers: 1, NumHeads: 2, MaxLen: 64},
		Limits: policy.Limits{MaxLen: 48, MaxPromptLen: 24},
		Store:  store,
	}
}

// TestGenerateTinyDecoder samples from an untrained decoder (under a deadline) and checks what
// holds for any weights: the response lengths respect MaxNewTokens and Limits.MaxLen, a
// response cut without EOS has exactly the length of the bound that cut it, the same seed gives
// the same generations and another seed others, Sample returns Generate's text, LogProb agrees
// with GenerationLogProbs, and ResponseLogProbs adds an EOS term exactly when EOS fits.
func TestGenerateTinyDecoder(t *testing.T) {
	b := testBackend(t)
	m := tinyModel(3)
	prompts := []string{
		"reverse: lamp\n",
		"sort: d b a\n",
		"a prompt longer than MaxPromptLen bytes\n", // 40 bytes, keeps its last 24
		"upper: go\n",
		"",
	}
	cfg := SampleConfig{MaxNewTokens: 30, BatchSize: 3, Seed: 5} // two batches, one filled up
	deadline(t, 2*time.Minute, func() {
		gens, err := m.Generate(b, prompts, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		if len(gens) != len(prompts) {
			t.Errorf("%d generations for %d prompts", len(gens), len(prompts))
			return
		}
		for i, g := range gens {
			// Room left by Limits: MaxLen - BOS - kept prompt bytes.
			room := 48 - 1 - min(len(prompts[i]), 24)
			bound := min(cfg.MaxNewTokens, room)
			switch {
			case g.Ended && len(g.Response) >= bound:
				t.Errorf("prompt %d: ended with %d bytes, want < %d", i, len(g.Response), bound)
			case !g.Ended && len(g.Response) != bound:
				t.Errorf("prompt %d: cut at %d bytes, want the bound %d", i, len(g.Response), bound)
			case !(g.LogProb < 0) || math.IsInf(g.LogProb, 0):
				t.Errorf("prompt %d: LogProb %g, want finite and negative", i, g.LogProb)
			}
		}

		again, err := m.Generate(b, prompts, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		if !slices.Equal(gens, again) {
			t.Errorf("same seed, different generations:\n%+v\n%+v", gens, again)
		}
		other, err := m.Generate(b, prompts, SampleConfig{MaxNewTokens: 30, BatchSize: 3, Seed: 6})
		if err != nil {
			t.Error(err)
			return
		}
		if slices.Equal(gens, other) {
			t.Error("seeds 5 and 6 gave the same generations")
		}
		texts, err := m.Sample(b, prompts, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		for i := range texts {
			if texts[i] != gens[i].Response {
				t.Errorf("Sample[%d] = %q, Generate gave %q", i, texts[i], gens[i].Response)
			}
		}

		scored, err := m.GenerationLogProbs(b, prompts, gens)
		if err != nil {
			t.Error(err)
			return
		}
		complete, err := m.ResponseLogProbs(b, prompts, texts)
		if err != nil {
			t.Error(err)
			return
		}
		for i, g := range gens {
			// Host float64 sums of float32 logits against the graph's float32 sums over up to
			// 30 tokens.
			if math.Abs(scored[i]-g.LogProb) > 2e-3 {
				t.Errorf("prompt %d: GenerationLogProbs %g, sampling-time LogProb %g",
					i, scored[i], g.LogProb)
			}
			// Cut by MaxNewTokens, the EOS still fits and ResponseLogProbs adds its (negative)
			// log-probability; ended, or cut by Limits.MaxLen, both score the same tokens.
			room := 48 - 1 - min(len(prompts[i]), 24)
			addsEOS := !g.Ended && len(g.Response) < room
			if addsEOS && !(complete[i] < scored[i]-1e-3) {
				t.Errorf("prompt %d: ResponseLogProbs %g, want below %g (EOS term)",
					i, complete[i], scored[i])
			}
			if !addsEOS && math.Abs(complete[i]-scored[i]) > 1e-5 {
				t.Errorf("prompt %d: ResponseLogProbs %g, GenerationLogProbs %g, want equal",
					i, complete[i], scored[i])
			}
		}
	})
}

func TestSamplingInputErrors(t *testing.T) {
	m := tinyModel(1)
	bigLimits := *m
	bigLimits.Limits.MaxLen = 128
	noStore := *m
	noStore.Store = nil
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"Generate config", func() error {
			_, err := m.Generate(nil, []string{"x"}, SampleConfig{TopK: -1})
			return err
		}, "train: invalid sample config: SampleConfig.TopK = -1, want >= 0 (0 means off)"},
		{"Generate limits", func() error {
			_, err := bigLimits.Generate(nil, []string{"x"}, SampleConfig{})
			return err
		}, "train: Limits.MaxLen 128 exceeds the decoder's MaxLen 64"},
		{"Generate store", func() error {
			_, err := noStore.Generate(nil, []string{"x"}, SampleConfig{})
			return err
		}, "train: model has no Store"},
		{"ResponseLogProbs lengths", func() error {
			_, err := m.ResponseLogProbs(nil, []string{"x", "y"}, []string{"z"})
			return err
		}, "train: 2 prompts but 1 responses"},
		{"GenerationLogProbs lengths", func() error {
			_, err := m.GenerationLogProbs(nil, []string{"x"}, nil)
			return err
		}, "train: 1 prompts but 0 generations"},
		// Limits{48, 24}: a 2-byte prompt leaves room for 45 response tokens. 45 bytes that
		// ended need 46; 46 bytes that did not end are cut to 45.
		{"GenerationLogProbs ended too long", func() error {
			_, err := m.GenerationLogProbs(nil, []string{"xy"},
				[]Generation{{Response: strings.Repeat("a", 45), Ended: true}})
			return err
		}, "train: generation 0 (45 response bytes, ended true) does not fit " +
			"Limits{MaxLen: 48, MaxPromptLen: 24}: only 45 of its 46 tokens can be scored"},
		{"GenerationLogProbs cut too long", func() error {
			_, err := m.GenerationLogProbs(nil, []string{"xy"},
				[]Generation{{Response: strings.Repeat("a", 46)}})
			return err
		}, "train: generation 0 (46 response bytes, ended false) does not fit " +
			"Limits{MaxLen: 48, MaxPromptLen: 24}: only 45 of its 46 tokens can be scored"},
	}
	for _, c := range cases {
		if err := c.call(); err == nil || err.Error() != c.want {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if gens, err := m.Generate(nil, nil, SampleConfig{}); gens != nil || err != nil {
		t.Errorf("no prompts: got %v, %v; want nil, nil", gens, err)
	}
}

// ExampleModel_Generate samples from an untrained toy decoder: the text is noise, but the
// generations are reproducible for a seed, bounded by MaxNewTokens, and their sampling-time
// log-probabilities agree with a separate scoring pass.
func ExampleModel_Generate() {
	b, err := backend.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(1))
	m := &Model{
		Policy: policy.Config{EmbedDim: 16, NumLayers: 1, NumHeads: 2, MaxLen: 64},
		Limits: policy.Limits{MaxLen: 64, MaxPromptLen: 24},
		Store:  store,
	}
	prompts := []string{"reverse: lamp\n", "upper: go\n"}
	cfg := SampleConfig{MaxNewTokens: 8, Seed: 7}

	gens, err := m.Generate(b, prompts, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, _ := m.Generate(b, prompts, cfg)
	logp, err := m.GenerationLogProbs(b, prompts, gens)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, g := range gens {
		fmt.Printf("prompt %d: %d bytes, ended %t, same again %t, log-probs agree %t\n",
			i, len(g.Response), g.Ended, g == again[i], math.Abs(g.LogProb-logp[i]) < 1e-3)
	}
	// Output:
	// prompt 0: 8 bytes, ended false, same again true, log-probs agree true
	// prompt 1: 8 bytes, ended false, same again true, log-probs agree true
}

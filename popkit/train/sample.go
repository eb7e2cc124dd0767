package train

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/policy"
)

// ErrInvalidSampleConfig is wrapped by the errors of [SampleConfig.Validate].
var ErrInvalidSampleConfig = errors.New("train: invalid sample config")

// SampleConfig controls [Model.Generate] and [Model.Sample]. The zero value of each field means
// its default.
type SampleConfig struct {
	// Temperature divides the logits before the softmax: below 1 it sharpens the distribution
	// towards the most likely token, above 1 it flattens it. Default 1, the policy's own
	// distribution. It must be positive; a tiny value such as 1e-6 gives greedy (argmax)
	// decoding.
	Temperature float64
	// TopK, when positive, keeps only the TopK most likely tokens (ties at the cut are broken
	// towards the smaller token id). Default 0: off.
	TopK int
	// TopP, when in (0, 1), keeps the nucleus: the fewest most likely tokens whose probability
	// sums to at least TopP (ties broken towards the smaller token id). Default 0: off; 1 is
	// also off.
	TopP float64
	// MaxNewTokens is the most tokens sampled per prompt, EOS included: a response has at most
	// MaxNewTokens bytes, and MaxNewTokens-1 when it ends with EOS. Default 64.
	MaxNewTokens int
	// BatchSize is the number of prompts decoded together in one batch. Default 64.
	BatchSize int
	// Seed fixes the draws. Zero is a valid seed.
	Seed uint64
}

// Defaults of [SampleConfig] fields.
const (
	DefaultTemperature     = 1.0
	DefaultMaxNewTokens    = 64
	DefaultSampleBatchSize = 64
)

// Normalized returns c with every zero field replaced by its default.
func (c SampleConfig) Normalized() SampleConfig {
	if c.Temperature == 0 {
		c.Temperature = DefaultTemperature
	}
	if c.MaxNewTokens == 0 {
		c.MaxNewTokens = DefaultMaxNewTokens
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultSampleBatchSize
	}
	return c
}

// Validate checks the normalized config and returns every problem found, joined; each error
// wraps [ErrInvalidSampleConfig] and names the field. Rules: Temperature finite and positive;
// TopK >= 0; TopP in [0, 1]; MaxNewTokens and BatchSize positive.
func (c SampleConfig) Validate() error {
	c = c.Normalized()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidSampleConfig},
			args...)...))
	}
	if !(c.Temperature > 0) || math.IsInf(c.Temperature, 0) {
		bad("SampleConfig.Temperature = %g, want finite and > 0 (0 means the default %g)",
			c.Temperature, DefaultTemperature)
	}
	if c.TopK < 0 {
		bad("SampleConfig.TopK = %d, want >= 0 (0 means off)", c.TopK)
	}
	if !(c.TopP >= 0 && c.TopP <= 1) {
		bad("SampleConfig.TopP = %g, want in [0, 1] (0 means off)", c.TopP)
	}
	if c.MaxNewTokens < 0 {
		bad("SampleConfig.MaxNewTokens = %d, want > 0 (0 means the default %d)",
			c.MaxNewTokens, DefaultMaxNewTokens)
	}
	if c.BatchSize < 0 {
		bad("SampleConfig.BatchSize = %d, want > 0 (0 means the default %d)",
			c.BatchSize, DefaultSampleBatchSize)
	}
	return errors.Join(errs...)
}

// Generation is one sampled response.
type Generation struct {
	// Response is the sampled text: the sampled bytes, without the EOS (see [policy.Decode]).
	Response string
	// Ended is true when the response ended by sampling EOS, and false when it was cut by
	// SampleConfig.MaxNewTokens or by the model's Limits.MaxLen.
	Ended bool
	// LogProb is log pi(y|x) of exactly the sampled tokens under the model's own distribution
	// (temperature 1, no top-k or top-p, softmax over the whole vocabulary):
	//
	//	LogProb = sum_t log softmax(logits_t)[y_t],   t over the response bytes, and EOS if Ended
	//
	// It equals [Model.GenerationLogProbs] of the same model up to float32 rounding, at no
	// extra cost: the policy's half of a per-sequence KL estimate.
	LogProb float64
}

// Sample draws one response per prompt from m and returns the responses' text; it is
// [Model.Generate] without the Ended flags and log-probabilities.
func (m *Model) Sample(backend compute.Backend, prompts []string, cfg SampleConfig) (
	responses []string, err error) {
	gens, err := m.Generate(backend, prompts, cfg)
	if err != nil {
		return nil, err
	}
	responses = make([]string, len(gens))
	for i, g := range gens {
		responses[i] = g.Response
	}
	return responses, nil
}

// Generate draws one response per prompt from m by ancestral sampling. Each prompt is encoded
// as [policy.Encode] does, BOS then its last Limits.MaxPromptLen bytes, and then, one token per
// step,
//
//	z = logits of the next token, at the row's last real position
//	p = softmax(z / Temperature) over the 256 bytes and EOS (BOS and PAD are never sampled)
//	p = p restricted to its TopK largest entries, renormalized            (if TopK > 0)
//	p = p restricted to its nucleus of mass TopP, renormalized            (if 0 < TopP < 1)
//	y_t ~ p
//
// until the row samples EOS, has sampled cfg.MaxNewTokens tokens, or reaches Limits.MaxLen
// tokens (BOS, prompt and response; no room is left for an EOS, so [policy.Encode] cuts the
// same response in the same place). The order temperature, top-k, top-p is the usual one
// (Hugging Face's). Because BOS and PAD are masked, samples come from pi renormalized over the
// bytes and EOS, which differs from pi by the probability pi puts on BOS and PAD (next to 0
// for a trained policy, about 2/259 per token for an untrained one).
//
// Prompts are decoded cfg.BatchSize at a time: at each step the decoder runs on the whole
// batch [B, L] of right-padded rows, L the longest row rounded up to a multiple of
// [PadMultiple], so one compiled graph serves up to PadMultiple steps, and a short last batch
// is filled with copies of its first prompt. The draws are made on the host with a PCG
// generator per prompt, seeded from cfg.Seed and the prompt's index, so the result is
// deterministic for a seed and a prompt's response does not depend on the other prompts of the
// call (up to floating-point differences in the logits of differently padded batches).
//
// Decoding keeps a key-value cache (policy.Config.Prefill and policy.Config.DecodeStep): the
// prompts run once, padded to the longest rounded up to a multiple of [PadMultiple], and each
// later step runs one position per row against the cached keys and values, so a response of
// n tokens costs one prompt pass plus n single-position steps instead of n passes over the
// whole prefix. Cached and uncached decoding compute the same logits up to float32 rounding
// (the package tests check that they sample the same tokens).
//
// Generate returns an error for an invalid cfg, for a model whose config, limits or store are
// unusable (see [policy.Config.Validate], [policy.Limits.Validate]; Limits.MaxLen must not
// exceed the decoder's MaxLen), for non-finite logits, and for errors of the backend. No
// prompts give no generations and no error.
func (m *Model) Generate(backend compute.Backend, prompts []string, cfg SampleConfig) (
	[]Generation, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	if len(prompts) == 0 {
		return nil, nil
	}
	return m.generate(backend, prompts, cfg, true)
}

// generate is [Model.Generate] for a valid cfg and model, decoding with the key-value cache
// when cached is true and by recomputing every prefix otherwise.
func (m *Model) generate(backend compute.Backend, prompts []string, cfg SampleConfig,
	cached bool) ([]Generation, error) {
	lim := m.Limits.Normalized()
	var next logitsFunc
	reset := func() {}
	if cached {
		dec, err := newCachedDecoder(backend, m, cfg.BatchSize, lim.MaxLen, cfg.MaxNewTokens)
		if err != nil {
			return nil, err
		}
		defer dec.Finalize()
		next, reset = dec.next, dec.reset
	} else {
		exec, err := model.NewExec(backend, m.Store,
			func(scope *model.Scope, tokens, last *Node) *Node {
				return m.lastLogits(scope, tokens, last)
			})
		if err != nil {
			return nil, fmt.Errorf("train: building the sampling graph: %w", err)
		}
		defer exec.Finalize()
		next = func(rows [][]int32) ([][]float32, error) {
			return nextLogits(exec, rows, cfg.BatchSize, lim.MaxLen)
		}
	}

	gens := make([]Generation, 0, len(prompts))
	for start := 0; start < len(prompts); start += cfg.BatchSize {
		end := min(start+cfg.BatchSize, len(prompts))
		prefixes := make([][]int32, end-start)
		rngs := make([]*rand.Rand, end-start)
		for i := start; i < end; i++ {
			prefixes[i-start] = promptPrefix(prompts[i], lim)
			rngs[i-start] = rowRand(cfg.Seed, i)
		}
		reset()
		batch, err := decode(prefixes, rngs, cfg, lim.MaxLen, next)
		if err != nil {
			return nil, fmt.Errorf("train: sampling prompts %d-%d: %w", start, end-1, err)
		}
		gens = append(gens, batch...)
	}
	return gens, nil
}

// ResponseLogProbs returns log pi(y|x) under m of each (prompt, response) pair, summed over the
// response tokens: the response bytes and, when [policy.Encode] keeps it (the response was not
// cut to fit Limits), the EOS. This scores responses as complete texts. For responses of
// [Model.Generate] that were cut without EOS, use [Model.GenerationLogProbs], which scores
// exactly the sampled tokens.
//
// It returns an error when the slices differ in length, for an unusable model (as
// [Model.Generate]) and for errors of the backend.
func (m *Model) ResponseLogProbs(backend compute.Backend, prompts, responses []string) (
	[]float64, error) {
	if len(prompts) != len(responses) {
		return nil, fmt.Errorf("train: %d prompts but %d responses", len(prompts), len(responses))
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	lim := m.Limits.Normalized()
	rows := make([]policy.Encoded, len(prompts))
	for i := range rows {
		rows[i] = policy.Encode(prompts[i], responses[i], lim)
	}
	return m.scoreRows(backend, rows, scoreBatchRows)
}

// GenerationLogProbs returns log pi(y|x) under m of the sampled tokens of each generation: the
// response bytes, plus the EOS when the generation Ended. It is the quantity of
// [Generation.LogProb], computed for any model (typically the reference, for the per-sequence
// KL estimate log pi(y|x) - log pi_ref(y|x) of samples y ~ pi).
//
// It returns an error when the slices differ in length, when a generation does not fit m's
// Limits (its response bytes, and its EOS if it Ended, would be cut by [policy.Encode]: it was
// sampled under other limits), for an unusable model (as [Model.Generate]) and for errors of the
// backend.
func (m *Model) GenerationLogProbs(backend compute.Backend, prompts []string, gens []Generation) (
	[]float64, error) {
	if len(prompts) != len(gens) {
		return nil, fmt.Errorf("train: %d prompts but %d generations", len(prompts), len(gens))
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	lim := m.Limits.Normalized()
	rows := make([]policy.Encoded, len(prompts))
	for i, g := range gens {
		e := policy.Encode(prompts[i], g.Response, lim)
		if n := e.Len(); !g.Ended && e.Tokens[n-1] == policy.EOS {
			e.Tokens, e.Response = e.Tokens[:n-1], e.Response[:n-1]
		}
		scored, want := 0, len(g.Response)
		for _, v := range e.Response {
			if v != 0 {
				scored++
			}
		}
		if g.Ended {
			want++
		}
		if scored != want {
			return nil, fmt.Errorf("train: generation %d (%d response bytes, ended %t) does not "+
				"fit Limits{MaxLen: %d, MaxPromptLen: %d}: only %d of its %d tokens can be scored",
				i, len(g.Response), g.Ended, lim.MaxLen, lim.MaxPromptLen, scored, want)
		}
		rows[i] = e
	}
	return m.scoreRows(backend, rows, scoreBatchRows)
}

// scoreBatchRows is the number of sequences per forward pass of [Model.ResponseLogProbs] and
// [Model.GenerationLogProbs], the 2 x 16 rows of [Model.LogProbs]' default.
const scoreBatchRows = 32

// validate reports a model that cannot run: invalid config or limits, limits longer than the
// decoder accepts, or no store.
func (m *Model) validate() error {
	if m.Store == nil {
		return errors.New("train: model has no Store")
	}
	if m.Network != nil {
		return ErrNotByteDecoder
	}
	if err := m.Policy.Validate(); err != nil {
		return err
	}
	if err := m.Limits.Validate(); err != nil {
		return err
	}
	if lim, pol := m.Limits.Normalized(), m.Policy.Normalized(); lim.MaxLen > pol.MaxLen {
		return fmt.Errorf("train: Limits.MaxLen %d exceeds the decoder's MaxLen %d",
			lim.MaxLen, pol.MaxLen)
	}
	return nil
}

// lastLogits runs the policy on right-padded rows and returns the next-token logits at each
// row's last real position:
//
//	tokens [B, L] integer, last [B] int32 (position of each row's last real token)
//	out[b, :] = Logits(tokens)[b, last[b], :]    [B, VocabSize] float32
func (m *Model) lastLogits(scope *model.Scope, tokens, last *Node) *Node {
	if last.Rank() != 1 || last.Shape().Dim(0) != tokens.Shape().Dim(0) {
		panic(fmt.Errorf("train: lastLogits: last %s must be [B] for tokens %s",
			last.Shape(), tokens.Shape()))
	}
	return gatherLast(m.Policy.Logits(scope.In(PolicyScope), tokens), last)
}

// longestRow returns the length of the longest of rows.
func longestRow(rows [][]int32) int {
	longest := 0
	for _, r := range rows {
		longest = max(longest, len(r))
	}
	return longest
}

// padRows packs rows into a flat [batchRows, length] batch, each row right-padded with PAD and
// filler rows (beyond len(rows)) copying rows[0], and returns it with the index of each row's
// last token.
func padRows(rows [][]int32, batchRows, length int) (tok, last []int32) {
	tok = make([]int32, batchRows*length)
	last = make([]int32, batchRows)
	for k := range batchRows {
		r := rows[0]
		if k < len(rows) {
			r = rows[k]
		}
		row := tok[k*length : (k+1)*length]
		copy(row, r)
		for t := len(r); t < length; t++ {
			row[t] = policy.PAD
		}
		last[k] = int32(len(r) - 1)
	}
	return tok, last
}

// nextLogits packs rows into a [batchRows, L] batch (right-padded with PAD, filler rows copying
// rows[0], L the longest row rounded up to a multiple of PadMultiple and at most maxLen), runs
// exec, and returns the logits at the last token of each of the given rows.
func nextLogits(exec *model.Exec, rows [][]int32, batchRows, maxLen int) ([][]float32, error) {
	length := bucketLength(longestRow(rows), maxLen)
	tok, last := padRows(rows, batchRows, length)
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(tok, batchRows, length),
		tensors.FromValue(last))
	if err != nil {
		return nil, err
	}
	flat := tensors.MustCopyFlatData[float32](out[0])
	vocab := out[0].Shape().Dim(1)
	out[0].FinalizeAll()
	logits := make([][]float32, len(rows))
	for k := range logits {
		logits[k] = flat[k*vocab : (k+1)*vocab]
	}
	return logits, nil
}

// promptPrefix returns the tokens BOS, prompt bytes, with the prompt cut to its last
// lim.MaxPromptLen bytes: the start of [policy.Encode]'s sequence for this prompt.
func promptPrefix(prompt string, lim policy.Limits) []int32 {
	if len(prompt) > lim.MaxPromptLen {
		prompt = prompt[len(prompt)-lim.MaxPromptLen:]
	}
	prefix := make([]int32, 0, 1+len(prompt))
	prefix = append(prefix, policy.BOS)
	for i := 0; i < len(prompt); i++ {
		prefix = append(prefix, int32(prompt[i]))
	}
	return prefix
}

// sampleStream separates the prompts' random streams from other users of the same seed.
const sampleStream = 0x73616d706c65 // "sample"

// rowRand returns the random generator of prompt i: PCG seeded with seed and a hash of i.
func rowRand(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, splitMix64(sampleStream^uint64(i))))
}

// splitMix64 is the output function of Vigna's SplitMix64 generator, a bijective mixer that
// sends nearby inputs to unrelated outputs.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// logitsFunc returns the next-token logits of each row, given the rows' tokens so far.
type logitsFunc func(rows [][]int32) ([][]float32, error)

// decode extends each prefix by sampled tokens until it ends (see [Model.Generate] for the stop
// rules) and returns the generations. rngs[i] draws row i's tokens; next gives the logits.
func decode(prefixes [][]int32, rngs []*rand.Rand, cfg SampleConfig, maxLen int,
	next logitsFunc) ([]Generation, error) {
	rows := make([][]int32, len(prefixes))
	for i, p := range prefixes {
		rows[i] = slices.Clone(p)
	}
	gens := make([]Generation, len(rows))
	done := make([]bool, len(rows))
	sampled := make([]int, len(rows))
	var s sampler
	for slices.Contains(done, false) {
		logits, err := next(rows)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			if done[i] {
				continue
			}
			probs, err := s.probs(logits[i], cfg)
			if err != nil {
				return nil, fmt.Errorf("row %d, response token %d: %w", i, sampled[i], err)
			}
			tok := draw(probs, rngs[i])
			gens[i].LogProb += logSoftmaxAt(logits[i], tok)
			sampled[i]++
			if tok == policy.EOS {
				gens[i].Ended, done[i] = true, true
				continue
			}
			rows[i] = append(rows[i], int32(tok))
			done[i] = sampled[i] >= cfg.MaxNewTokens || len(rows[i]) >= maxLen
		}
	}
	for i := range gens {
		gens[i].Response = policy.Decode(rows[i][len(prefixes[i]):])
	}
	return gens, nil
}

// sampleable reports whether token id may be sampled: a byte or EOS.
func sampleable(id int) bool { return id < 256 || id == policy.EOS }

// sampler holds scratch space for [sampler.probs].
type sampler struct {
	p     []float64
	order []int
}

// probs returns the sampling distribution of one step over the ids of logits (see
// [Model.Generate]): ids that are not [sampleable] get 0; the others get softmax(z /
// Temperature), restricted to the TopK largest and then to the TopP nucleus, renormalized. The
// slice is reused by the next call. A logit of -Inf gets probability 0; a NaN or +Inf logit,
// or no sampleable id with a finite logit, is an error.
func (s *sampler) probs(logits []float32, cfg SampleConfig) ([]float64, error) {
	s.p = slices.Grow(s.p[:0], len(logits))[:len(logits)]
	s.order = s.order[:0]
	top := math.Inf(-1)
	for id, z := range logits {
		if math.IsNaN(float64(z)) || math.IsInf(float64(z), 1) {
			return nil, fmt.Errorf("logit of token %d is %g", id, z)
		}
		if sampleable(id) {
			top = max(top, float64(z))
		}
	}
	if math.IsInf(top, -1) {
		return nil, errors.New("no token with a finite logit to sample")
	}

	// Temperature: weights exp((z - max z) / T), largest 1, so none overflows.
	for id, z := range logits {
		s.p[id] = 0
		if sampleable(id) {
			if w := math.Exp((float64(z) - top) / cfg.Temperature); w > 0 {
				s.p[id] = w
				s.order = append(s.order, id)
			}
		}
	}
	slices.SortStableFunc(s.order, func(a, b int) int { return cmp.Compare(s.p[b], s.p[a]) })

	// Top-k, then top-p on the renormalized survivors; order stays sorted by decreasing weight.
	if cfg.TopK > 0 && cfg.TopK < len(s.order) {
		s.keep(cfg.TopK)
	}
	total := s.normalize()
	if cfg.TopP > 0 && cfg.TopP < 1 {
		cum, n := 0.0, 0
		for n < len(s.order) && cum < cfg.TopP*total {
			cum += s.p[s.order[n]]
			n++
		}
		s.keep(n)
		s.normalize()
	}
	return s.p, nil
}

// keep zeroes the weights of all but the first n ids of s.order.
func (s *sampler) keep(n int) {
	for _, id := range s.order[n:] {
		s.p[id] = 0
	}
	s.order = s.order[:n]
}

// normalize divides the weights by their sum and returns the sum of the normalized weights.
func (s *sampler) normalize() float64 {
	sum := 0.0
	for _, id := range s.order {
		sum += s.p[id]
	}
	total := 0.0
	for _, id := range s.order {
		s.p[id] /= sum
		total += s.p[id]
	}
	return total
}

// draw returns an id with probability probs[id] (probs sums to 1 up to rounding): the first id
// whose cumulative probability exceeds a uniform draw, or the last id with positive
// probability if rounding leaves the draw beyond the total.
func draw(probs []float64, rng *rand.Rand) int {
	u := rng.Float64()
	cum, last := 0.0, 0
	for id, p := range probs {
		if p <= 0 {
			continue
		}
		cum += p
		last = id
		if u < cum {
			return id
		}
	}
	return last
}

// logSoftmaxAt returns log softmax(logits)[id] over all ids, in float64:
//
//	z[id] - max z - log sum_j exp(z[j] - max z)
func logSoftmaxAt(logits []float32, id int) float64 {
	top := math.Inf(-1)
	for _, z := range logits {
		top = max(top, float64(z))
	}
	sum := 0.0
	for _, z := range logits {
		sum += math.Exp(float64(z) - top)
	}
	return float64(logits[id]) - top - math.Log(sum)
}

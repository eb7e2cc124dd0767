package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// Binarization is the rule that turns a prompt's rated candidates into one preference pair.
type Binarization int

const (
	// BestVsRandom takes the highest-rated candidate as chosen and a uniformly random other
	// candidate as rejected: the rule of the binarized UltraFeedback dataset
	// (HuggingFaceH4/ultrafeedback_binarized, from which trl-lib's copy and the shared sample
	// come). The default.
	BestVsRandom Binarization = iota
	// BestVsWorst takes the highest-rated candidate as chosen and the lowest-rated one as
	// rejected, the rule that maximizes the rating margin.
	BestVsWorst
)

// binarizationNames are the names of the rules, indexed by Binarization.
var binarizationNames = [...]string{BestVsRandom: "best-vs-random", BestVsWorst: "best-vs-worst"}

// BinarizationNames lists the valid rule names, in the order of the constants.
func BinarizationNames() []string { return append([]string(nil), binarizationNames[:]...) }

// String returns the rule's name ("best-vs-random", "best-vs-worst").
func (b Binarization) String() string {
	if b < 0 || int(b) >= len(binarizationNames) {
		return fmt.Sprintf("Binarization(%d)", int(b))
	}
	return binarizationNames[b]
}

// ParseBinarization returns the rule with the given name.
func ParseBinarization(name string) (Binarization, error) {
	for i, n := range binarizationNames {
		if n == name {
			return Binarization(i), nil
		}
	}
	return 0, fmt.Errorf("synth: unknown binarization %q (valid: %s)", name,
		strings.Join(binarizationNames[:], ", "))
}

// Defaults used for zero fields of [Config], and bounds checked by [Config.Validate].
const (
	// DefaultPrompts is the number of prompts, the size of the shared UltraFeedback sample.
	DefaultPrompts = 1000
	// DefaultCandidates is the number of responses per prompt, as in UltraFeedback.
	DefaultCandidates = 4
	// DefaultRatingNoise is the standard deviation of the rating noise, in rating points.
	DefaultRatingNoise = 0.8
	// NoRatingNoise, given as Config.RatingNoise, asks for ratings without noise (0 means the
	// default).
	NoRatingNoise = -1.0

	// MaxPrompts bounds Config.Prompts.
	MaxPrompts = 1_000_000
	// MaxCandidates bounds Config.Candidates.
	MaxCandidates = 64
	// MaxRatingNoise bounds Config.RatingNoise, in rating points.
	MaxRatingNoise = 10.0
)

// ErrInvalidConfig is wrapped by the errors of [Config.Validate] and [Generate].
var ErrInvalidConfig = errors.New("synth: invalid config")

// Config describes a synthetic world. The zero value means the defaults.
type Config struct {
	// Prompts is the number of prompts, hence of preference pairs, in [1, MaxPrompts].
	// Default 1000 (the size of the shared UltraFeedback sample).
	Prompts int
	// Candidates is the number of responses per prompt, in [2, MaxCandidates]. Default 4, as
	// in UltraFeedback.
	Candidates int
	// RatingNoise is the standard deviation, in rating points, of the Gaussian noise added to
	// each rating before rounding, in [0, MaxRatingNoise]. Default 0.8. Give NoRatingNoise
	// (any negative value) for none.
	RatingNoise float64
	// Binarize is the rule that picks each prompt's pair. Default BestVsRandom.
	Binarize Binarization
	// Seed selects the world; 0 is a seed like any other.
	Seed uint64
}

// Normalized returns c with zero fields replaced by their defaults and a negative RatingNoise
// replaced by 0.
func (c Config) Normalized() Config {
	if c.Prompts == 0 {
		c.Prompts = DefaultPrompts
	}
	if c.Candidates == 0 {
		c.Candidates = DefaultCandidates
	}
	switch {
	case c.RatingNoise == 0:
		c.RatingNoise = DefaultRatingNoise
	case c.RatingNoise < 0:
		c.RatingNoise = 0
	}
	return c
}

// Validate reports whether the normalized config is usable. Errors wrap [ErrInvalidConfig]
// and name the field.
func (c Config) Validate() error {
	n := c.Normalized()
	switch {
	case n.Prompts < 1 || n.Prompts > MaxPrompts:
		return fmt.Errorf("%w: Config.Prompts = %d, want 1..%d (0 means the default %d)",
			ErrInvalidConfig, c.Prompts, MaxPrompts, DefaultPrompts)
	case n.Candidates < 2 || n.Candidates > MaxCandidates:
		return fmt.Errorf("%w: Config.Candidates = %d, want 2..%d (0 means the default %d)",
			ErrInvalidConfig, c.Candidates, MaxCandidates, DefaultCandidates)
	case math.IsNaN(n.RatingNoise) || n.RatingNoise > MaxRatingNoise:
		return fmt.Errorf("%w: Config.RatingNoise = %g, want at most %g rating points "+
			"(0 means the default %g, a negative value no noise)",
			ErrInvalidConfig, c.RatingNoise, MaxRatingNoise, DefaultRatingNoise)
	case n.Binarize < 0 || int(n.Binarize) >= len(binarizationNames):
		return fmt.Errorf("%w: Config.Binarize = %d, want one of %s", ErrInvalidConfig,
			int(c.Binarize), strings.Join(binarizationNames[:], ", "))
	}
	return nil
}

// Rating scale of the candidates: UltraFeedback's 1-10 overall scores, in steps of a half.
const (
	// RatingMin is the lowest rating.
	RatingMin = 1.0
	// RatingMax is the highest rating.
	RatingMax = 10.0
	// RatingStep is the resolution of the ratings: every rating is a multiple of it.
	RatingStep = 0.5
	// RatingPerfect is the noiseless rating of a perfect response (r* = 1).
	RatingPerfect = 9.0
)

// Rating is the monotone map from gold reward to rating, before noise and rounding:
//
//	rating(r) = 1 + 8 r^(1/8)        r in [0, 1], rating in [1, 9]
//
// It plays a lenient grader, as UltraFeedback's GPT-4 annotator is: any answer that gets
// something right lands high on the scale (r = 0.1 rates 7, r = 0.34 rates 8, one typo in a
// five-letter answer 8.8), the empty answer rates 1, and the scale separates answers mostly near
// the top. A perfect response maps to [RatingPerfect] = 9, not 10, so that ratings of 9.5 and
// 10 come only from noise and stay rare, as in the shared UltraFeedback sample, where 15 of
// 1,000 chosen responses score above 9. A candidate's rating is
//
//	round_half(rating(r*) + eps),   eps ~ N(0, RatingNoise^2),
//
// clipped to [RatingMin, RatingMax], where round_half rounds to the nearest multiple of
// RatingStep, halves away from zero. The map, its exponent and the constants are our own
// choice, tuned with the hidden models so that rating margins resemble UltraFeedback's (see
// the package documentation).
func Rating(r float64) float64 {
	return RatingMin + (RatingPerfect-RatingMin)*math.Pow(r, ratingExponent)
}

// ratingExponent is the exponent of the reward in [Rating].
const ratingExponent = 1.0 / 8

// noisyRating returns the rating of a candidate with gold reward r.
func noisyRating(r, sd float64, rng *rand.Rand) float64 {
	v := roundHalf(Rating(r) + sd*rng.NormFloat64())
	return math.Min(RatingMax, math.Max(RatingMin, v))
}

// roundHalf rounds v to the nearest multiple of RatingStep, halves away from zero.
func roundHalf(v float64) float64 {
	return math.Round(v/RatingStep) * RatingStep
}

// Candidate is one response to a prompt, with its gold reward and its rating.
type Candidate struct {
	// Model is the name of the hidden model that wrote the response (see [ModelNames]).
	Model string
	// Response is the text.
	Response string
	// Reward is the gold reward r* of the response, with its parts.
	Reward Reward
	// Rating is the noisy rating on the 1-10 scale, a multiple of RatingStep.
	Rating float64
}

// Item is one prompt of the world with all its candidates and the pair drawn from them.
type Item struct {
	Prompt
	// Candidates holds the responses, Config.Candidates of them.
	Candidates []Candidate
	// Chosen and Rejected index the candidates of the item's preference pair.
	Chosen, Rejected int
}

// World is a generated synthetic preference data set with its gold reward.
type World struct {
	// Config is the configuration, normalized (defaults filled in).
	Config Config
	// Items holds the prompts with their candidates, one per pair.
	Items []Item
	// Pairs holds one preference pair per item, in the same order. Pair i has ID "synth-i",
	// the item's prompt, the chosen and rejected responses and their ratings, so its margin
	// ScoreChosen - ScoreRejected is the noisy rating gap (0 for a tie).
	Pairs []prefdata.Pair
	// GoldGap holds, for each pair, the gold-reward gap of its responses,
	//
	//	GoldGap[i] = r*(x_i, chosen_i) - r*(x_i, rejected_i)     in [-1, 1]
	//
	// the exact strength of the preference. It is negative where rating noise ranked the
	// worse response first, and may be nonzero for a tie.
	GoldGap []float64
}

// Seed streams: the second PCG seed word of each random stream, the stream's name in ASCII,
// so that the streams of one seed are independent and a change to one part of the generation
// leaves the others unchanged.
const (
	streamPrompts   = 0x70726f6d707473   // "prompts"
	streamResponses = 0x726573706f6e7365 // "response"
	streamRatings   = 0x726174696e6773   // "ratings"
	streamBinarize  = 0x62696e6172697a65 // "binarize"
	streamHeldOut   = 0x68656c646f7574   // "heldout"
)

// newRand returns the random stream named by stream for seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Generate builds the world that cfg describes, deterministically: the same cfg gives the
// same world. The steps (see the package documentation):
//
//  1. draw cfg.Prompts distinct prompts;
//  2. have cfg.Candidates hidden models answer each, and score every response with r*;
//  3. rate every response on the 1-10 scale with noise;
//  4. binarize each prompt's candidates into one pair.
//
// Each step draws from its own random stream, so worlds that differ only in RatingNoise have
// the same responses, and worlds that differ only in Binarize have the same ratings. A world
// with fewer prompts is a prefix of one with more, all else equal. An invalid cfg gives an
// error wrapping [ErrInvalidConfig].
func Generate(cfg Config) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Normalized()
	w := &World{Config: cfg, Items: make([]Item, cfg.Prompts)}

	prompts := newRand(cfg.Seed, streamPrompts)
	seen := make(map[string]bool, cfg.Prompts)
	for i := range w.Items {
		p := drawPrompt(prompts)
		for seen[p.Text] {
			p = drawPrompt(prompts)
		}
		seen[p.Text] = true
		w.Items[i].Prompt = p
	}

	responses := newRand(cfg.Seed, streamResponses)
	for i := range w.Items {
		it := &w.Items[i]
		it.Candidates = make([]Candidate, cfg.Candidates)
		var order []int
		written := make(map[string]bool, cfg.Candidates)
		for k := range it.Candidates {
			if k%len(pool) == 0 {
				order = responses.Perm(len(pool))
			}
			m := pool[order[k%len(pool)]]
			text := m.respondNew(it.Prompt, written, responses)
			written[text] = true
			it.Candidates[k] = Candidate{Model: m.name, Response: text,
				Reward: Score(it.Answer, text)}
		}
	}

	ratings := newRand(cfg.Seed, streamRatings)
	for i := range w.Items {
		for k := range w.Items[i].Candidates {
			c := &w.Items[i].Candidates[k]
			c.Rating = noisyRating(c.Reward.Total, cfg.RatingNoise, ratings)
		}
	}

	binarize := newRand(cfg.Seed, streamBinarize)
	w.Pairs = make([]prefdata.Pair, len(w.Items))
	w.GoldGap = make([]float64, len(w.Items))
	for i := range w.Items {
		it := &w.Items[i]
		it.Chosen, it.Rejected = cfg.Binarize.pick(it.Candidates, binarize)
		ch, rej := it.Candidates[it.Chosen], it.Candidates[it.Rejected]
		w.Pairs[i] = prefdata.Pair{ID: "synth-" + strconv.Itoa(i), Prompt: it.Text,
			Chosen: ch.Response, Rejected: rej.Response, ScoreChosen: ch.Rating,
			ScoreRejected: rej.Rating}
		w.GoldGap[i] = ch.Reward.Total - rej.Reward.Total
	}
	return w, nil
}

// pick returns the indices of the chosen and rejected candidates under rule b. The chosen one
// is a uniformly random candidate among those with the highest rating; for BestVsRandom the
// rejected one is uniformly random among the others, for BestVsWorst among the others with
// the lowest rating. The rejected rating may equal the chosen one: the pair is then a tie,
// kept as in UltraFeedback.
func (b Binarization) pick(cands []Candidate, rng *rand.Rand) (chosen, rejected int) {
	ratings := make([]float64, len(cands))
	for k, c := range cands {
		ratings[k] = c.Rating
	}
	chosen = randomArg(ratings, slices.Max(ratings), -1, rng)

	switch b {
	case BestVsRandom:
		rejected = rng.IntN(len(cands) - 1)
		if rejected >= chosen {
			rejected++
		}
	case BestVsWorst:
		low := math.Inf(1)
		for k, r := range ratings {
			if k != chosen {
				low = math.Min(low, r)
			}
		}
		rejected = randomArg(ratings, low, chosen, rng)
	default:
		panic(fmt.Sprintf("synth: unknown binarization %d", int(b)))
	}
	return chosen, rejected
}

// randomArg returns a uniformly random index k != skip with x[k] == v.
func randomArg(x []float64, v float64, skip int, rng *rand.Rand) int {
	var at []int
	for k, xk := range x {
		if xk == v && k != skip {
			at = append(at, k)
		}
	}
	return at[rng.IntN(len(at))]
}

// drawPrompt draws one prompt from the world's prompt distribution: a task uniformly at
// random, then its argument (see the package documentation).
func drawPrompt(rng *rand.Rand) Prompt {
	word := func(lo, hi int) string {
		b := make([]byte, lo+rng.IntN(hi-lo+1))
		for i := range b {
			b[i] = randomLetter(false, rng)
		}
		return string(b)
	}

	var (
		task  = Task(rng.IntN(len(taskNames)))
		arg   string
		count int
	)
	switch task {
	case TaskReverse, TaskUpper:
		arg = word(3, 7)
	case TaskSort:
		letters := make([]string, 3+rng.IntN(4))
		for i := range letters {
			letters[i] = word(1, 1)
		}
		arg = strings.Join(letters, " ")
	case TaskRepeat:
		count = 2 + rng.IntN(3)
		arg = word(2, 3)
	}
	p, err := NewPrompt(task, arg, count)
	if err != nil {
		panic(fmt.Sprintf("synth: drawPrompt built an invalid prompt: %v", err))
	}
	return p
}

// HeldOut returns n fresh prompts from the world's prompt distribution, for generation
// evaluation. They come from a random stream of their own (seeded by Config.Seed), are
// distinct, and none is the prompt of one of the world's Items. HeldOut(n) is a prefix of
// HeldOut(m) for n <= m. HeldOut panics if n is negative.
func (w *World) HeldOut(n int) []Prompt {
	if n < 0 {
		panic(fmt.Sprintf("synth: HeldOut: negative n = %d", n))
	}
	seen := make(map[string]bool, len(w.Items)+n)
	for _, it := range w.Items {
		seen[it.Text] = true
	}
	rng := newRand(w.Config.Seed, streamHeldOut)
	out := make([]Prompt, 0, n)
	for len(out) < n {
		p := drawPrompt(rng)
		if seen[p.Text] {
			continue
		}
		seen[p.Text] = true
		out = append(out, p)
	}
	return out
}

// Demonstrations returns the supervised fine-tuning set of a reference trained on the prompts
// of pairs: for each pair whose prompt is one of the world's, one pair per candidate of that
// prompt, with the candidate as Chosen (and as Rejected, with its rating as both scores), in
// the order of pairs and then of the candidates. Pairs from elsewhere are skipped.
//
// These are the hidden models' answers, unfiltered by the raters: the demonstrations a
// general-purpose instruction model learns from before preference tuning (UltraFeedback's
// own responses are written by such models). A reference imitating them inherits the pool's
// habits, filler and rambling included, which the preferences then teach it to drop.
func (w *World) Demonstrations(pairs []prefdata.Pair) []prefdata.Pair {
	index := make(map[string]int, len(w.Items))
	for i, it := range w.Items {
		index[it.Text] = i
	}
	var out []prefdata.Pair
	for _, p := range pairs {
		i, ok := index[p.Prompt]
		if !ok {
			continue
		}
		for k, c := range w.Items[i].Candidates {
			out = append(out, prefdata.Pair{ID: fmt.Sprintf("synth-%d-%d", i, k), Prompt: p.Prompt,
				Chosen: c.Response, Rejected: c.Response, ScoreChosen: c.Rating,
				ScoreRejected: c.Rating})
		}
	}
	return out
}

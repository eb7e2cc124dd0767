package synth

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for a valid config
	}{
		{"zero value", Config{}, ""},
		{"smallest", Config{Prompts: 1, Candidates: 2, RatingNoise: NoRatingNoise}, ""},
		{"largest", Config{Prompts: MaxPrompts, Candidates: MaxCandidates,
			RatingNoise: MaxRatingNoise, Binarize: BestVsWorst}, ""},
		{"negative prompts", Config{Prompts: -1},
			"Config.Prompts = -1, want 1..1000000 (0 means the default 1000)"},
		{"too many prompts", Config{Prompts: MaxPrompts + 1}, "Config.Prompts = 1000001"},
		{"one candidate", Config{Candidates: 1},
			"Config.Candidates = 1, want 2..64 (0 means the default 4)"},
		{"negative candidates", Config{Candidates: -3}, "Config.Candidates = -3"},
		{"too many candidates", Config{Candidates: 65}, "Config.Candidates = 65"},
		{"NaN noise", Config{RatingNoise: math.NaN()}, "Config.RatingNoise = NaN"},
		{"infinite noise", Config{RatingNoise: math.Inf(1)}, "Config.RatingNoise = +Inf"},
		{"too much noise", Config{RatingNoise: 10.5},
			"Config.RatingNoise = 10.5, want at most 10 rating points"},
		{"unknown rule", Config{Binarize: 2},
			"Config.Binarize = 2, want one of best-vs-random, best-vs-worst"},
		{"negative rule", Config{Binarize: -1}, "Config.Binarize = -1"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tc.name, err)
			}
			continue
		}
		wantErr(t, err, tc.want)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v does not wrap ErrInvalidConfig", tc.name, err)
		}
		w, err := Generate(tc.cfg)
		if w != nil || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: Generate = %v, %v; want nil and the Validate error", tc.name, w, err)
		}
	}
}

func TestConfigNormalized(t *testing.T) {
	tests := []struct {
		in, want Config
	}{
		{Config{}, Config{Prompts: 1000, Candidates: 4, RatingNoise: 0.8}},
		{Config{RatingNoise: NoRatingNoise}, Config{Prompts: 1000, Candidates: 4}},
		{Config{RatingNoise: -0.1}, Config{Prompts: 1000, Candidates: 4}},
		{Config{Prompts: 7, Candidates: 2, RatingNoise: 2, Binarize: BestVsWorst, Seed: 9},
			Config{Prompts: 7, Candidates: 2, RatingNoise: 2, Binarize: BestVsWorst, Seed: 9}},
	}
	for _, tc := range tests {
		if got := tc.in.Normalized(); got != tc.want {
			t.Errorf("%+v.Normalized() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestBinarizationNames(t *testing.T) {
	names := BinarizationNames()
	if want := []string{"best-vs-random", "best-vs-worst"}; !slices.Equal(names, want) {
		t.Fatalf("BinarizationNames() = %q, want %q", names, want)
	}
	for i, name := range names {
		b, err := ParseBinarization(name)
		if err != nil || b != Binarization(i) || b.String() != name {
			t.Errorf("ParseBinarization(%q) = %v, %v; want %d", name, b, err, i)
		}
	}
	_, err := ParseBinarization("best")
	wantErr(t, err, `synth: unknown binarization "best" (valid: best-vs-random, best-vs-worst)`)
	if got := Binarization(5).String(); got != "Binarization(5)" {
		t.Errorf("Binarization(5).String() = %q", got)
	}
}

func TestRating(t *testing.T) {
	tests := []struct {
		r, want float64
	}{
		{0, 1},                      // 1 + 8*0
		{1, 9},                      // 1 + 8*1 = RatingPerfect
		{1.0 / 256, 5},              // 1 + 8*(2^-8)^(1/8) = 1 + 8/2
		{6561.0 / 65536, 7},         // 1 + 8*((3/4)^8)^(1/8) = 1 + 6
		{5764801.0 / 16777216, 8},   // 1 + 8*((7/8)^8)^(1/8) = 1 + 7
		{1.0 / 16777216, 1 + 8.0/8}, // 1 + 8*(2^-24)^(1/8) = 1 + 8/8
	}
	for _, tc := range tests {
		if got := Rating(tc.r); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Rating(%g) = %g, want %g", tc.r, got, tc.want)
		}
	}
	// Monotone: increasing over a fine grid.
	for i := 1; i <= 1000; i++ {
		lo, hi := float64(i-1)/1000, float64(i)/1000
		if !(Rating(hi) > Rating(lo)) {
			t.Fatalf("Rating(%g) = %g is not above Rating(%g) = %g", hi, Rating(hi), lo,
				Rating(lo))
		}
	}
}

func TestRoundHalf(t *testing.T) {
	tests := []struct {
		v, want float64
	}{
		{3.25, 3.5}, {3.75, 4}, {3.24, 3}, {3.26, 3.5}, {8.875, 9}, {5.625, 5.5}, {7.272, 7.5},
		{1, 1}, {-0.25, -0.5}, // halves away from zero on both sides
	}
	for _, tc := range tests {
		if got := roundHalf(tc.v); got != tc.want {
			t.Errorf("roundHalf(%g) = %g, want %g", tc.v, got, tc.want)
		}
	}
}

func TestNoisyRating(t *testing.T) {
	tests := []struct {
		r, sd, want float64
	}{
		// Without noise: round_half(Rating(r)), with the values of TestRating.
		{1, 0, 9},
		{0, 0, 1},
		{1.0 / 256, 0, 5},
		{6561.0 / 65536, 0, 7},
		{0.75, 0, 8.5},           // 1 + 8*exp(ln(0.75)/8) = 1 + 8*0.964679 = 8.717
		{0.5, 0, 8.5},            // 1 + 8*exp(ln(0.5)/8) = 1 + 8*0.917004 = 8.336
		{0.75, 1e-300, 8.5},      // a negligible noise leaves the rounded rating
		{1.0 / 16777216, 0, 2.0}, // 1 + 8/8
	}
	for _, tc := range tests {
		rng := rand.New(rand.NewPCG(3, 4))
		if got := noisyRating(tc.r, tc.sd, rng); got != tc.want {
			t.Errorf("noisyRating(%g, %g) = %g, want %g", tc.r, tc.sd, got, tc.want)
		}
	}
	// A huge noise is clipped to the scale, at one end or the other by the draw's sign; both
	// ends occur.
	rng := rand.New(rand.NewPCG(3, 4))
	ends := map[float64]int{}
	for range 100 {
		ends[noisyRating(0.5, 1e6, rng)]++
	}
	if len(ends) != 2 || ends[RatingMin] == 0 || ends[RatingMax] == 0 {
		t.Errorf("noise sd 1e6 gave ratings %v, want only 1 and 10", ends)
	}
}

// rated returns candidates with the given ratings.
func rated(ratings ...float64) []Candidate {
	c := make([]Candidate, len(ratings))
	for i, r := range ratings {
		c[i].Rating = r
	}
	return c
}

func TestPick(t *testing.T) {
	type outcome struct{ chosen, rejected int }
	tests := []struct {
		name    string
		rule    Binarization
		ratings []float64
		want    []outcome // every outcome the rule allows; each must occur
	}{
		{"random: one best", BestVsRandom, []float64{7, 9, 6.5, 3},
			[]outcome{{1, 0}, {1, 2}, {1, 3}}},
		{"random: tied best", BestVsRandom, []float64{9, 9, 3},
			[]outcome{{0, 1}, {0, 2}, {1, 0}, {1, 2}}},
		{"random: two candidates", BestVsRandom, []float64{4, 8}, []outcome{{1, 0}}},
		{"worst: one best, one worst", BestVsWorst, []float64{7, 9, 6.5, 3},
			[]outcome{{1, 3}}},
		{"worst: tied worst", BestVsWorst, []float64{2, 9, 2, 5},
			[]outcome{{1, 0}, {1, 2}}},
		{"worst: tied best", BestVsWorst, []float64{9, 9, 3}, []outcome{{0, 2}, {1, 2}}},
		// All equal: any ordered pair of distinct candidates, always a tie.
		{"worst: all tied", BestVsWorst, []float64{6, 6, 6},
			[]outcome{{0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}}},
	}
	for _, tc := range tests {
		rng := rand.New(rand.NewPCG(5, 6))
		seen := map[outcome]int{}
		const draws = 600
		for range draws {
			c, r := tc.rule.pick(rated(tc.ratings...), rng)
			seen[outcome{c, r}]++
		}
		for o, n := range seen {
			if !slices.Contains(tc.want, o) {
				t.Errorf("%s: drew (chosen %d, rejected %d) %d times; allowed %v", tc.name,
					o.chosen, o.rejected, n, tc.want)
			}
		}
		for _, o := range tc.want {
			// Uniform over the allowed outcomes: each expects draws/len(want) >= 100 hits;
			// fewer than half of that would be a 5-sigma event or worse.
			if n := seen[o]; n < draws/len(tc.want)/2 {
				t.Errorf("%s: outcome %v drawn %d times of %d, want about %d", tc.name, o, n,
					draws, draws/len(tc.want))
			}
		}
	}
	mustPanic(t, "synth: unknown binarization 9", func() {
		Binarization(9).pick(rated(1, 2), rand.New(rand.NewPCG(1, 1)))
	})
}

func TestGenerateInvariants(t *testing.T) {
	configs := []Config{
		{Prompts: 300, Seed: 1},
		{Prompts: 300, Seed: 2, Binarize: BestVsWorst},
		{Prompts: 100, Seed: 3, Candidates: 2, RatingNoise: NoRatingNoise},
		{Prompts: 50, Seed: 4, Candidates: 13, RatingNoise: 2},
	}
	for _, cfg := range configs {
		w, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		n := cfg.Normalized()
		if w.Config != n || len(w.Items) != n.Prompts || len(w.Pairs) != n.Prompts ||
			len(w.GoldGap) != n.Prompts {
			t.Fatalf("%+v: config %+v, %d items, %d pairs, %d gaps", cfg, w.Config,
				len(w.Items), len(w.Pairs), len(w.GoldGap))
		}
		texts := map[string]bool{}
		for i, it := range w.Items {
			checkItem(t, n, it)
			if texts[it.Text] {
				t.Fatalf("%+v: prompt %q appears twice", cfg, it.Text)
			}
			texts[it.Text] = true

			ch, rej := it.Candidates[it.Chosen], it.Candidates[it.Rejected]
			want := pairOf(i, it)
			if w.Pairs[i] != want {
				t.Fatalf("%+v: pair %d = %+v, want %+v", cfg, i, w.Pairs[i], want)
			}
			if gap := ch.Reward.Total - rej.Reward.Total; w.GoldGap[i] != gap {
				t.Fatalf("%+v: GoldGap[%d] = %g, want %g", cfg, i, w.GoldGap[i], gap)
			}
			if it.Chosen == it.Rejected {
				t.Fatalf("%+v: item %d pairs candidate %d with itself", cfg, i, it.Chosen)
			}
			for k, c := range it.Candidates {
				if c.Rating > ch.Rating {
					t.Fatalf("%+v: item %d: candidate %d rated %g above the chosen %g",
						cfg, i, k, c.Rating, ch.Rating)
				}
				if n.Binarize == BestVsWorst && k != it.Chosen && c.Rating < rej.Rating {
					t.Fatalf("%+v: item %d: candidate %d rated %g below the rejected %g",
						cfg, i, k, c.Rating, rej.Rating)
				}
			}
		}
	}
}

// pairOf returns the pair that item i of a world must carry.
func pairOf(i int, it Item) prefdata.Pair {
	ch, rej := it.Candidates[it.Chosen], it.Candidates[it.Rejected]
	return prefdata.Pair{ID: "synth-" + strconv.Itoa(i), Prompt: it.Text, Chosen: ch.Response,
		Rejected: rej.Response, ScoreChosen: ch.Rating, ScoreRejected: rej.Rating}
}

// checkItem checks one generated item against the rules of the package documentation.
func checkItem(t *testing.T, cfg Config, it Item) {
	t.Helper()
	p, err := ParsePrompt(it.Text)
	if err != nil || p != it.Prompt {
		t.Fatalf("ParsePrompt(%q) = %+v, %v; the item holds %+v", it.Text, p, err, it.Prompt)
	}
	if len(it.Text) > 18 || len(it.Answer) > 12 {
		t.Fatalf("prompt %q or answer %q longer than documented (18, 12)", it.Text, it.Answer)
	}
	if len(it.Candidates) != cfg.Candidates {
		t.Fatalf("%q: %d candidates, want %d", it.Text, len(it.Candidates), cfg.Candidates)
	}
	models := map[string]int{}
	texts := map[string]bool{}
	for _, c := range it.Candidates {
		models[c.Model]++
		if texts[c.Response] {
			t.Fatalf("%q: response %q written twice", it.Text, c.Response)
		}
		texts[c.Response] = true
		if len(c.Response) > MaxResponseLen {
			t.Fatalf("%q: response of %d bytes", it.Text, len(c.Response))
		}
		if c.Reward != Score(it.Answer, c.Response) {
			t.Fatalf("%q: candidate %q has reward %v, Score gives %v", it.Text, c.Response,
				c.Reward, Score(it.Answer, c.Response))
		}
		if c.Rating < RatingMin || c.Rating > RatingMax || math.Mod(c.Rating, RatingStep) != 0 {
			t.Fatalf("%q: rating %g is not a half point in [1, 10]", it.Text, c.Rating)
		}
		if cfg.RatingNoise == 0 {
			if want := math.Round(2*Rating(c.Reward.Total)) / 2; c.Rating != want {
				t.Fatalf("%q: noiseless rating %g, want round_half(Rating(%g)) = %g", it.Text,
					c.Rating, c.Reward.Total, want)
			}
		}
	}
	// Each model answers once per full draw of the pool of six: at most
	// ceil(Candidates / 6) times.
	for m, n := range models {
		if !slices.Contains(ModelNames(), m) || n > (cfg.Candidates+5)/6 {
			t.Fatalf("%q: model %q answers %d times of %d candidates", it.Text, m, n,
				cfg.Candidates)
		}
	}
}

func TestGenerateDeterminism(t *testing.T) {
	base := Config{Prompts: 200, Seed: 11}
	a, err := Generate(base)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(base)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two worlds from the same config differ")
	}
	other, _ := Generate(Config{Prompts: 200, Seed: 12})
	if other.Items[0].Text == a.Items[0].Text && other.Items[1].Text == a.Items[1].Text {
		t.Error("seeds 11 and 12 give the same first prompts")
	}

	// Only the rating noise changes: same prompts, candidates and rewards.
	noisy, _ := Generate(Config{Prompts: 200, Seed: 11, RatingNoise: 2})
	// Only the rule changes: same ratings too.
	worst, _ := Generate(Config{Prompts: 200, Seed: 11, Binarize: BestVsWorst})
	// Fewer prompts: a prefix of the same world.
	short, _ := Generate(Config{Prompts: 50, Seed: 11})
	ratingsDiffer := false
	for i, it := range a.Items {
		for k, c := range it.Candidates {
			cn, cw := noisy.Items[i].Candidates[k], worst.Items[i].Candidates[k]
			if cn.Response != c.Response || cn.Model != c.Model || cn.Reward != c.Reward {
				t.Fatalf("item %d candidate %d: %+v with noise 2, %+v with 0.5", i, k, cn, c)
			}
			ratingsDiffer = ratingsDiffer || cn.Rating != c.Rating
			if cw != c {
				t.Fatalf("item %d candidate %d: %+v best-vs-worst, %+v best-vs-random", i, k,
					cw, c)
			}
		}
		if i < len(short.Items) && (!reflect.DeepEqual(short.Items[i], it) ||
			short.Pairs[i] != a.Pairs[i] || short.GoldGap[i] != a.GoldGap[i]) {
			t.Fatalf("item %d of the 50-prompt world differs from the 200-prompt one", i)
		}
	}
	if !ratingsDiffer {
		t.Error("rating noise 2 left every rating unchanged")
	}
}

func TestHeldOut(t *testing.T) {
	w, err := Generate(Config{Prompts: 500, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	long := w.HeldOut(300)
	if len(long) != 300 {
		t.Fatalf("HeldOut(300) has %d prompts", len(long))
	}
	if short := w.HeldOut(40); !reflect.DeepEqual(short, long[:40]) {
		t.Error("HeldOut(40) is not a prefix of HeldOut(300)")
	}
	if !reflect.DeepEqual(w.HeldOut(300), long) {
		t.Error("HeldOut is not deterministic")
	}
	if len(w.HeldOut(0)) != 0 {
		t.Error("HeldOut(0) is not empty")
	}

	train := map[string]bool{}
	for _, it := range w.Items {
		train[it.Text] = true
	}
	seen := map[string]bool{}
	tasks := map[Task]int{}
	for _, p := range long {
		if train[p.Text] || seen[p.Text] {
			t.Fatalf("held-out prompt %q is a training prompt or repeats", p.Text)
		}
		seen[p.Text] = true
		tasks[p.Task]++
		if q, err := ParsePrompt(p.Text); err != nil || q != p {
			t.Fatalf("held-out prompt %+v parses as %+v, %v", p, q, err)
		}
	}
	// Tasks are uniform: 75 expected of each in 300; the binomial sd is 7.5, so 40 is
	// more than 4 sd below.
	for _, task := range Tasks() {
		if tasks[task] < 40 {
			t.Errorf("only %d of 300 held-out prompts ask for %s", tasks[task], task)
		}
	}

	mustPanic(t, "synth: HeldOut: negative n = -1", func() { w.HeldOut(-1) })

	// The filter is the world's own prompt list: a world whose only prompt is the first
	// held-out draw of its seed skips that draw and starts with the second.
	bare := &World{Config: Config{Seed: 5}}
	draws := bare.HeldOut(2)
	taken := &World{Config: Config{Seed: 5}, Items: []Item{{Prompt: draws[0]}}}
	if got := taken.HeldOut(1); got[0] != draws[1] {
		t.Errorf("with %q taken, HeldOut(1) = %q, want the second draw %q", draws[0].Text,
			got[0].Text, draws[1].Text)
	}
}

func TestDemonstrations(t *testing.T) {
	w, err := Generate(Config{Prompts: 5, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	foreign := prefdata.Pair{Prompt: "what is 2+2?\n", Chosen: "4", Rejected: "5"}
	demos := w.Demonstrations([]prefdata.Pair{w.Pairs[3], foreign, w.Pairs[1]})
	// Items 3 and 1, four candidates each, in that order; the foreign pair is skipped.
	if len(demos) != 8 {
		t.Fatalf("%d demonstrations, want 8", len(demos))
	}
	for k, d := range demos {
		it := w.Items[3]
		if k >= 4 {
			it = w.Items[1]
		}
		c := it.Candidates[k%4]
		if d.Prompt != it.Text || d.Chosen != c.Response || d.Rejected != c.Response ||
			d.ScoreChosen != c.Rating || d.Margin() != 0 {
			t.Errorf("demonstration %d = %+v, want candidate %d of %q", k, d, k%4, it.Text)
		}
	}
	if got := w.Demonstrations(nil); len(got) != 0 {
		t.Errorf("Demonstrations(nil) = %v, want none", got)
	}
}

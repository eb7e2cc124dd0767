package experiment

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/synth"
	"github.com/poprlhf/sandbox/popkit/train"
)

// TestJudgeKLMatchesEnumeration checks the judge's Monte-Carlo KL against an exact computation
// on a world small enough to enumerate: one prompt, responses of at most two bytes (the judge
// samples MaxResponse = 2 tokens, EOS included), so every possible sample is one of
//
//	EOS,  b EOS,  b1 b2 (cut)      for bytes b, b1, b2: 1 + 256 + 65,536 sequences.
//
// The log-probabilities of all of them under the policy and the reference come from
// Model.ResponseLogProbs and Model.GenerationLogProbs. The sampler draws from pi renormalized
// over the bytes and EOS at each step (BOS and PAD are never sampled), p', and the judge's
// estimate is the mean over samples y ~ p' of d(y) = log pi(y) - log pi_ref(y). Its exact
// expectation and variance are
//
//	E = sum_y p'(y) d(y),   V = sum_y p'(y) d(y)^2 - E^2,
//
// so with N independent samples (one per copy of the prompt; each copy has its own random
// stream) the estimate has standard error sqrt(V / N). The test allows 4 standard errors (a
// false alarm about once in 16,000 seeds, by the central limit theorem) plus 1e-4 for float32
// rounding. E is KL(pi || pi_ref) up to the mass the two models put on BOS and PAD; the test
// logs both E and the KL of the sampling distributions, KL(p' || p'_ref).
func TestJudgeKLMatchesEnumeration(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "ab\n"
	pairs := []prefdata.Pair{
		{ID: "0", Prompt: prompt, Chosen: "xy", Rejected: "q", ScoreChosen: 2},
		{ID: "1", Prompt: prompt, Chosen: "x", Rejected: "q", ScoreChosen: 2},
		{ID: "2", Prompt: prompt, Chosen: "zy", Rejected: "q", ScoreChosen: 2},
	}
	cfg := train.Config{
		Policy:    policy.Config{EmbedDim: 16, NumLayers: 1, NumHeads: 2, MaxLen: 16},
		Limits:    policy.Limits{MaxLen: 16, MaxPromptLen: 8},
		BatchSize: 3, SFTSteps: 2, SFTLearningRate: 1e-2, PreferenceSteps: 1,
	}
	var ref, pol *train.Model
	withDeadline(t, 2*time.Minute, func() error {
		var err error
		if ref, err = train.Reference(context.Background(), b, pairs, cfg); err != nil {
			return err
		}
		cfg.SFTSteps = 12 // a more peaked policy, far enough from the reference
		pol, err = train.Reference(context.Background(), b, pairs, cfg)
		return err
	})

	// Every possible sample, with its log-probability under each model.
	type seq struct {
		gen          train.Generation
		parent       int // index of the one-byte prefix, -1 for none
		logp, logRef float64
	}
	seqs := []seq{{gen: train.Generation{Ended: true}, parent: -1}}
	var prefixes []seq // b, not ended: the first step's byte probabilities
	for c := range 256 {
		s := string([]byte{byte(c)})
		prefixes = append(prefixes, seq{gen: train.Generation{Response: s}, parent: -1})
		seqs = append(seqs, seq{gen: train.Generation{Response: s, Ended: true}, parent: c})
		for c2 := range 256 {
			seqs = append(seqs, seq{gen: train.Generation{Response: s + string([]byte{byte(c2)})},
				parent: c})
		}
	}
	score := func(list []seq) {
		prompts := slices.Repeat([]string{prompt}, len(list))
		gens := make([]train.Generation, len(list))
		for i, s := range list {
			gens[i] = s.gen
		}
		lp, err := pol.GenerationLogProbs(b, prompts, gens)
		if err != nil {
			t.Fatal(err)
		}
		lr, err := ref.GenerationLogProbs(b, prompts, gens)
		if err != nil {
			t.Fatal(err)
		}
		for i := range list {
			list[i].logp, list[i].logRef = lp[i], lr[i]
		}
	}
	withDeadline(t, 2*time.Minute, func() error { score(prefixes); score(seqs); return nil })

	// Sampling probabilities p'(y): each step's distribution renormalized over bytes and EOS.
	// The first step's mass is EOS's (seqs[0]) plus every byte's; after byte c, it is the sum
	// over the continuations of c (EOS and 256 bytes) divided by pi(c).
	first := math.Exp(seqs[0].logp)
	for _, p := range prefixes {
		first += math.Exp(p.logp)
	}
	firstRef := math.Exp(seqs[0].logRef)
	for _, p := range prefixes {
		firstRef += math.Exp(p.logRef)
	}
	second, secondRef := make([]float64, 256), make([]float64, 256)
	for _, s := range seqs[1:] {
		second[s.parent] += math.Exp(s.logp - prefixes[s.parent].logp)
		secondRef[s.parent] += math.Exp(s.logRef - prefixes[s.parent].logRef)
	}
	var mean, meanSq, klSampling, total float64
	for _, s := range seqs {
		logZ, logZRef := math.Log(first), math.Log(firstRef)
		if s.parent >= 0 {
			logZ += math.Log(second[s.parent])
			logZRef += math.Log(secondRef[s.parent])
		}
		p := math.Exp(s.logp - logZ)
		d := s.logp - s.logRef
		total += p
		mean += p * d
		meanSq += p * d * d
		klSampling += p * (d - logZ + logZRef)
	}
	if math.Abs(total-1) > 1e-6 {
		t.Fatalf("the enumerated sampling probabilities sum to %g, want 1", total)
	}
	variance := meanSq - mean*mean

	const n = 2000
	data := Data{Name: "enumerable", Gold: func(string, string) float64 { return 0 },
		Prompts: slices.Repeat([]string{prompt}, n), MaxResponse: 2}
	var got float64
	withDeadline(t, 2*time.Minute, func() error {
		j, err := newJudge(b, ref, data, 3)
		if err != nil {
			return err
		}
		g, err := j.evaluate(b, pol)
		got = g.KL
		return err
	})
	tol := 4*math.Sqrt(variance/n) + 1e-4
	t.Logf("Monte-Carlo KL %.4f over %d samples; exact E_p'[log pi - log pi_ref] = %.4f "+
		"(sd of one term %.3f, tolerance %.4f); KL(p' || p'_ref) = %.4f", got, n, mean,
		math.Sqrt(variance), tol, klSampling)
	if !(mean > 0.05) {
		t.Fatalf("exact KL %g: the two models are too close for a meaningful check", mean)
	}
	if math.Abs(got-mean) > tol {
		t.Errorf("Monte-Carlo KL %.5f, exact %.5f: off by more than %.5f (4 standard errors)",
			got, mean, tol)
	}
}

// TestRunIsDeterministic runs the same configuration twice on one backend, with generative
// evaluation and training curves, and expects every number to be bit for bit the same.
func TestRunIsDeterministic(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	run := func() ([]Row, []CurveRow) {
		var rows []Row
		var curve []CurveRow
		cfg := Config{Seeds: 1, Methods: []dpo.Method{dpo.DPO}, Train: tinyTrain(2),
			CurveEvery: 1}
		r := &Runner{Backend: b, Config: cfg,
			Emit:      func(rs []Row) error { rows = append(rows, rs...); return nil },
			EmitCurve: func(rs []CurveRow) error { curve = append(curve, rs...); return nil }}
		withDeadline(t, 2*time.Minute, func() error {
			return r.Run(context.Background(), WorldData(w, 8))
		})
		return rows, curve
	}
	rows1, curve1 := run()
	rows2, curve2 := run()
	if len(rows1) == 0 || len(curve1) == 0 {
		t.Fatalf("%d rows and %d curve points: nothing to compare", len(rows1), len(curve1))
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	if len(rows1) != len(rows2) {
		t.Fatalf("%d rows, then %d", len(rows1), len(rows2))
	}
	for i := range rows1 {
		r1, r2 := rows1[i], rows2[i]
		if r1.Method != r2.Method || r1.Metric != r2.Metric || !same(r1.Value, r2.Value) {
			t.Errorf("row %d: %+v, then %+v", i, r1, r2)
		}
	}
	if len(curve1) != len(curve2) {
		t.Fatalf("%d curve points, then %d", len(curve1), len(curve2))
	}
	for i := range curve1 {
		c1, c2 := curve1[i], curve2[i]
		if c1.Method != c2.Method || c1.Step != c2.Step || c1.Metric != c2.Metric ||
			!same(c1.Value, c2.Value) {
			t.Errorf("curve point %d: %+v, then %+v", i, c1, c2)
		}
	}
}

package experiment

import (
	"maps"
	"math"
	"testing"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/synth"
)

// TestMarginRecovery checks that noiseless labels agree with the margins (label accuracy 1),
// that more comparisons per preference recover them better, and that flipping every label
// with probability 1/2 leaves no signal (label accuracy near 1/2).
func TestMarginRecovery(t *testing.T) {
	gt := make([]float64, 400)
	for i := range gt {
		gt[i] = float64(i%40) / 4 // 40 distinct margins, 10 pairs each
	}
	variants := []Variant{
		{Name: "k=1", PoP: pop.SimConfig{K: 1}},
		{Name: "k=8", PoP: pop.SimConfig{K: 8}},
		{Name: "coin", PoP: pop.SimConfig{K: 8, Noise: pop.FlipNoise(0.5)}},
	}
	res, err := MarginRecovery(gt, variants, pop.FitConfig{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	mean := map[string]float64{}
	for _, s := range res.Summarize(0.95) {
		if s.N != 3 {
			t.Errorf("%s %s: %d seeds, want 3", s.Method, s.Metric, s.N)
		}
		mean[s.Method+" "+s.Metric] = s.Mean
	}
	if got := mean["k=1 "+MetricPoPLabelAccuracy]; got != 1 {
		t.Errorf("noiseless label accuracy %g, want 1", got)
	}
	if k1, k8 := mean["k=1 "+MetricPoPSpearman], mean["k=8 "+MetricPoPSpearman]; !(k8 > k1) ||
		!(k8 > 0.9) {
		t.Errorf("Spearman k=1 %.3f, k=8 %.3f: want k=8 above k=1 and above 0.9", k1, k8)
	}
	if got := mean["coin "+MetricPoPLabelAccuracy]; math.Abs(got-0.5) > 0.05 {
		t.Errorf("label accuracy under coin flips %.3f, want about 0.5", got)
	}
	if _, err := MarginRecovery(gt, variants, pop.FitConfig{}, 0); err == nil {
		t.Error("zero seeds: want an error")
	}
}

// TestOffsetSummary checks the offsets against their definitions: 0 for DPO, gamma for the
// fixed margin, and for the ground truth alpha times the rating gap, larger on strong pairs.
func TestOffsetSummary(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 60, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Seeds: 3, Train: tinyTrain(1)}
	res, err := OffsetSummary(cfg, WorldData(w, 4), dpo.MainMethods())
	if err != nil {
		t.Fatal(err)
	}
	mean := map[string]float64{}
	for _, s := range res.Summarize(0.95) {
		mean[s.Method+" "+s.Metric] = s.Mean
	}
	if got := mean["dpo "+MetricOffsetMean]; got != 0 {
		t.Errorf("dpo offset %g, want 0", got)
	}
	if got := mean["fixed "+MetricOffsetStrong]; math.Abs(got-dpo.DefaultGamma) > 1e-12 {
		t.Errorf("fixed offset %g, want gamma %g", got, dpo.DefaultGamma)
	}
	if s, wk := mean["gt "+MetricOffsetStrong], mean["gt "+MetricOffsetWeak]; !(s > wk) {
		t.Errorf("gt offsets: strong %g, weak %g; want strong above weak", s, wk)
	}
	if _, ok := mean["pop "+MetricOffsetMean]; !ok {
		t.Error("no pop offsets")
	}
}

// TestOffsetSummaryEmptyTertile checks that a seed with no strong pair gets no strong row
// instead of a NaN one: with every rating gap equal, all pairs fall in the weak tertile.
func TestOffsetSummaryEmptyTertile(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 60, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	data := WorldData(w, 4)
	for i := range data.Train {
		data.Train[i].ScoreChosen, data.Train[i].ScoreRejected = 2, 1
	}
	cfg := Config{Seeds: 2, Train: tinyTrain(1)}
	res, err := OffsetSummary(cfg, data, []dpo.Method{dpo.DPO, dpo.Fixed})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range res.Rows() {
		if math.IsNaN(r.Value) {
			t.Errorf("%s %s seed %d: NaN", r.Method, r.Metric, r.Seed)
		}
		count[r.Metric]++
	}
	// 2 methods x 2 seeds each for the mean and the weak tertile; no strong rows.
	want := map[string]int{MetricOffsetMean: 4, MetricOffsetWeak: 4}
	if !maps.Equal(count, want) {
		t.Errorf("rows per metric %v, want %v", count, want)
	}
}

package experiment

import (
	"fmt"

	"gonum.org/v1/gonum/stat"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/eval"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// MarginRecovery measures how well margins inferred offline from simulated PoP labels recover
// the ground-truth margins gt, shaped [n], without training a policy: for every variant and
// seed 0..seeds-1 it draws labels with the variant's PoP settings and strategy (pop.Draw, the
// runner's random stream for that seed), fits and calibrates Bradley-Terry margins
// (pop.InferMargins with fit) and returns rows with Method = the variant's Name and the
// metrics MetricPoPSpearman, MetricPoPPearson and MetricPoPLabelAccuracy, as the runner
// reports them for DPO-PoP. Variant.Methods, Inference and Control are not used.
func MarginRecovery(gt []float64, variants []Variant, fit pop.FitConfig, seeds int) (
	*Results, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("experiment: margin recovery needs at least one seed, got %d",
			seeds)
	}
	out := NewResults()
	scale := pop.ScaleOf(gt)
	for _, v := range variants {
		for seed := range seeds {
			sample, err := pop.Draw(gt, v.Strategy, v.PoP, fit, popStream(seed))
			if err != nil {
				return nil, fmt.Errorf("experiment: variant %q: %w", v.Name, err)
			}
			margins, _, err := pop.InferMargins(len(gt), sample.Comparisons, fit, scale)
			if err != nil {
				return nil, fmt.Errorf("experiment: variant %q: %w", v.Name, err)
			}
			out.Add(
				Row{Method: v.Name, Metric: MetricPoPSpearman, Seed: seed,
					Value: eval.Spearman(margins, gt)},
				Row{Method: v.Name, Metric: MetricPoPPearson, Seed: seed,
					Value: stat.Correlation(margins, gt, nil)},
				Row{Method: v.Name, Metric: MetricPoPLabelAccuracy, Seed: seed,
					Value: pop.LabelAccuracy(gt, sample.Comparisons)})
		}
	}
	return out, nil
}

// Metrics of [OffsetSummary].
const (
	MetricOffsetMean   = "offset_mean"
	MetricOffsetWeak   = "offset_weak"
	MetricOffsetStrong = "offset_strong"
)

// OffsetSummary returns, for each method and seed 0..cfg.Seeds-1, the mean offset delta_i
// (dpo.Config.Offsets with cfg.Train.DPO) over the seed's training pairs of data
// (MetricOffsetMean) and over its weak and strong thirds by rating gap (the tertile buckets
// of the evaluation), with DPO-PoP's margins inferred from labels drawn as the runner draws
// them for that seed (cfg.PoP, cfg.Strategy, cfg.Fit). Nothing is trained. A seed whose
// training pairs have no weak (or no strong) pair, which happens when most rating gaps are
// equal, has no MetricOffsetWeak (or MetricOffsetStrong) row rather than a NaN one.
func OffsetSummary(cfg Config, data Data, methods []dpo.Method) (*Results, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	buckets, err := eval.TertileBuckets(prefdata.Margins(data.Train))
	if err != nil {
		return nil, err
	}
	out := NewResults()
	for seed := range cfg.Seeds {
		trainPairs := data.Train
		if data.Test == nil {
			trainPairs, _ = prefdata.Split(data.Train, cfg.TestFraction, uint64(seed))
		}
		gt := prefdata.Margins(trainPairs)
		_, margins, _, err := samplePoP(cfg, gt, nil, buckets, seed)
		if err != nil {
			return nil, err
		}
		for _, m := range methods {
			offsets, err := cfg.Train.DPO.Offsets(m, len(gt), gt, margins)
			if err != nil {
				return nil, err
			}
			var sum [3]float64
			var n [3]int
			for i, d := range offsets {
				if b := buckets.Of(gt[i]); b >= 0 {
					sum[b] += d
					n[b]++
				}
			}
			out.Add(Row{Method: m.String(), Metric: MetricOffsetMean, Seed: seed,
				Value: stat.Mean(offsets, nil)})
			if n[0] > 0 {
				out.Add(Row{Method: m.String(), Metric: MetricOffsetWeak, Seed: seed,
					Value: sum[0] / float64(n[0])})
			}
			if n[2] > 0 {
				out.Add(Row{Method: m.String(), Metric: MetricOffsetStrong, Seed: seed,
					Value: sum[2] / float64(n[2])})
			}
		}
	}
	return out, nil
}

package experiment

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"

	"github.com/poprlhf/sandbox/popkit/eval"
	"github.com/poprlhf/sandbox/popkit/pop"
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
			rng := rand.New(rand.NewPCG(uint64(seed), 0x706f70)) // the runner's stream "pop"
			sample, err := pop.Draw(gt, v.Strategy, v.PoP, fit, rng)
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

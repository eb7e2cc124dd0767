package experiment

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"gonum.org/v1/gonum/stat"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/eval"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/train"
)

// Row is one measurement: a metric of one method trained with one seed.
type Row struct {
	Method string
	Metric string
	Seed   int
	Value  float64
}

// Diagnostics of the PoP margins, reported under method "pop" for each seed: how the margins
// inferred on the training pairs relate to the ground-truth margins m*.
const (
	// MetricPoPSpearman is Spearman's rank correlation of inferred margins with m*.
	MetricPoPSpearman = "pop_margin_spearman"
	// MetricPoPPearson is the Pearson correlation of inferred margins with m*.
	MetricPoPPearson = "pop_margin_pearson"
	// MetricPoPKendall is Kendall's tau-a of inferred margins with m* (gonum's stat.Kendall;
	// tau-a counts tied pairs as neither concordant nor discordant, so the many ties of rating
	// gaps pull it towards 0; quadratic in the number of pairs).
	MetricPoPKendall = "pop_margin_kendall"
	// MetricPoPLabelAccuracy is the share of simulated PoP labels that agree with m*.
	MetricPoPLabelAccuracy = "pop_label_accuracy"
	// MetricPoPTouchedWeak, ...Medium and ...Strong are the shares of weak, medium and strong
	// training pairs that appear in at least one PoP comparison.
	MetricPoPTouchedWeak   = "pop_touched_weak"
	MetricPoPTouchedMedium = "pop_touched_medium"
	MetricPoPTouchedStrong = "pop_touched_strong"
	// MetricPoPTrainWeak, ...Medium and ...Strong are the shares of weak, medium and strong
	// pairs in the training set the sampling strategy gives DPO-PoP (with repetition; ties
	// make up the rest), to compare with the data's own shares.
	MetricPoPTrainWeak   = "pop_train_share_weak"
	MetricPoPTrainMedium = "pop_train_share_medium"
	MetricPoPTrainStrong = "pop_train_share_strong"
	// MetricPoPComponents is the number of connected components of the comparison graph (a
	// preference never compared is a component of its own); MetricPoPLargestShare is the
	// share of preferences in the largest one. Bradley-Terry scores are comparable only within
	// a component: the ridge ties the components together at 0.
	MetricPoPComponents   = "pop_graph_components"
	MetricPoPLargestShare = "pop_graph_largest_share"
	// MetricPoPLearnedSpearman is Spearman's rank correlation with m* of the margins that
	// DPO-PoP learns while training, on the training pairs, with online or implicit inference
	// (see train.JointReport): the Polyak-averaged scores in margin units (online) or the
	// Polyak-averaged implicit margins h_bar (implicit). Offline inference has none.
	MetricPoPLearnedSpearman = "pop_learned_margin_spearman"
)

// Data is the input of a run: training pairs and, optionally, separate held-out pairs and a
// judge of generations.
type Data struct {
	Name  string
	Train []prefdata.Pair
	Test  []prefdata.Pair // nil: split Train per seed
	// Gold scores a response to a prompt; with Prompts, it turns on generative evaluation
	// (eval.EvaluateGenerations): each policy and the reference answer Prompts, and Gold
	// judges the answers. Real data has no gold judge, so Gold is nil there.
	Gold    func(prompt, response string) float64
	Prompts []string
	// Demonstrations, when set, returns the supervised fine-tuning set of the reference for a
	// seed's training pairs: the reference imitates the Chosen response of each returned pair.
	// Nil: the chosen responses of the training pairs (the DPO paper's recipe when no
	// instruction-tuned model exists).
	Demonstrations func(train []prefdata.Pair) []prefdata.Pair
	// MaxResponse is the most bytes the judge samples per response (train.SampleConfig's
	// MaxNewTokens). Zero: train's default.
	MaxResponse int
}

// check reports data too small for the configured split before any training starts.
func (d Data) check(cfg Config) error {
	nTrain, nTest := len(d.Train), len(d.Test)
	if d.Test == nil {
		nTest = int(math.Round(cfg.TestFraction * float64(len(d.Train))))
		nTrain -= nTest
	}
	if nTrain < 2 || nTest < 1 {
		return fmt.Errorf("experiment: %s gives %d training and %d held-out pairs; need at "+
			"least 2 and 1 (check the data and the test fraction)", d.Name, nTrain, nTest)
	}
	if !slices.ContainsFunc(d.Train, func(p prefdata.Pair) bool { return !p.Tie() }) {
		return fmt.Errorf("experiment: every pair of %s is a tie (score_chosen equals "+
			"score_rejected): there is no preference to learn; expected some pairs with "+
			"score_chosen > score_rejected", d.Name)
	}
	usesPoP := cfg.Control || slices.Contains(cfg.Methods, dpo.PoP)
	if usesPoP && cfg.Labels == "" && cfg.PoP.K > nTrain-1 {
		return fmt.Errorf("experiment: %d PoP comparisons per preference (k) but %s gives %d "+
			"training pairs, so each can be compared with at most %d others; expected k <= %d",
			cfg.PoP.K, d.Name, nTrain, nTrain-1, nTrain-1)
	}
	return nil
}

// truncated counts the responses (chosen and rejected) that lim cuts.
func (d Data) truncated(lim policy.Limits) (n, total int) {
	for _, pairs := range [][]prefdata.Pair{d.Train, d.Test} {
		for _, p := range pairs {
			for _, y := range []string{p.Chosen, p.Rejected} {
				total++
				if policy.Encode(p.Prompt, y, lim).Truncated {
					n++
				}
			}
		}
	}
	return n, total
}

// Runner runs the comparison, one (method, seed) cell at a time.
type Runner struct {
	Backend compute.Backend
	Config  Config
	// Logger receives progress (nil: quiet).
	Logger *slog.Logger
	// Done reports whether a cell is already computed; its rows are then not recomputed.
	// Nil means none is.
	Done func(method string, seed int) bool
	// Emit receives each finished cell's rows (and, for each seed, the PoP diagnostics).
	Emit func(rows []Row) error
	// EmitCurve receives the points of the training curves when Config.CurveEvery is set: for
	// each seed, the reference's (step 0) for every pending method, then each method's after
	// every CurveEvery-th step and after the last, as they are measured. Nil: the curves are
	// not measured, whatever CurveEvery says.
	EmitCurve func(rows []CurveRow) error
	// Checkpoints, when set, is a directory for mid-training checkpoints (see
	// train.Checkpoint), one subdirectory per seed (its reference) and cell, every
	// Config.CheckpointEvery steps: a run killed inside a cell resumes inside it. A cell's
	// checkpoints are removed once its rows are emitted, a seed's once all its cells are.
	Checkpoints string
}

// ControlName names the control arm in the rows (asked for in the paper's public reviews):
// DPO (margin 0) trained on exactly the pairs DPO-PoP trains on, so that a gain of DPO-PoP over
// the control comes from the margins and not from the choice of pairs.
const ControlName = "dpo-control"

// arm is one policy trained per seed: a loss, and the training pairs it sees.
type arm struct {
	name   string
	method dpo.Method
	// sampled: train on the PoP sample's training pairs (with repetition) instead of every
	// training pair once.
	sampled bool
}

// arms lists the policies a configuration trains for each seed, in order.
func arms(cfg Config) []arm {
	var out []arm
	for _, m := range cfg.Methods {
		out = append(out, arm{name: m.String(), method: m, sampled: m == dpo.PoP})
	}
	if cfg.Control {
		out = append(out, arm{name: ControlName, method: dpo.DPO, sampled: true})
	}
	return out
}

// Run trains and evaluates every configured method for every seed.
func (r *Runner) Run(ctx context.Context, data Data) error {
	cfg := r.Config.Normalized()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := data.check(cfg); err != nil {
		return err
	}
	cfg, err := cfg.withNetwork()
	if err != nil {
		return err
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var labels *ownLabels
	if cfg.Labels != "" {
		if labels, err = readOwnLabels(cfg.Labels, data); err != nil {
			return err
		}
	}
	for seed := range cfg.Seeds {
		var todo []arm
		for _, a := range arms(cfg) {
			if r.Done == nil || !r.Done(a.name, seed) {
				todo = append(todo, a)
			}
		}
		if len(todo) == 0 {
			logger.Info("seed already done", "seed", seed)
			continue
		}
		if err := r.runSeed(ctx, cfg, data, labels, seed, todo, logger); err != nil {
			return err
		}
	}
	return nil
}

// runSeed trains the reference for one seed, then each pending arm from it.
func (r *Runner) runSeed(ctx context.Context, cfg Config, data Data, labels *ownLabels,
	seed int, todo []arm, logger *slog.Logger) error {
	s, err := r.prepareSeed(ctx, cfg, data, seed, logger)
	if err != nil {
		return err
	}
	if err := r.runArms(ctx, cfg, labels, s, todo, logger); err != nil {
		return err
	}
	if s.dir != "" {
		if err := os.RemoveAll(s.dir); err != nil {
			return fmt.Errorf("experiment: removing the checkpoints of a finished seed: %w", err)
		}
	}
	return nil
}

// seedRun is what every arm of one seed shares: the split, the reference policy with its
// log-probabilities, and the judge of generations.
type seedRun struct {
	seed                  int
	trainPairs, testPairs []prefdata.Pair
	buckets               eval.Buckets
	tc                    train.Config
	dir                   string // the seed's checkpoint folder; "" without checkpoints
	ref                   *train.Model
	// refTrainC, refTrainR, refTestC and refTestR are log pi_ref of the chosen and rejected
	// responses of the training and held-out pairs.
	refTrainC, refTrainR, refTestC, refTestR []float64
	judge                                    *judge // nil without a gold judge
}

// prepareSeed splits the data for one seed and trains and scores its reference policy.
func (r *Runner) prepareSeed(ctx context.Context, cfg Config, data Data, seed int,
	logger *slog.Logger) (*seedRun, error) {
	s := &seedRun{seed: seed, trainPairs: data.Train, testPairs: data.Test}
	if s.testPairs == nil {
		s.trainPairs, s.testPairs = prefdata.Split(data.Train, cfg.TestFraction, uint64(seed))
	}
	var err error
	if s.buckets, err = eval.TertileBuckets(prefdata.Margins(data.Train)); err != nil {
		return nil, fmt.Errorf("experiment: margin buckets of %s: %w", data.Name, err)
	}
	s.tc = cfg.Train
	s.tc.Seed = uint64(seed)
	s.tc.Progress = stepLogger(logger, seed, s.tc.Progress)
	if r.Checkpoints != "" {
		s.dir = filepath.Join(r.Checkpoints, fmt.Sprintf("seed-%d", seed))
		s.tc.Checkpoint = train.Checkpoint{Dir: filepath.Join(s.dir, "reference"),
			Every: cfg.CheckpointEvery}
	}

	start := time.Now()
	demos := s.trainPairs
	if data.Demonstrations != nil {
		demos = data.Demonstrations(s.trainPairs)
	}
	logger.Info("training reference", "seed", seed, "pairs", len(s.trainPairs),
		"demonstrations", len(demos))
	if s.ref, err = train.Reference(ctx, r.Backend, demos, s.tc); err != nil {
		return nil, err
	}
	batch := 2 * s.tc.BatchSize
	if s.refTrainC, s.refTrainR, err = s.ref.LogProbs(r.Backend, s.trainPairs, batch); err != nil {
		return nil, err
	}
	if s.refTestC, s.refTestR, err = s.ref.LogProbs(r.Backend, s.testPairs, batch); err != nil {
		return nil, err
	}
	logger.Info("reference ready", "seed", seed, "elapsed", time.Since(start).Round(time.Second))
	if data.Gold != nil && len(data.Prompts) > 0 {
		if s.judge, err = newJudge(r.Backend, s.ref, data, seed); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// runArms trains and evaluates the arms todo of cfg from the seed's reference.
func (r *Runner) runArms(ctx context.Context, cfg Config, labels *ownLabels, s *seedRun,
	todo []arm, logger *slog.Logger) error {
	seed, trainPairs, testPairs, buckets, tc := s.seed, s.trainPairs, s.testPairs, s.buckets, s.tc
	ref, judge := s.ref, s.judge
	refTrainC, refTrainR, refTestC, refTestR := s.refTrainC, s.refTrainR, s.refTestC, s.refTestR
	var err error

	gt := prefdata.Margins(trainPairs)
	var sample pop.Sample
	var popMargins []float64
	if slices.ContainsFunc(todo, func(a arm) bool { return a.sampled }) {
		var diag []Row
		sample, popMargins, diag, err = samplePoP(cfg, gt, labels.sample(trainPairs), buckets,
			seed)
		if err != nil {
			return err
		}
		if slices.Contains(cfg.Methods, dpo.PoP) {
			if err := r.emit(diag); err != nil {
				return err
			}
		}
	}

	testGT := prefdata.Margins(testPairs)
	curves := cfg.CurveEvery > 0 && r.EmitCurve != nil
	// measure returns the curve metrics of a policy on the held-out pairs and prompts.
	measure := func(pol *train.Model) (map[string]float64, error) {
		pc, pr, err := pol.LogProbs(r.Backend, testPairs, 2*tc.BatchSize)
		if err != nil {
			return nil, err
		}
		h := eval.ImplicitMargins(tc.DPO.Beta, pc, pr, refTestC, refTestR)
		d, err := eval.Discriminate(h, testGT, buckets)
		if err != nil {
			return nil, err
		}
		values := map[string]float64{eval.MetricAccuracy: d.Accuracy}
		if judge != nil {
			g, err := judge.evaluate(r.Backend, pol)
			if err != nil {
				return nil, err
			}
			maps.Copy(values, g.Metrics())
		}
		return values, nil
	}
	if curves {
		// Every method starts from the reference: its point at step 0 is measured once.
		values, err := measure(ref)
		if err != nil {
			return fmt.Errorf("experiment: seed %d, curves at step 0: %w", seed, err)
		}
		var rows []CurveRow
		for _, a := range todo {
			rows = append(rows, curveRows(a.name, seed, 0, values)...)
		}
		if err := r.EmitCurve(rows); err != nil {
			return err
		}
	}

	for _, a := range todo {
		offsets, err := tc.DPO.Offsets(a.method, len(trainPairs), gt, popMargins)
		if err != nil {
			return err
		}
		pairs := train.Pairs{Pairs: trainPairs, RefChosen: refTrainC, RefRejected: refTrainR,
			Offsets: offsets, Method: a.method}
		// The joint variants learn margins while training on every pair, so DPO-PoP and its
		// control then see every pair too; offline, both see the sample's training pairs.
		joint := a.method == dpo.PoP && cfg.Inference != train.Offline
		if a.sampled && cfg.Inference == train.Offline {
			pairs = pairs.Subset(sample.Train)
		}
		logger.Info("training", "method", a.name, "seed", seed, "pairs", len(pairs.Pairs))
		atc := tc
		if s.dir != "" {
			atc.Checkpoint.Dir = filepath.Join(s.dir, a.name)
		}
		if curves {
			atc.EvalEvery = cfg.CurveEvery
			atc.OnEval = func(step int, pol *train.Model) error {
				if step == tc.PreferenceSteps {
					return nil // the final evaluation below gives the last point
				}
				values, err := measure(pol)
				if err != nil {
					return err
				}
				logger.Info("curve", "method", a.name, "seed", seed, "step", step,
					"accuracy", values[eval.MetricAccuracy])
				return r.EmitCurve(curveRows(a.name, seed, step, values))
			}
		}
		var policy *train.Model
		var learned []float64 // margins learned while training (joint inference)
		if joint {
			var report train.JointReport
			policy, report, err = train.PreferenceJoint(ctx, r.Backend, ref, pairs,
				sample.Comparisons, pop.ScaleOf(gt),
				train.JointConfig{Inference: cfg.Inference, Ridge: cfg.Fit.Ridge}, atc)
			learned = report.Margins
			if learned == nil {
				learned = report.Averaged
			}
		} else {
			policy, err = train.Preference(ctx, r.Backend, ref, pairs, atc)
		}
		if err != nil {
			return fmt.Errorf("experiment: method %s, seed %d: %w", a.name, seed, err)
		}
		pc, pr, err := policy.LogProbs(r.Backend, testPairs, 2*tc.BatchSize)
		if err != nil {
			return err
		}
		h := eval.ImplicitMargins(tc.DPO.Beta, pc, pr, refTestC, refTestR)
		d, err := eval.Discriminate(h, testGT, buckets)
		if err != nil {
			return fmt.Errorf("experiment: method %s, seed %d: %w", a.name, seed, err)
		}
		values := d.Metrics()
		if len(learned) == len(gt) {
			values[MetricPoPLearnedSpearman] = eval.Spearman(learned, gt)
		}
		if judge != nil {
			g, err := judge.evaluate(r.Backend, policy)
			if err != nil {
				return fmt.Errorf("experiment: method %s, seed %d: %w", a.name, seed, err)
			}
			maps.Copy(values, g.Metrics())
		}
		var rows []Row
		for _, name := range metricOrder {
			if v, ok := values[name]; ok {
				rows = append(rows, Row{Method: a.name, Metric: name, Seed: seed, Value: v})
			}
		}
		attrs := []any{"method", a.name, "seed", seed, "accuracy", d.Accuracy,
			"spearman", d.Spearman}
		if judge != nil {
			attrs = append(attrs, "win_rate", values[eval.MetricWinRate])
		}
		logger.Info("evaluated", attrs...)
		if curves {
			err := r.EmitCurve(curveRows(a.name, seed, tc.PreferenceSteps, values))
			if err != nil {
				return err
			}
		}
		if err := r.emit(rows); err != nil {
			return err
		}
		if s.dir != "" {
			if err := os.RemoveAll(atc.Checkpoint.Dir); err != nil {
				return fmt.Errorf("experiment: removing the checkpoints of a finished cell: %w",
					err)
			}
		}
	}
	return nil
}

// curveRows returns the points of the curve metrics among values, in the order of
// CurveMetrics.
func curveRows(method string, seed, step int, values map[string]float64) []CurveRow {
	var rows []CurveRow
	for _, name := range CurveMetrics {
		if v, ok := values[name]; ok {
			rows = append(rows, CurveRow{Method: method, Seed: seed, Step: step, Metric: name,
				Value: v})
		}
	}
	return rows
}

// metricOrder is the order of the evaluation metrics in runs.csv; the generative ones appear
// only when the data has a judge.
var metricOrder = []string{eval.MetricAccuracy, eval.MetricAccuracyWeak,
	eval.MetricAccuracyMedium, eval.MetricAccuracyStrong, eval.MetricSpearman,
	eval.MetricTieAccuracy, eval.MetricImplicitTies, eval.MetricWinRate, eval.MetricGoldReward,
	eval.MetricKL, eval.MetricLength, eval.MetricLengthSD, MetricPoPLearnedSpearman}

// judge evaluates generations of policies against the reference's, on fixed prompts.
type judge struct {
	data      Data
	ref       *train.Model
	sampling  train.SampleConfig
	refReward []float64
}

// newJudge samples the reference's answers to data.Prompts once per seed and scores them.
func newJudge(b compute.Backend, ref *train.Model, data Data, seed int) (*judge, error) {
	j := &judge{data: data, ref: ref, sampling: train.SampleConfig{Seed: uint64(seed),
		MaxNewTokens: data.MaxResponse}}
	gens, err := ref.Generate(b, data.Prompts, j.sampling)
	if err != nil {
		return nil, fmt.Errorf("experiment: sampling the reference: %w", err)
	}
	j.refReward = j.rewards(gens)
	return j, nil
}

func (j *judge) rewards(gens []train.Generation) []float64 {
	out := make([]float64, len(gens))
	for i, g := range gens {
		out[i] = j.data.Gold(j.data.Prompts[i], g.Response)
	}
	return out
}

// evaluate samples the policy's answers at temperature 1 and compares them with the
// reference's: win rate and mean gold reward, and the Monte-Carlo KL(pi || pi_ref) from the
// log-probabilities of exactly the sampled tokens under both models.
func (j *judge) evaluate(b compute.Backend, policy *train.Model) (eval.Generative, error) {
	gens, err := policy.Generate(b, j.data.Prompts, j.sampling)
	if err != nil {
		return eval.Generative{}, err
	}
	refLogp, err := j.ref.GenerationLogProbs(b, j.data.Prompts, gens)
	if err != nil {
		return eval.Generative{}, err
	}
	logp := make([]float64, len(gens))
	lengths := make([]int, len(gens))
	for i, g := range gens {
		logp[i], lengths[i] = g.LogProb, len(g.Response)
	}
	return eval.EvaluateGenerations(j.rewards(gens), j.refReward, logp, refLogp, lengths)
}

// popStream returns the random stream from which the PoP labels of seed are drawn: PCG seeded
// with the seed and 0x706f70 ("pop" in ASCII). [MarginRecovery] draws from it too, so that
// for each seed it simulates the labels a run with the same PoP settings trains on.
func popStream(seed int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x706f70))
}

// samplePoP draws PoP labels from the ground-truth margins with the configured strategy and
// fits Bradley-Terry margins to them, calibrated to the scale of the ground-truth margins. It
// also returns the diagnostics rows of the sample and of the inferred margins.
//
// own, when not nil, is a sample built from the user's labels, used instead of simulating one.
func samplePoP(cfg Config, gt []float64, own *pop.Sample, buckets eval.Buckets, seed int) (
	pop.Sample, []float64, []Row, error) {
	var sample pop.Sample
	if own != nil {
		sample = *own
	} else {
		var err error
		sample, err = pop.Draw(gt, cfg.Strategy, cfg.PoP, cfg.Fit, popStream(seed))
		if err != nil {
			return pop.Sample{}, nil, nil, fmt.Errorf("experiment: simulating PoP labels: %w",
				err)
		}
	}
	comps := sample.Comparisons
	margins, report, err := pop.InferMargins(len(gt), comps, cfg.Fit, pop.ScaleOf(gt))
	if err != nil {
		return pop.Sample{}, nil, nil, fmt.Errorf("experiment: fitting PoP margins: %w", err)
	}
	touched := pop.Touched(len(gt), comps)
	var share [3]struct{ touched, n float64 }
	for i, m := range gt {
		if b := buckets.Of(m); b >= 0 {
			share[b].n++
			if touched[i] {
				share[b].touched++
			}
		}
	}
	weak, medium, strong, _ := pop.BucketShares(gt, sample.Train, buckets.WeakMax,
		buckets.MediumMax)
	values := map[string]float64{
		MetricPoPTrainWeak:     weak,
		MetricPoPTrainMedium:   medium,
		MetricPoPTrainStrong:   strong,
		MetricPoPComponents:    float64(report.Components),
		MetricPoPLargestShare:  float64(report.LargestComponent) / float64(len(gt)),
		MetricPoPSpearman:      eval.Spearman(margins, gt),
		MetricPoPPearson:       stat.Correlation(margins, gt, nil),
		MetricPoPKendall:       stat.Kendall(margins, gt, nil),
		MetricPoPLabelAccuracy: pop.LabelAccuracy(gt, comps),
		MetricPoPTouchedWeak:   share[0].touched / share[0].n,
		MetricPoPTouchedMedium: share[1].touched / share[1].n,
		MetricPoPTouchedStrong: share[2].touched / share[2].n,
	}
	var diag []Row
	for _, name := range []string{MetricPoPSpearman, MetricPoPPearson, MetricPoPKendall,
		MetricPoPLabelAccuracy, MetricPoPTouchedWeak, MetricPoPTouchedMedium,
		MetricPoPTouchedStrong, MetricPoPTrainWeak, MetricPoPTrainMedium, MetricPoPTrainStrong,
		MetricPoPComponents, MetricPoPLargestShare} {
		diag = append(diag, Row{Method: dpo.PoP.String(), Metric: name, Seed: seed,
			Value: values[name]})
	}
	return sample, margins, diag, nil
}

func (r *Runner) emit(rows []Row) error {
	if r.Emit == nil {
		return nil
	}
	return r.Emit(rows)
}

// stepLogger logs every tenth training step and the last, and calls next.
func stepLogger(logger *slog.Logger, seed int, next func(train.Progress)) func(train.Progress) {
	return func(p train.Progress) {
		if p.Step%10 == 0 || p.Step == p.Steps {
			logger.Info("step", "stage", p.Stage, "seed", seed, "step", p.Step, "of", p.Steps,
				"loss", fmt.Sprintf("%.4f", p.Loss))
		}
		if next != nil {
			next(p)
		}
	}
}

// ownLabels are PoP labels read from a file, over the indices of every pair of the data
// (training pairs first, then separate test pairs).
type ownLabels struct {
	comps []pop.Comparison
	ids   []string
}

// readOwnLabels reads the label file against the ids of every pair of data.
func readOwnLabels(path string, data Data) (*ownLabels, error) {
	var ids []string
	for _, pairs := range [][]prefdata.Pair{data.Train, data.Test} {
		for _, p := range pairs {
			ids = append(ids, p.ID)
		}
	}
	comps, err := pop.ReadLabels(path, ids)
	if err != nil {
		return nil, err
	}
	return &ownLabels{comps: comps, ids: ids}, nil
}

// sample returns the labels that compare two of trainPairs, re-indexed over trainPairs, with
// every training pair once as the training set; nil for a nil receiver.
func (l *ownLabels) sample(trainPairs []prefdata.Pair) *pop.Sample {
	if l == nil {
		return nil
	}
	index := make(map[string]int, len(trainPairs))
	for i, p := range trainPairs {
		index[p.ID] = i
	}
	s := &pop.Sample{Train: make([]int, len(trainPairs))}
	for i := range s.Train {
		s.Train[i] = i
	}
	for _, c := range l.comps {
		i, okI := index[l.ids[c.Stronger]]
		j, okJ := index[l.ids[c.Weaker]]
		if okI && okJ {
			s.Comparisons = append(s.Comparisons, pop.Comparison{Stronger: i, Weaker: j, Tie: c.Tie})
		}
	}
	return s
}

package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gomlxtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/pop"
)

// Inference selects where the margins of DPO-PoP come from: fitted once before training, or
// learned during training from the PoP comparisons (see [PreferenceJoint]).
type Inference int

const (
	// Offline fits the margins before training (for example with pop.InferMargins) and passes
	// them in as [Pairs.Offsets]; training is [Preference].
	Offline Inference = iota
	// Online learns one Bradley-Terry score per pair jointly with DPO and offsets each pair by
	// its Polyak-averaged score, mapped to margin units.
	Online
	// Implicit adds the PoP likelihood of the policy's own implicit margins to the DPO loss,
	// against Polyak-averaged targets, and trains with offset 0.
	Implicit
)

// inferenceNames are the names of the inference modes, indexed by Inference.
var inferenceNames = [...]string{Offline: "offline", Online: "online", Implicit: "implicit"}

// InferenceNames lists the valid inference names, in the order of the constants.
func InferenceNames() []string { return append([]string(nil), inferenceNames[:]...) }

// String returns the inference's name ("offline", "online", "implicit").
func (i Inference) String() string {
	if i < 0 || int(i) >= len(inferenceNames) {
		return fmt.Sprintf("Inference(%d)", int(i))
	}
	return inferenceNames[i]
}

// ParseInference returns the inference with the given name.
func ParseInference(name string) (Inference, error) {
	for i, n := range inferenceNames {
		if n == name {
			return Inference(i), nil
		}
	}
	return 0, fmt.Errorf("train: unknown inference %q (valid: %s)", name,
		strings.Join(inferenceNames[:], ", "))
}

// Validate reports an inference that is not one of the constants.
func (i Inference) Validate() error {
	if i < 0 || int(i) >= len(inferenceNames) {
		return fmt.Errorf("train: Inference = %d is unknown (valid: %s)", int(i),
			strings.Join(inferenceNames[:], ", "))
	}
	return nil
}

// JointConfig configures [PreferenceJoint]. The zero value of each field means its default.
type JointConfig struct {
	// Inference selects the margin source. Default Offline.
	Inference Inference
	// Tau is the Polyak (EMA) coefficient of the averaged scores or margins,
	// x_bar <- Tau*x_bar + (1-Tau)*x after each step; it must lie in (0, 1). Default 0.99.
	Tau float64
	// Lambda weighs the ranking term of Implicit against the DPO loss; it must be positive.
	// Default 1.
	Lambda float64
	// Ridge is the Gaussian prior strength lambda_u on the scores of Online, as in
	// pop.FitConfig.Ridge; it must be positive. Default pop.DefaultRidge.
	Ridge float64
	// ComparisonsPerStep is the number of PoP comparisons drawn (uniformly, with replacement)
	// for each step. Default: Config.BatchSize.
	ComparisonsPerStep int
	// ScoreLearningRate is the size of Adam's steps on the scores u of Online, which is
	// independent of the policy's Config.PreferenceLearningRate (see [PreferenceJoint]).
	// Default 0.05.
	ScoreLearningRate float64
}

// Defaults of JointConfig; see the field comments.
const (
	DefaultJointTau          = 0.99
	DefaultJointLambda       = 1.0
	DefaultScoreLearningRate = 0.05
)

// Normalized returns jc with every zero field replaced by its default; batchSize is the
// default of ComparisonsPerStep (the normalized Config.BatchSize).
func (jc JointConfig) Normalized(batchSize int) JointConfig {
	if jc.Tau == 0 {
		jc.Tau = DefaultJointTau
	}
	if jc.Lambda == 0 {
		jc.Lambda = DefaultJointLambda
	}
	if jc.Ridge == 0 {
		jc.Ridge = pop.DefaultRidge
	}
	if jc.ComparisonsPerStep == 0 {
		jc.ComparisonsPerStep = batchSize
	}
	if jc.ScoreLearningRate == 0 {
		jc.ScoreLearningRate = DefaultScoreLearningRate
	}
	return jc
}

// Validate reports a configuration that cannot be trained with. Fields are checked after
// Normalized(1), so zeros are valid.
func (jc JointConfig) Validate() error {
	if err := jc.Inference.Validate(); err != nil {
		return err
	}
	jc = jc.Normalized(1)
	positive := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case !(jc.Tau > 0 && jc.Tau < 1):
		return fmt.Errorf("train: JointConfig.Tau = %g must lie in (0, 1) (0 means the "+
			"default, %g)", jc.Tau, DefaultJointTau)
	case !positive(jc.Lambda):
		return fmt.Errorf("train: JointConfig.Lambda = %g must be positive and finite (0 means "+
			"the default, %g)", jc.Lambda, DefaultJointLambda)
	case !positive(jc.Ridge):
		return fmt.Errorf("train: JointConfig.Ridge = %g must be positive and finite (0 means "+
			"the default, %g)", jc.Ridge, pop.DefaultRidge)
	case jc.ComparisonsPerStep < 1:
		return fmt.Errorf("train: JointConfig.ComparisonsPerStep = %d must be >= 1 (0 means "+
			"Config.BatchSize)", jc.ComparisonsPerStep)
	case !positive(jc.ScoreLearningRate):
		return fmt.Errorf("train: JointConfig.ScoreLearningRate = %g must be positive and "+
			"finite (0 means the default, %g)", jc.ScoreLearningRate, DefaultScoreLearningRate)
	}
	return nil
}

// JointReport holds what [PreferenceJoint] learned besides the policy, each shaped [n] (one
// entry per training pair) or nil where the inference mode has no such quantity.
type JointReport struct {
	// Scores are the Bradley-Terry scores u after the last step (Online).
	Scores []float64
	// Averaged are the Polyak averages after the last step: u_bar (Online) or h_bar (Implicit).
	Averaged []float64
	// Margins are u_bar in margin units, pop.Calibrate(u_bar, scale) (Online).
	Margins []float64
	// Offsets are the delta_i the next step would use: data.Offsets (Offline), alpha *
	// clip(Margins, 0, MaxMargin) (Online), zeros (Implicit).
	Offsets []float64
}

// jointScope is the scope of the variables PreferenceJoint adds to the training store; the
// returned policy does not keep them.
const jointScope = "joint"

// PreferenceJoint trains a copy of ref by margin-DPO with margins inferred from PoP
// comparisons comps between the training pairs (indices into data.Pairs), in one of three
// ways chosen by jc.Inference. The paper (arXiv 2509.22851) says only that it uses
// Polyak-averaged targets for stability; the Online and Implicit objectives below are our own
// formulation of that.
//
// Offline: data.Offsets already hold the margins (for example alpha * clip(m_hat, 0, M) from
// pop.InferMargins and dpo.Config.Offsets); this is [Preference], and comps and scale are not
// used.
//
// Online: a score u_i per pair (initialised at 0) is trained by the PoP likelihood, exactly
// the objective of pop.FitBradleyTerry, jointly with margin-DPO. A step draws B =
// cfg.BatchSize pairs (the same stream as [Preference]) and C = jc.ComparisonsPerStep
// comparisons (uniformly with replacement, from a stream of its own) and minimises
//
//	L = mean_{i in batch} -log sigmoid(h_i - delta_i)
//	  + mean_{c in batch} nll_c(u) + (lambda_u / (2 |comps|)) * sum_i u_i^2
//	nll_c(u) = -log sigmoid(u_s - u_w)                                 (s stronger than w)
//	         = -0.5 log sigmoid(u_s - u_w) - 0.5 log sigmoid(u_w - u_s)  (a tie)
//	delta_i  = alpha * clip(mu + sigma * (u_bar_i - mean(u_bar)) / sd(u_bar), 0, M')
//
// with lambda_u = jc.Ridge. The ridge is charged 1/|comps| per step so that the expected PoP
// part of L is pop.FitBradleyTerry's negated objective divided by |comps|: both have the same
// minimiser. delta is the offline calibration (pop.Calibrate then dpo.Config.Offsets) of the
// Polyak average u_bar <- tau*u_bar + (1-tau)*u, updated after each optimiser step from the
// updated u, computed in the graph under a stop-gradient, so DPO never moves u and the PoP
// term never moves the policy. mu, sigma = scale.Mean, scale.Std (usually pop.ScaleOf of the
// training rating gaps), sd is the sample standard deviation over all n pairs, and M' =
// min(scale.Max, cfg.DPO.MaxMargin) (scale.Max = 0: no clip but MaxMargin). While sd(u_bar)
// = 0, at the start, every delta_i is alpha * clip(mu, 0, M'), as in pop.Calibrate: the
// method starts as a fixed margin equal to the mean gap and becomes adaptive as u_bar
// spreads. Adam has one learning rate, and its steps are about that rate whatever the scale
// of the gradient, so u is stored as u/k with k = jc.ScoreLearningRate /
// cfg.PreferenceLearningRate: u then moves by about jc.ScoreLearningRate per step while the
// policy keeps its own rate.
//
// Implicit: no extra parameters; the PoP likelihood is applied to the policy's implicit
// margins h_i = beta * (rho_w,i - rho_l,i), each side against the other's Polyak-averaged
// target h_bar (a table over the n pairs, initialised at 0, which is h at the start, where
// the policy is the reference):
//
//	L = mean_{i in batch} -log sigmoid(h_i)
//	  + lambda * mean_{c in batch} r_c
//	r_c = -log sigmoid(h_s - sg(h_bar_w)) - log sigmoid(sg(h_bar_s) - h_w)   (s stronger)
//
// with a tie counting half of r_c each way and lambda = jc.Lambda; sg is a stop-gradient.
// The DPO part has offset 0: the ordering of the margins carries the PoP signal. A step
// packs the chosen and rejected responses of its B pairs and of both pairs of its C
// comparisons, 2 * (B + 2C) rows, into one forward pass. After the step's forward pass
// h_bar_i <- tau*h_bar_i + (1-tau)*h_i for every pair i in the step (h from the weights
// before the step's update; a pair present several times is averaged once).
//
// For Online and Implicit, data.Method must be dpo.PoP and data.Offsets are ignored (they
// may be nil). Progress reports the whole loss L; cfg.OnEval (see [Config.EvalEvery]) sees
// the policy in training, whose Store also holds the variables of this run. The returned
// Model holds only the policy's weights. Errors: an invalid cfg, jc or (Online) scale; data
// whose lengths disagree; Online or Implicit with no comparisons, a comparison index outside
// [0, n) or a pair compared with itself, or another method than dpo.PoP; and the errors of
// training, including those of cfg.OnEval.
func PreferenceJoint(ctx context.Context, backend compute.Backend, ref *Model, data Pairs,
	comps []pop.Comparison, scale pop.Scale, jc JointConfig, cfg Config) (
	*Model, JointReport, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, JointReport{}, err
	}
	if cfg.DataParallel > 1 {
		return nil, JointReport{}, fmt.Errorf("train: PreferenceJoint runs on one device; "+
			"DataParallel %d is not supported", cfg.DataParallel)
	}
	if err := jc.Validate(); err != nil {
		return nil, JointReport{}, err
	}
	jc = jc.Normalized(cfg.BatchSize)
	if jc.Inference == Offline {
		m, err := Preference(ctx, backend, ref, data, cfg)
		if err != nil {
			return nil, JointReport{}, err
		}
		return m, JointReport{Offsets: append([]float64(nil), data.Offsets...)}, nil
	}

	if err := checkJointInputs(data, comps, jc.Inference); err != nil {
		return nil, JointReport{}, err
	}
	if jc.Inference == Online {
		if err := scale.Validate(); err != nil {
			return nil, JointReport{}, err
		}
	}
	m, err := ref.clonePolicy()
	if err != nil {
		return nil, JointReport{}, err
	}
	m.RowGroups = cfg.RowGroups
	enc, err := encodePairs(m.network(), data.Pairs, m.Limits)
	if err != nil {
		return nil, JointReport{}, err
	}
	j := &jointRun{m: m, data: data, comps: comps, scale: scale, jc: jc, cfg: cfg,
		n: len(data.Pairs), enc: enc}
	if err := j.createVariables(); err != nil {
		return nil, JointReport{}, err
	}
	modelFn := j.onlineGraph
	if jc.Inference == Implicit {
		modelFn = j.implicitGraph
	}
	opt := optimizer.Adam().LearningRate(cfg.PreferenceLearningRate).Done()
	trainer := gomlxtrain.NewTrainer(backend, m.Store, modelFn, nil, opt, nil, nil)

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x707265))     // stream "pre", as Preference
	rngComp := rand.New(rand.NewPCG(cfg.Seed, 0x706f70)) // stream "pop"
	stage := "preference (" + jc.Inference.String() + ")"
	l := loop{stage: stage, steps: cfg.PreferenceSteps, progress: cfg.Progress,
		after: cfg.evalHook(m), store: m.Store, ckpt: cfg.Checkpoint, ids: pairIDs(data.Pairs)}
	err = l.run(ctx, func() {
		sampleBatch(rng, j.n, cfg.BatchSize)
		sampleBatch(rngComp, len(comps), jc.ComparisonsPerStep)
	}, func() (float64, []int, error) {
		idx := sampleBatch(rng, j.n, cfg.BatchSize)
		pick := sampleBatch(rngComp, len(comps), jc.ComparisonsPerStep)
		loss, err := trainStep(trainer, nil, j.stepInputs(idx, pick)...)
		return loss, idx, err
	})
	if err != nil {
		return nil, JointReport{}, err
	}

	report, err := j.report()
	if err != nil {
		return nil, JointReport{}, err
	}
	out, err := m.clonePolicy()
	if err != nil {
		return nil, JointReport{}, err
	}
	return out, report, nil
}

// checkJointInputs reports data or comparisons that Online and Implicit cannot train on.
func checkJointInputs(data Pairs, comps []pop.Comparison, inf Inference) error {
	n := len(data.Pairs)
	withOffsets := data
	withOffsets.Offsets = make([]float64, n) // ignored by these modes
	if err := withOffsets.validate(); err != nil {
		return err
	}
	if data.Method != dpo.PoP {
		return fmt.Errorf("train: %s inference trains method %s, got Pairs.Method %s",
			inf, dpo.PoP, data.Method)
	}
	if len(comps) == 0 {
		return fmt.Errorf("train: %s inference needs PoP comparisons, got none", inf)
	}
	for k, c := range comps {
		if c.Stronger < 0 || c.Stronger >= n || c.Weaker < 0 || c.Weaker >= n {
			return fmt.Errorf("train: comparison %d (%v) has an index outside [0, %d)", k, c, n)
		}
		if c.Stronger == c.Weaker {
			return fmt.Errorf("train: comparison %d (%v) compares pair %d with itself",
				k, c, c.Stronger)
		}
	}
	return nil
}

// jointRun holds the state of one PreferenceJoint run of the Online or Implicit mode.
type jointRun struct {
	m     *Model
	data  Pairs
	comps []pop.Comparison
	scale pop.Scale
	jc    JointConfig
	cfg   Config
	n     int
	enc   encodedPairs

	// scores holds u/k (Online, trainable); averaged holds u_bar (Online) or h_bar
	// (Implicit), not trainable.
	scores, averaged *model.Variable
}

// scoreFactor is k = ScoreLearningRate / PreferenceLearningRate, the factor between the
// stored variable and u (see PreferenceJoint).
func (j *jointRun) scoreFactor() float64 {
	return j.jc.ScoreLearningRate / j.cfg.PreferenceLearningRate
}

// createVariables adds the run's variables, all zero, to the training store.
func (j *jointRun) createVariables() error {
	scope := j.m.Store.Scope(jointScope)
	zeros := func() *tensors.Tensor { return tensors.FromValue(make([]float32, j.n)) }
	var err error
	if j.jc.Inference == Online {
		if j.scores, err = scope.CreateVariable("scores", zeros()); err != nil {
			return fmt.Errorf("train: creating the PoP scores: %w", err)
		}
	}
	if j.averaged, err = scope.CreateVariable("averaged", zeros()); err != nil {
		return fmt.Errorf("train: creating the Polyak averages: %w", err)
	}
	j.averaged.SetTrainable(false)
	return nil
}

// stepInputs packs the inputs of one step for the pairs idx and the comparisons pick, in the
// order onlineGraph or implicitGraph reads them.
func (j *jointRun) stepInputs(idx, pick []int) []any {
	c := len(pick)
	stronger, weaker := make([]int32, c), make([]int32, c)
	win := make([]float32, c)
	for k, p := range pick {
		cmp := j.comps[p]
		stronger[k], weaker[k] = int32(cmp.Stronger), int32(cmp.Weaker)
		win[k] = 1
		if cmp.Tie {
			win[k] = 0.5
		}
	}
	if j.jc.Inference == Online {
		tokens, mask := j.enc.pack(idx, len(idx))
		batch := make([]int32, len(idx))
		for k, i := range idx {
			batch[k] = int32(i)
		}
		return []any{tokens, mask, gather(j.data.RefChosen, idx),
			gather(j.data.RefRejected, idx), tensors.FromValue(batch),
			tensors.FromValue(stronger), tensors.FromValue(weaker), win}
	}

	all := append([]int(nil), idx...)
	for k := range pick {
		all = append(all, int(stronger[k]))
	}
	for k := range pick {
		all = append(all, int(weaker[k]))
	}
	allIdx := make([]int32, len(all))
	for k, i := range all {
		allIdx[k] = int32(i)
	}
	tokens, mask := j.enc.pack(all, len(all))
	return []any{tokens, mask, gather(j.data.RefChosen, all), gather(j.data.RefRejected, all),
		tensors.FromValue(allIdx), win}
}

// onlineGraph builds the Online step: inputs are the packed rows of the B pairs [2B, T] and
// their mask, the reference log-probs [B] twice, the pairs' indices [B], the comparisons'
// stronger and weaker indices [C] and their win weights [C] (1, or 0.5 for a tie).
func (j *jointRun) onlineGraph(scope *model.Scope, _ any, inputs []*Node) []*Node {
	tokens, mask, refChosen, refRejected := inputs[0], inputs[1], inputs[2], inputs[3]
	batch, stronger, weaker, win := inputs[4], inputs[5], inputs[6], inputs[7]
	g := tokens.Graph()

	u := MulScalar(j.scores.NodeValue(g), j.scoreFactor())
	uBar := j.averaged.NodeValue(g)
	dpoCfg := j.cfg.DPO.Normalized()
	hi := dpoCfg.MaxMargin
	if j.scale.Max > 0 {
		hi = math.Min(hi, j.scale.Max)
	}
	delta := onlineOffsets(StopGradient(uBar), j.scale, dpoCfg.Alpha, hi)
	offsets := Gather(delta, ExpandAxes(batch, -1))

	logp := j.m.SequenceLogProbs(scope, tokens, mask)
	chosen, rejected := policy.SplitPairs(logp)
	lp := dpo.LogProbs{PolicyChosen: chosen, PolicyRejected: rejected,
		ReferenceChosen: refChosen, ReferenceRejected: refRejected}
	dpoLoss := ReduceAllMean(j.cfg.DPO.Loss(j.data.Method, lp, offsets))

	d := Sub(Gather(u, ExpandAxes(stronger, -1)), Gather(u, ExpandAxes(weaker, -1)))
	popLoss := ReduceAllMean(winLoss(win, Softplus(Neg(d)), Softplus(d)))
	ridge := MulScalar(ReduceAllSum(Square(u)), j.jc.Ridge/(2*float64(len(j.comps))))
	loss := Add(dpoLoss, Add(popLoss, ridge))
	gomlxtrain.AddMainLoss(loss)

	// After the optimiser's update: u_bar <- tau*u_bar + (1-tau)*u, with the updated u.
	tau := j.jc.Tau
	polyak := func(_ *model.Scope, g *Graph) {
		updated := MulScalar(j.scores.NodeValue(g), j.scoreFactor())
		old := j.averaged.NodeValue(g)
		j.averaged.SetNodeValue(Add(MulScalar(old, tau), MulScalar(updated, 1-tau)))
	}
	gomlxtrain.AddPerStepUpdateGraphFn(j.m.Store.Scope(jointScope), g, polyak)
	return []*Node{loss}
}

// implicitGraph builds the Implicit step: inputs are the packed rows of K = B + 2C pairs
// [2K, T] (the batch, then the comparisons' stronger pairs, then their weaker pairs) and
// their mask, the reference log-probs [K] twice, the pairs' indices [K] and the comparisons'
// win weights [C].
func (j *jointRun) implicitGraph(scope *model.Scope, _ any, inputs []*Node) []*Node {
	tokens, mask, refChosen, refRejected := inputs[0], inputs[1], inputs[2], inputs[3]
	pairs, win := inputs[4], inputs[5]
	g := tokens.Graph()
	numK, numC := pairs.Shape().Dim(0), win.Shape().Dim(0)
	numB := numK - 2*numC
	if numB < 1 || refChosen.Shape().Dim(0) != numK {
		panic(fmt.Errorf("train: implicit step: %s pair indices, %s win weights and %s "+
			"reference log-probs do not describe B + 2C pairs", pairs.Shape(), win.Shape(),
			refChosen.Shape()))
	}

	logp := j.m.SequenceLogProbs(scope, tokens, mask)
	chosen, rejected := policy.SplitPairs(logp)
	lp := dpo.LogProbs{PolicyChosen: chosen, PolicyRejected: rejected,
		ReferenceChosen: refChosen, ReferenceRejected: refRejected}
	rw, rl := dpo.ImplicitRewards(j.cfg.DPO.Normalized().Beta, lp)
	h := Sub(rw, rl)

	part := func(x *Node, from, to int) *Node { return SliceAxis(x, 0, AxisRange(from, to)) }
	lpB := dpo.LogProbs{PolicyChosen: part(chosen, 0, numB),
		PolicyRejected:    part(rejected, 0, numB),
		ReferenceChosen:   part(refChosen, 0, numB),
		ReferenceRejected: part(refRejected, 0, numB)}
	zeros := ZerosLike(lpB.PolicyChosen)
	dpoLoss := ReduceAllMean(j.cfg.DPO.Loss(j.data.Method, lpB, zeros))

	hBar := j.averaged.NodeValue(g)
	target := StopGradient(Gather(hBar, ExpandAxes(pairs, -1)))
	hS, hW := part(h, numB, numB+numC), part(h, numB+numC, numK)
	tS, tW := part(target, numB, numB+numC), part(target, numB+numC, numK)
	forward := Add(Softplus(Sub(tW, hS)), Softplus(Sub(hW, tS)))
	backward := Add(Softplus(Sub(tS, hW)), Softplus(Sub(hS, tW)))
	rank := ReduceAllMean(winLoss(win, forward, backward))
	loss := Add(dpoLoss, MulScalar(rank, j.jc.Lambda))
	gomlxtrain.AddMainLoss(loss)

	// h_bar_i <- tau*h_bar_i + (1-tau)*h_i for the pairs of the step, duplicates averaged.
	at := ExpandAxes(pairs, -1)
	sums := ScatterSum(ZerosLike(hBar), at, StopGradient(h), false, false)
	counts := ScatterSum(ZerosLike(hBar), at, OnesLike(h), false, false)
	mean := Div(sums, Max(counts, OnesLike(counts)))
	updated := Add(MulScalar(hBar, j.jc.Tau), MulScalar(mean, 1-j.jc.Tau))
	j.averaged.SetNodeValue(Where(GreaterThan(counts, ZerosLike(counts)), updated, hBar))
	return []*Node{loss}
}

// winLoss returns w * forward + (1 - w) * backward, the loss of comparisons with win weights
// w [C] (1 for a strict label, 0.5 for a tie).
func winLoss(w, forward, backward *Node) *Node {
	return Add(Mul(w, forward), Mul(OneMinus(w), backward))
}

// onlineOffsets returns the offsets of every pair from the averaged scores uBar [n], in the
// graph, as pop.Calibrate followed by dpo.Config.Offsets do on the host:
//
//	delta_i = alpha * clip(mu + sigma * (u_bar_i - mean(u_bar)) / sd(u_bar), 0, hi)
//
// with sd the sample standard deviation, and delta_i = alpha * clip(mu, 0, hi) when sd = 0 or
// n = 1.
func onlineOffsets(uBar *Node, scale pop.Scale, alpha, hi float64) *Node {
	if uBar.Rank() != 1 || !uBar.DType().IsFloat() {
		panic(fmt.Errorf("train: onlineOffsets: need a float vector [n] of scores, got %s",
			uBar.Shape()))
	}
	n := uBar.Shape().Dim(0)
	dev := Sub(uBar, ReduceAllMean(uBar))
	factor := ScalarZero(uBar.Graph(), uBar.DType())
	if n > 1 {
		sd := Sqrt(MulScalar(ReduceAllSum(Square(dev)), 1/float64(n-1)))
		positive := GreaterThan(sd, ZerosLike(sd))
		safe := Where(positive, sd, OnesLike(sd))
		factor = Where(positive, Div(ConstAs(sd, scale.Std), safe), ZerosLike(sd))
	}
	m := AddScalar(Mul(dev, factor), scale.Mean)
	return MulScalar(ClipScalar(m, 0, hi), alpha)
}

// report reads the run's variables back into a JointReport.
func (j *jointRun) report() (JointReport, error) {
	read := func(v *model.Variable, factor float64) ([]float64, error) {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("train: reading %s: %w", v.Path(), err)
		}
		flat, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("train: reading %s: %w", v.Path(), err)
		}
		out := make([]float64, len(flat))
		for i, x := range flat {
			out[i] = factor * float64(x)
		}
		return out, nil
	}
	var r JointReport
	var err error
	if r.Averaged, err = read(j.averaged, 1); err != nil {
		return r, err
	}
	if j.jc.Inference == Implicit {
		r.Offsets = make([]float64, j.n)
		return r, nil
	}
	if r.Scores, err = read(j.scores, j.scoreFactor()); err != nil {
		return r, err
	}
	for i, v := range r.Averaged {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return r, fmt.Errorf("%w: averaged PoP score %d is %g", ErrNonFinite, i, v)
		}
	}
	r.Margins = pop.Calibrate(r.Averaged, j.scale)
	r.Offsets, err = j.cfg.DPO.Offsets(dpo.PoP, j.n, nil, r.Margins)
	if err != nil {
		return r, err
	}
	return r, nil
}

package train

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gomlxtrain "github.com/gomlx/gomlx/ml/train"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// Config holds the training hyperparameters. The zero value of each field means its default.
type Config struct {
	// Policy is the decoder's shape. Default: policy.Config's defaults.
	Policy policy.Config
	// Network, when set, replaces the byte-level decoder of Policy (which is then not used):
	// e.g. a pretrained checkpoint ([PretrainedNetwork]), whose weights the reference starts
	// from. Sampling ([Model.Generate]) refuses such a network. It is not part of the JSON
	// form; record where it came from next to it.
	Network Network `json:"-"`
	// Limits bounds prompt and sequence lengths. Default: policy.Limits' defaults.
	Limits policy.Limits
	// BatchSize is the number of pairs per step (2*BatchSize sequences). Default 8.
	BatchSize int
	// SFTSteps is the number of supervised fine-tuning steps of the reference. Default 300.
	SFTSteps int
	// SFTLearningRate is Adam's step size for SFT. Default 1e-3.
	SFTLearningRate float64
	// PreferenceSteps is the number of margin-DPO steps. Default 200.
	PreferenceSteps int
	// PreferenceLearningRate is Adam's step size for margin-DPO. Default 1e-4.
	PreferenceLearningRate float64
	// DPO holds beta and the margin scales; see dpo.Config.
	DPO dpo.Config
	// Seed fixes the initial weights and the order of batches. Zero is a valid seed.
	Seed uint64
	// Progress, when set, is called after every step. It must be cheap.
	Progress func(Progress) `json:"-"`
	// EvalEvery, when positive, makes preference training ([Preference], [PreferenceJoint])
	// call OnEval after every EvalEvery-th step and after the last one. Default 0: never.
	// It does not change what is trained, so it is left out of JSON when 0.
	EvalEvery int `json:",omitempty"`
	// OnEval receives, at the steps EvalEvery selects, the number of steps done and the
	// policy being trained, whose Store holds the weights after that step (with, during
	// PreferenceJoint, the variables of its margins and, always, the optimiser's state). It
	// may read the policy ([Model.LogProbs], [Model.Generate]) but must not change its Store
	// or keep it past the call; reading it leaves training bit for bit as without OnEval. An
	// error stops training and is returned wrapped. Nil: no evaluation.
	OnEval func(step int, m *Model) error `json:"-"`
	// DataParallel, when above 1, runs each SFT and preference step on that many devices of
	// the backend with GoMLX's distributed execution: a one-axis device mesh ("data"), batch
	// rows sharded over it, weights replicated, gradients all-reduced by XLA. BatchSize must
	// be a multiple of it; the backend must have that many devices (the Go backend has one).
	// PreferenceJoint does not support it. Default 0 (or 1): one device.
	DataParallel int `json:",omitempty"`
	// RowGroups splits the rows of every batch the decoder runs on (training steps and
	// scoring) into this many groups of nearly equal size, each an independent copy of the
	// decoder's graph on the same weights. The Go backend runs independent ops at the same
	// time but each elementwise op on one core, so on two cores two groups take about a
	// quarter less time for the default-size preference step than one
	// (BenchmarkPreferenceStep in popkit/bench). Log-probs are the same functions of the same
	// weights; a weight's gradient is the sum of the groups' parts, which float32 rounds
	// differently from one group's sum. On an accelerator (xla:cuda), where one graph already
	// fills the device, 1 may be faster. Default 2 ([DefaultRowGroups]), or 1 with
	// DataParallel above 1, whose devices split the rows instead (the two cannot be combined).
	RowGroups int
	// Checkpoint saves the training state every few steps and resumes from it (see
	// [Checkpoint]). It does not change what is trained, so it is not part of the JSON form.
	// The zero value: no checkpoints.
	Checkpoint Checkpoint `json:"-"`
}

// Progress reports one finished training step.
type Progress struct {
	Stage       string  // "sft" or "preference"
	Step, Steps int     // steps done, and planned
	Loss        float64 // the step's mean loss
}

// Defaults of Config; see the field comments.
const (
	DefaultBatchSize              = 8
	DefaultSFTSteps               = 300
	DefaultSFTLearningRate        = 1e-3
	DefaultPreferenceSteps        = 200
	DefaultPreferenceLearningRate = 1e-4
	DefaultRowGroups              = 2
)

// Normalized returns c with every zero field replaced by its default.
func (c Config) Normalized() Config {
	c.Policy = c.Policy.Normalized()
	c.Limits = c.Limits.Normalized()
	c.DPO = c.DPO.Normalized()
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.SFTSteps == 0 {
		c.SFTSteps = DefaultSFTSteps
	}
	if c.SFTLearningRate == 0 {
		c.SFTLearningRate = DefaultSFTLearningRate
	}
	if c.PreferenceSteps == 0 {
		c.PreferenceSteps = DefaultPreferenceSteps
	}
	if c.PreferenceLearningRate == 0 {
		c.PreferenceLearningRate = DefaultPreferenceLearningRate
	}
	if c.RowGroups == 0 {
		c.RowGroups = DefaultRowGroups
		if c.DataParallel > 1 {
			c.RowGroups = 1
		}
	}
	return c
}

// Validate reports a configuration that cannot be trained with.
func (c Config) Validate() error {
	c = c.Normalized()
	net := c.network()
	if err := net.Validate(); err != nil {
		return err
	}
	if err := c.Limits.Validate(); err != nil {
		return err
	}
	if c.Limits.MaxLen > net.MaxLen() {
		return fmt.Errorf("train: Limits.MaxLen %d exceeds the decoder's MaxLen %d",
			c.Limits.MaxLen, net.MaxLen())
	}
	if err := c.DPO.Validate(); err != nil {
		return err
	}
	switch {
	case c.BatchSize < 1:
		return fmt.Errorf("train: BatchSize must be >= 1, got %d", c.BatchSize)
	case c.SFTSteps < 1 || c.PreferenceSteps < 1:
		return fmt.Errorf("train: step counts must be >= 1, got SFT %d, preference %d",
			c.SFTSteps, c.PreferenceSteps)
	case !(c.SFTLearningRate > 0) || !(c.PreferenceLearningRate > 0):
		return fmt.Errorf("train: learning rates must be positive, got SFT %g, preference %g",
			c.SFTLearningRate, c.PreferenceLearningRate)
	case c.DataParallel < 0 || c.DataParallel > 1 && c.BatchSize%c.DataParallel != 0:
		return fmt.Errorf("train: DataParallel must be >= 0 and divide BatchSize %d, got %d",
			c.BatchSize, c.DataParallel)
	case c.RowGroups < 0:
		return fmt.Errorf("train: RowGroups must be >= 1 (0: default %d), got %d",
			DefaultRowGroups, c.RowGroups)
	case c.RowGroups > 1 && c.DataParallel > 1:
		return fmt.Errorf("train: RowGroups %d and DataParallel %d both split a batch's rows; "+
			"set one of them", c.RowGroups, c.DataParallel)
	case c.EvalEvery < 0:
		return fmt.Errorf("train: EvalEvery must be >= 0 (0: never), got %d", c.EvalEvery)
	}
	return c.Checkpoint.validate()
}

// ErrNonFinite is wrapped by the error returned when a training loss, or a trained weight
// after an optimiser step (a NaN or infinite gradient makes it so), becomes NaN or infinite.
var ErrNonFinite = errors.New("train: non-finite loss")

// Reference trains pi_ref from a freshly initialised decoder by supervised fine-tuning on the
// chosen responses of pairs: it minimises the mean negative log-likelihood per response token,
//
//	L = - sum_i log pi(y_w,i | x_i) / sum_i |y_w,i|,
//
// over batches of cfg.BatchSize pairs drawn with replacement, for cfg.SFTSteps steps.
func Reference(ctx context.Context, backend compute.Backend, pairs []prefdata.Pair, cfg Config) (
	*Model, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, errors.New("train: no pairs to fine-tune the reference on")
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(cfg.Seed))
	m := &Model{Policy: cfg.Policy, Network: cfg.Network, Limits: cfg.Limits, Store: store,
		RowGroups: cfg.RowGroups}
	if err := m.network().InitWeights(store.RootScope().In(PolicyScope)); err != nil {
		return nil, err
	}
	enc, err := encodePairs(m.network(), pairs, cfg.Limits)
	if err != nil {
		return nil, err
	}

	trainer := NewReferenceTrainer(backend, m, cfg.SFTLearningRate)
	par, err := newDataParallel(backend, cfg.DataParallel)
	if err != nil {
		return nil, err
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x736674)) // stream "sft"
	l := loop{stage: "sft", steps: cfg.SFTSteps, progress: cfg.Progress, store: store,
		ckpt: cfg.Checkpoint, ids: pairIDs(pairs)}
	err = l.run(ctx, func() { sampleBatch(rng, len(pairs), cfg.BatchSize) },
		func() (float64, []int, error) {
			idx := sampleBatch(rng, len(pairs), cfg.BatchSize)
			tokens, mask := enc.packChosen(idx)
			loss, err := trainStep(trainer, par, tokens, mask)
			return loss, idx, err
		})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Pairs is the input of preference training: the pairs, log pi_ref of their chosen and
// rejected responses (from [Model.LogProbs] of the reference), each pair's margin offset
// delta_i (from [dpo.Config.Offsets]), and the method whose loss trains on them.
type Pairs struct {
	Pairs                  []prefdata.Pair
	RefChosen, RefRejected []float64
	Offsets                []float64
	// Method selects the loss (see [dpo.Config.Loss]). Default dpo.DPO.
	Method dpo.Method
}

// Subset returns the pairs idx (with repetition, in that order) with their reference
// log-probs and offsets.
func (p Pairs) Subset(idx []int) Pairs {
	out := Pairs{Method: p.Method}
	for _, i := range idx {
		out.Pairs = append(out.Pairs, p.Pairs[i])
		out.RefChosen = append(out.RefChosen, p.RefChosen[i])
		out.RefRejected = append(out.RefRejected, p.RefRejected[i])
		out.Offsets = append(out.Offsets, p.Offsets[i])
	}
	return out
}

func (p Pairs) validate() error {
	n := len(p.Pairs)
	if n == 0 {
		return errors.New("train: no pairs to train on")
	}
	if len(p.RefChosen) != n || len(p.RefRejected) != n || len(p.Offsets) != n {
		return fmt.Errorf("train: %d pairs but %d reference chosen, %d reference rejected and "+
			"%d offsets", n, len(p.RefChosen), len(p.RefRejected), len(p.Offsets))
	}
	return nil
}

// Preference trains a copy of ref by the loss of data.Method (see [dpo.Config.Loss]), for
// margin-DPO
//
//	L = mean_i -log sigmoid(beta * (rho_w,i - rho_l,i) - delta_i),
//
// over batches of cfg.BatchSize pairs drawn with replacement, for cfg.PreferenceSteps steps. The
// copy starts from ref's weights with a fresh optimiser; ref itself is not changed. With
// cfg.EvalEvery > 0, cfg.OnEval sees the copy after steps EvalEvery, 2*EvalEvery, ... and
// after the last step.
func Preference(ctx context.Context, backend compute.Backend, ref *Model, data Pairs, cfg Config) (
	*Model, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := data.validate(); err != nil {
		return nil, err
	}
	m, err := ref.clonePolicy()
	if err != nil {
		return nil, err
	}
	m.RowGroups = cfg.RowGroups
	enc, err := encodePairs(m.network(), data.Pairs, m.Limits)
	if err != nil {
		return nil, err
	}

	trainer := NewPreferenceTrainer(backend, m, cfg.DPO, data.Method, cfg.PreferenceLearningRate)
	par, err := newDataParallel(backend, cfg.DataParallel)
	if err != nil {
		return nil, err
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x707265)) // stream "pre"
	l := loop{stage: "preference", steps: cfg.PreferenceSteps, progress: cfg.Progress,
		after: cfg.evalHook(m), store: m.Store, ckpt: cfg.Checkpoint, ids: pairIDs(data.Pairs)}
	err = l.run(ctx, func() { sampleBatch(rng, len(data.Pairs), cfg.BatchSize) },
		func() (float64, []int, error) {
			idx := sampleBatch(rng, len(data.Pairs), cfg.BatchSize)
			tokens, mask := enc.pack(idx, cfg.BatchSize)
			refC, refR, off := gather(data.RefChosen, idx), gather(data.RefRejected, idx),
				gather(data.Offsets, idx)
			loss, err := trainStep(trainer, par, tokens, mask, refC, refR, off)
			return loss, idx, err
		})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// evalHook returns the function the training loop calls after each step to run c.OnEval on m
// at the steps c.EvalEvery selects (see [Config.EvalEvery]), or nil when there is nothing to call.
func (c Config) evalHook(m *Model) func(step, steps int) error {
	if c.EvalEvery <= 0 || c.OnEval == nil {
		return nil
	}
	every, onEval := c.EvalEvery, c.OnEval
	return func(step, steps int) error {
		if step%every != 0 && step != steps {
			return nil
		}
		if err := onEval(step, m); err != nil {
			return fmt.Errorf("evaluation after step %d: %w", step, err)
		}
		return nil
	}
}

// trainStep runs one optimiser step and returns the batch loss: on one device when par is
// nil, data-parallel otherwise.
func trainStep(trainer *gomlxtrain.Trainer, par *dataParallel, inputs ...any) (float64, error) {
	batch := gomlxtrain.Batch{}
	for _, in := range inputs {
		switch v := in.(type) {
		case *tensors.Tensor:
			batch.Inputs = append(batch.Inputs, v)
		case []float32:
			batch.Inputs = append(batch.Inputs, tensors.FromValue(v))
		default:
			panic(fmt.Sprintf("train: unexpected input %T", in))
		}
	}
	var metrics []*tensors.Tensor
	var err error
	if par == nil {
		metrics, err = trainer.TrainStep(batch)
	} else {
		metrics, err = par.step(trainer, batch.Inputs)
	}
	if err != nil {
		return 0, err
	}
	defer func() {
		for _, t := range metrics {
			_ = t.FinalizeAll()
		}
	}()
	return float64(tensors.ToScalar[float32](metrics[0])), nil
}

// sampleBatch draws size pair indices uniformly with replacement.
func sampleBatch(rng *rand.Rand, n, size int) []int {
	idx := make([]int, size)
	for k := range idx {
		idx[k] = rng.IntN(n)
	}
	return idx
}

// gather returns values[idx[k]] as float32, the dtype of the training graph.
func gather(values []float64, idx []int) []float32 {
	out := make([]float32, len(idx))
	for k, i := range idx {
		out[k] = float32(values[i])
	}
	return out
}

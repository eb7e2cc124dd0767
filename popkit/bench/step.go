package bench

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gomlxtrain "github.com/gomlx/gomlx/ml/train"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/train"
)

// Setup is the shape of a benchmarked step. The zero value of each field means its default,
// the sizes popkit trains with by default (train.Config's and policy.Config's defaults).
type Setup struct {
	// Policy is the decoder. Default policy.Config{} (E 128, 2 layers, 4 heads, F 352).
	Policy policy.Config
	// Pairs is the number of preference pairs per step; a step scores 2*Pairs rows. The
	// reference step trains on 2*Pairs rows too, so both steps see the same tokens. Default
	// train.DefaultBatchSize (8).
	Pairs int
	// SeqLen is the tokens per row, the padded length of a full batch. Default
	// policy.DefaultMaxLen (256).
	SeqLen int
	// PromptLen is the unscored tokens at the start of each row (BOS and the prompt). Default
	// 1 + policy.DefaultMaxPromptLen (65).
	PromptLen int
	// RowGroups is the groups of rows the decoder's graph runs in (train.Config.RowGroups).
	// Default train.DefaultRowGroups (2).
	RowGroups int
	// Seed fixes the weights and the batch.
	Seed uint64
}

// Normalized returns s with defaults filled in.
func (s Setup) Normalized() Setup {
	s.Policy = s.Policy.Normalized()
	if s.Pairs == 0 {
		s.Pairs = train.DefaultBatchSize
	}
	if s.SeqLen == 0 {
		s.SeqLen = policy.DefaultMaxLen
	}
	if s.PromptLen == 0 {
		s.PromptLen = 1 + policy.DefaultMaxPromptLen
	}
	if s.RowGroups == 0 {
		s.RowGroups = train.DefaultRowGroups
	}
	return s
}

// Validate reports a setup that cannot be benchmarked.
func (s Setup) Validate() error {
	s = s.Normalized()
	if err := s.Policy.Validate(); err != nil {
		return err
	}
	switch {
	case s.Pairs < 1:
		return fmt.Errorf("bench: Setup.Pairs = %d, want >= 1", s.Pairs)
	case s.SeqLen < 2 || s.SeqLen > s.Policy.MaxLen:
		return fmt.Errorf("bench: Setup.SeqLen = %d, want in [2, %d] (the decoder's MaxLen)",
			s.SeqLen, s.Policy.MaxLen)
	case s.PromptLen < 1 || s.PromptLen >= s.SeqLen:
		return fmt.Errorf("bench: Setup.PromptLen = %d, want in [1, SeqLen = %d)",
			s.PromptLen, s.SeqLen)
	case s.RowGroups < 1:
		return fmt.Errorf("bench: Setup.RowGroups = %d, want >= 1", s.RowGroups)
	}
	return nil
}

// Rows is the number of sequences per step, 2 * Pairs.
func (s Setup) Rows() int { return 2 * s.Normalized().Pairs }

// Tokens is the number of token positions per step, Rows * SeqLen.
func (s Setup) Tokens() int { return s.Rows() * s.Normalized().SeqLen }

// StepFLOPs returns the floating-point operations of the matrix products of one training step
// (forward and backward) of the decoder on Rows sequences of T = SeqLen tokens:
//
//	forward per token  = 2 * (L * (4 E^2 + 3 E F) + E V) + L * 4 T E
//	step               = 3 * Rows * T * forward per token
//
// 4 E^2 are the q, k, v and output projections, 3 E F the gate, up and down projections,
// E V the output layer, and 4 T E the two attention products (q k^T and weights v) over all
// T x T scores, the masked half included, as both implementations compute it. The backward
// pass costs twice the forward (one product for the inputs' gradient and one for the
// weights'). Element-wise work (norms, softmax, RoPE, the loss) is not counted. The
// preference step and the reference step run the same decoder on the same tokens, so they
// have the same FLOPs.
func (s Setup) StepFLOPs() float64 {
	s = s.Normalized()
	c := s.Policy
	e, f, v, l, t := float64(c.EmbedDim), float64(c.FFNDim), float64(c.VocabSize),
		float64(c.NumLayers), float64(s.SeqLen)
	perToken := 2*(l*(4*e*e+3*e*f)+e*v) + l*4*t*e
	return 3 * float64(s.Rows()) * t * perToken
}

// batch is one preference batch: PackPairs' tokens and response mask ([2P, T]), and per pair
// the reference log-probs and the margin offsets. It holds host values: each step gets
// fresh tensors (a training step may take over the buffers of its inputs).
type batch struct {
	tokens                         [][]int32
	mask                           [][]float32
	refChosen, refRejected, offset []float32
}

// makeBatch returns a batch of full rows: PromptLen-1 prompt bytes and a response long enough
// to be cut at SeqLen (so no EOS), all drawn from a seeded generator; reference log-probs
// near those of an untrained decoder (-ln 259 per scored token) and zero offsets (DPO).
func (s Setup) makeBatch() batch {
	s = s.Normalized()
	rng := newRand(s.Seed)
	text := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(' ' + rng.IntN(95))
		}
		return string(b)
	}
	lim := policy.Limits{MaxLen: s.SeqLen, MaxPromptLen: s.PromptLen - 1}
	chosen := make([]policy.Encoded, s.Pairs)
	rejected := make([]policy.Encoded, s.Pairs)
	out := batch{}
	scored := float32(s.SeqLen - s.PromptLen)
	for i := range s.Pairs {
		prompt := text(s.PromptLen - 1)
		chosen[i] = policy.Encode(prompt, text(s.SeqLen), lim)
		rejected[i] = policy.Encode(prompt, text(s.SeqLen), lim)
		out.refChosen = append(out.refChosen, -5.56*scored+float32(rng.NormFloat64()))
		out.refRejected = append(out.refRejected, -5.56*scored+float32(rng.NormFloat64()))
		out.offset = append(out.offset, 0)
	}
	tokens, mask := policy.PackPairs(chosen, rejected, s.SeqLen)
	out.tokens, out.mask = tokens.Value().([][]int32), mask.Value().([][]float32)
	return out
}

// model returns the decoder of s as train builds it, in an empty store whose variables
// initialise from s.Seed.
func (s Setup) model() *train.Model {
	s = s.Normalized()
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(s.Seed))
	return &train.Model{Policy: s.Policy, Store: store, RowGroups: s.RowGroups}
}

// preferenceTrainer returns train's trainer of the preference step for method DPO at train's
// default learning rate.
func (s Setup) preferenceTrainer(b compute.Backend) *gomlxtrain.Trainer {
	s = s.Normalized()
	return train.NewPreferenceTrainer(b, s.model(), dpo.Config{}, dpo.DPO,
		train.DefaultPreferenceLearningRate)
}

// sftTrainer returns train's trainer of the reference step at train's default learning rate.
func (s Setup) sftTrainer(b compute.Backend) *gomlxtrain.Trainer {
	s = s.Normalized()
	return train.NewReferenceTrainer(b, s.model(), train.DefaultSFTLearningRate)
}

// runStep runs one step of trainer on inputs and returns its loss.
func runStep(trainer *gomlxtrain.Trainer, inputs ...*tensors.Tensor) (float64, error) {
	metrics, err := trainer.TrainStep(gomlxtrain.Batch{Inputs: inputs})
	if err != nil {
		return 0, err
	}
	loss := float64(tensors.ToScalar[float32](metrics[0]))
	for _, t := range metrics {
		_ = t.FinalizeAll()
	}
	return loss, nil
}

// preferenceInputs returns new tensors of the preference step's inputs for bt.
func (bt batch) preferenceInputs() []*tensors.Tensor {
	return []*tensors.Tensor{tensors.FromValue(bt.tokens), tensors.FromValue(bt.mask),
		tensors.FromValue(bt.refChosen), tensors.FromValue(bt.refRejected),
		tensors.FromValue(bt.offset)}
}

// sftInputs returns new tensors of the reference step's inputs for bt.
func (bt batch) sftInputs() []*tensors.Tensor {
	return []*tensors.Tensor{tensors.FromValue(bt.tokens), tensors.FromValue(bt.mask)}
}

// shortName maps a decoder variable path (under /policy) to the name the PyTorch peer reads:
// "/policy/layer_0/attn/qkv/dense/weights" -> "layer_0/qkv", and so on.
func shortName(path string) string {
	name := strings.TrimPrefix(path, "/"+train.PolicyScope+"/")
	for _, suffix := range []string{"/dense/weights", "/rms_norm/scale", "/embeddings"} {
		name = strings.TrimSuffix(name, suffix)
	}
	return strings.NewReplacer("attn/qkv", "qkv", "attn/output", "attn_output").Replace(name)
}

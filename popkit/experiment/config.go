package experiment

import (
	"fmt"
	"reflect"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/train"
)

// Config describes one run of the main comparison. The zero value of each field means its
// default.
type Config struct {
	// Data is the UltraFeedback-style JSONL file of training pairs. Empty means a small data set
	// generated in-process (see [SyntheticData]).
	Data string
	// Test is a separate JSONL file of held-out pairs. Empty means a split of Data.
	Test string
	// TestFraction is the share of Data held out when Test is empty. Default 0.2.
	TestFraction float64
	// Methods are the margin-DPO variants to compare. Default: dpo.MainMethods().
	Methods []dpo.Method
	// Seeds is the number of seeds, 0..Seeds-1. Default 3.
	Seeds int
	// Quick selects the small preset instead of the full one: [QuickSyntheticTraining] for the
	// synthetic world (Data empty), [QuickTraining] for a data file.
	Quick bool
	// Train overrides the preset's training configuration field by field (zero fields keep the
	// preset's value; the seed is always set per run).
	Train train.Config
	// PoP configures the simulated preference-over-preference labels: K comparisons per
	// preference (default 1), random partners, and label noise (default none).
	PoP pop.SimConfig
	// Labels is a file of PoP labels made outside popkit (human or LLM-judge annotations; the
	// format of pop.ReadLabels, ids being the data's pair ids). When set, DPO-PoP learns its
	// margins from the labels that compare two training pairs of a seed, trains on every
	// training pair once, and PoP, Strategy and the PoP noise are not used. Empty means
	// simulated labels.
	Labels string
	// Strategy chooses which preferences are compared and which pairs DPO-PoP trains on
	// (pop.Random, the default, or pop.Iterative); see pop.Draw.
	Strategy pop.Strategy
	// Inference is how DPO-PoP gets its margins: train.Offline (the default: a Bradley-Terry
	// fit before training), train.Online (per-pair scores learned jointly with DPO) or
	// train.Implicit (the PoP likelihood on the policy's own implicit margins). The joint
	// variants train on every training pair once, whatever Strategy chose as training pairs.
	Inference train.Inference
	// Control adds a control arm: DPO with margin 0 on DPO-PoP's training pairs.
	Control bool
	// Fit configures the Bradley-Terry fit of the PoP labels (default ridge 0.1).
	Fit pop.FitConfig
	// Level is the confidence level of the intervals. Default 0.95.
	Level float64
	// CurveEvery, when positive, evaluates every method's policy after every CurveEvery-th
	// preference step, after the last and at step 0 (the reference) on the held-out pairs
	// (accuracy and, with a gold judge, win rate, gold reward and KL), for the training curves
	// of [Runner.EmitCurve] (curves.csv and curves.svg in [RunToDir]). Each evaluation costs
	// about as much as the final one. Default 0: no curves.
	CurveEvery int
	// CheckpointEvery is the number of training steps between the checkpoints of a run with a
	// checkpoint directory ([Runner.Checkpoints], set by [RunToDir]); 0 means
	// train.DefaultCheckpointEvery. It does not change the results, so a run may be resumed
	// with another value, and it is not recorded in config.json.
	CheckpointEvery int
	// PolicyDir, when set, is a pretrained checkpoint in the Hugging Face hub's layout (see
	// package pretrained): every seed's reference is fine-tuned from its weights, with its
	// tokenizer and chat template, instead of from a fresh Train.Policy decoder. Generative
	// evaluation (the gold judge of synthetic data, curves' win rates) is not supported then.
	PolicyDir string `json:",omitempty"`
}

// Defaults of Config; see the field comments.
const (
	DefaultTestFraction = 0.2
	DefaultSeeds        = 3
	DefaultLevel        = 0.95
)

// QuickTraining is the quick preset: a small decoder on short sequences, trained briefly, so that
// four methods over three seeds finish in minutes on a laptop CPU.
func QuickTraining() train.Config {
	return train.Config{
		Policy:          policy.Config{EmbedDim: 64, NumLayers: 2, NumHeads: 4, MaxLen: 128},
		Limits:          policy.Limits{MaxLen: 128, MaxPromptLen: 32},
		BatchSize:       8,
		SFTSteps:        60,
		PreferenceSteps: 40,
	}
}

// QuickSyntheticTraining is the quick preset of the synthetic world (the default data set): the
// decoder of [QuickTraining], with a reference fine-tuned longer and faster (200 steps at
// 5e-3) on the world's demonstrations, four per prompt, and 60 preference steps at 2.5e-4.
//
// Measured with `popkit run --quick --methods dpo --seeds 3` (means over seeds, 95% Student
// intervals): the reference pads about half its answers and DPO roughly halves that; win rate
// against the reference 0.654 [0.524, 0.783], gold reward 0.285, held-out preference accuracy
// 0.748 [0.664, 0.833], KL 1.7 nats. In single-seed trials while tuning (128 prompts), 60 steps at
// train's default rate 1e-4 moved the policy too little (win rate 0.58), and 5e-4 drove it
// towards empty answers (0.56); a reference fine-tuned for QuickTraining's 60 steps cannot yet
// end an answer, and its samples are noise to the gold reward.
func QuickSyntheticTraining() train.Config {
	c := QuickTraining()
	c.SFTSteps = 200
	c.SFTLearningRate = 5e-3
	c.PreferenceSteps = 60
	c.PreferenceLearningRate = 2.5e-4
	return c
}

// FullTraining is the full preset: train.Config's defaults.
func FullTraining() train.Config { return train.Config{} }

// Normalized returns c with defaults filled in, including the training preset merged with the
// Train overrides.
func (c Config) Normalized() Config {
	if c.TestFraction == 0 {
		c.TestFraction = DefaultTestFraction
	}
	if len(c.Methods) == 0 {
		c.Methods = dpo.MainMethods()
	}
	if c.Seeds == 0 {
		c.Seeds = DefaultSeeds
	}
	if c.Level == 0 {
		c.Level = DefaultLevel
	}
	if c.PoP.K == 0 {
		c.PoP.K = 1 // pop's default, written out so that config.json compares equal
	}
	preset := FullTraining()
	switch {
	case c.Quick && c.Data == "":
		preset = QuickSyntheticTraining()
	case c.Quick:
		preset = QuickTraining()
	}
	c.Train = merge(preset, c.Train).Normalized()
	return c
}

// merge returns base with every non-zero field of over copied onto it (a struct field such
// as Policy counts as set when any of its fields is, and is then copied whole).
func merge(base, over train.Config) train.Config {
	b, o := reflect.ValueOf(&base).Elem(), reflect.ValueOf(over)
	for i := range o.NumField() {
		if !o.Field(i).IsZero() {
			b.Field(i).Set(o.Field(i))
		}
	}
	return base
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	c = c.Normalized()
	if !(c.TestFraction > 0 && c.TestFraction < 1) {
		return fmt.Errorf("experiment: test fraction must be in (0, 1), got %g", c.TestFraction)
	}
	if c.Seeds < 1 {
		return fmt.Errorf("experiment: seeds must be >= 1, got %d", c.Seeds)
	}
	if c.CheckpointEvery < 0 {
		return fmt.Errorf("experiment: CheckpointEvery must be >= 0 (0: every %d steps), got %d",
			train.DefaultCheckpointEvery, c.CheckpointEvery)
	}
	if c.CurveEvery < 0 {
		return fmt.Errorf("experiment: CurveEvery must be >= 0 (0: no curves), got %d",
			c.CurveEvery)
	}
	if !(c.Level > 0 && c.Level < 1) {
		return fmt.Errorf("experiment: confidence level must be in (0, 1), got %g", c.Level)
	}
	if err := c.Inference.Validate(); err != nil {
		return err
	}
	if err := c.Strategy.Validate(); err != nil {
		return err
	}
	if err := c.PoP.Validate(); err != nil {
		return err
	}
	if err := c.Fit.Validate(); err != nil {
		return err
	}
	return c.Train.Validate()
}

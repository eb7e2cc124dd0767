package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/experiment"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/train"
)

// runCommand parses the flags of "popkit run" and runs the comparison.
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("popkit run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		data = fs.String("data", "", "UltraFeedback-style JSONL or Parquet of training pairs, or "+
			"a directory from \"popkit data fetch\" (its train split; its test split too) "+
			"(default: a small synthetic set generated in-process)")
		test = fs.String("test", "", "JSONL, Parquet or directory (its test split) of "+
			"held-out pairs (default: the test split of a --data directory, else hold out "+
			"--test-fraction of --data per seed)")
		frac = fs.Float64("test-fraction", experiment.DefaultTestFraction,
			"share of --data held out for evaluation when --test is not given")
		methods = fs.String("methods", joinMethods(dpo.MainMethods()),
			"comma-separated methods: "+joinMethods(dpo.Methods()))
		seeds = fs.Int("seeds", experiment.DefaultSeeds,
			"number of seeds (0..N-1); intervals need at least 2")
		quick = fs.Bool("quick", false,
			"small model and short training (minutes on a laptop CPU)")
		out = fs.String("out", "results",
			"output directory; a run there with the same setup is resumed")
		popK     = fs.Int("pop-k", 1, "PoP comparisons per preference")
		sampling = fs.String("pop-sampling", pop.Random.String(), "PoP sampling strategy: "+
			strings.Join(pop.StrategyNames(), " or ")+" (see the pop package)")
		inference = fs.String("margin-inference", train.Offline.String(),
			"how DPO-PoP infers margins: "+strings.Join(train.InferenceNames(), ", ")+
				" (see the train package)")
		labels = fs.String("pop-labels", "", "CSV of your own PoP labels (header "+
			"stronger,weaker[,tie]; cells are pair ids of --data) to learn DPO-PoP's margins "+
			"from, instead of simulated labels")
		control = fs.Bool("control", false,
			"also train the control: DPO with margin 0 on DPO-PoP's training pairs")
		noise = fs.String("pop-noise", "flip:0", "PoP label noise: flip:P (flip each label "+
			"with probability P) or bt:TAU (Bradley-Terry with temperature TAU)")
		ridge = fs.Float64("ridge", pop.DefaultRidge,
			"ridge of the Bradley-Terry fit of PoP margins (0: none; the fit then needs a "+
				"strongly connected comparison graph)")
		beta  = fs.Float64("beta", dpo.DefaultBeta, "DPO beta")
		gamma = fs.Float64("gamma", dpo.DefaultGamma,
			"fixed margin of method fixed, in units of beta-scaled log-ratios")
		alpha = fs.Float64("alpha", dpo.DefaultAlpha,
			"scale from rating-gap units to margin units (methods gt and pop)")
		steps = fs.Int("steps", 0,
			"preference-training steps per method (default: the preset's)")
		sft = fs.Int("sft-steps", 0, "reference fine-tuning steps (default: the preset's)")
		lr  = fs.Float64("lr", 0, "Adam learning rate of preference training "+
			"(default: the preset's)")
		sftLR = fs.Float64("sft-lr", 0, "Adam learning rate of reference fine-tuning "+
			"(default: the preset's)")
		batch     = fs.Int("batch", 0, "pairs per training step (default: the preset's)")
		ckptEvery = fs.Int("checkpoint-every", train.DefaultCheckpointEvery, "save the "+
			"training state under --out/checkpoints every N steps, so that a killed run "+
			"resumes inside the method it was training (the results do not depend on N)")
		policyDir = fs.String("policy", "", "pretrained checkpoint directory in the Hugging "+
			"Face hub's layout (config.json, safetensors, tokenizer.json; a Llama "+
			"architecture) to fine-tune the reference from (default: a fresh small byte-level "+
			"decoder); generative evaluation is not supported with it")
		dataParallel = fs.Int("data-parallel", 0, "run each training step on N devices of "+
			"the backend (batch rows sharded, weights replicated; --batch a multiple of N; "+
			"0 or 1: one device)")
		rowGroups = fs.Int("row-groups", 0, "run the decoder on N groups of a batch's rows "+
			"as independent graphs, which the Go backend executes in parallel (about one "+
			"core each; 0: 2)")
		curveEvery = fs.Int("curve-every", 0, "evaluate every method after every N preference "+
			"steps and write training curves (curves.csv, curves.svg; 0: none)")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: popkit run [flags]\n\n"+
			"Trains a reference policy per seed, then every method from it, and writes\n"+
			"runs.csv, summary.csv, summary.md, accuracy.svg and config.json to --out\n"+
			"(and curves.csv, curves.svg with --curve-every).\n\n"+
			"Flags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "popkit run: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}

	ms, err := dpo.ParseMethods(*methods)
	if err != nil {
		return fmt.Errorf("flag --methods: %w", err)
	}
	nz, err := parseNoise(*noise)
	if err != nil {
		return fmt.Errorf("flag --pop-noise: %w", err)
	}
	strategy, err := pop.ParseStrategy(*sampling)
	if err != nil {
		return fmt.Errorf("flag --pop-sampling: %w", err)
	}
	inf, err := train.ParseInference(*inference)
	if err != nil {
		return fmt.Errorf("flag --margin-inference: %w", err)
	}
	if *seeds < 1 {
		return fmt.Errorf("flag --seeds: seeds must be >= 1, got %d", *seeds)
	}
	for _, f := range []struct {
		name  string
		value float64
	}{{"beta", *beta}, {"gamma", *gamma}, {"alpha", *alpha}, {"test-fraction", *frac}} {
		if !(f.value > 0) || math.IsInf(f.value, 0) {
			return fmt.Errorf("flag --%s: must be a finite number > 0, got %g (for no margin, "+
				"use method dpo)", f.name, f.value)
		}
	}
	for _, f := range []struct {
		name  string
		value float64
	}{{"lr", *lr}, {"sft-lr", *sftLR}} {
		if !(f.value >= 0) || math.IsInf(f.value, 0) {
			return fmt.Errorf("flag --%s: must be a finite number >= 0 (0: the preset's), got %g",
				f.name, f.value)
		}
	}
	for _, f := range []struct {
		name  string
		value int
	}{{"steps", *steps}, {"sft-steps", *sft}, {"batch", *batch}} {
		if f.value < 0 {
			return fmt.Errorf("flag --%s: must be >= 0 (0: the preset's), got %d", f.name,
				f.value)
		}
	}
	if *ckptEvery < 1 {
		return fmt.Errorf("flag --checkpoint-every: must be >= 1 (steps between "+
			"checkpoints), got %d", *ckptEvery)
	}
	if *curveEvery < 0 {
		return fmt.Errorf("flag --curve-every: must be >= 0 (0: no curves), got %d", *curveEvery)
	}
	if *ridge < 0 {
		return fmt.Errorf("flag --ridge: must be >= 0 (0: no ridge), got %g", *ridge)
	}
	if *popK < 1 {
		return fmt.Errorf("flag --pop-k: need at least 1 comparison per preference, got %d", *popK)
	}
	cfg := experiment.Config{
		Data: *data, Test: *test, TestFraction: *frac, Methods: ms, Seeds: *seeds, Quick: *quick,
		PoP: pop.SimConfig{K: *popK, Noise: nz}, Strategy: strategy, Control: *control,
		Labels: *labels, Inference: inf, CurveEvery: *curveEvery, CheckpointEvery: *ckptEvery,
		Fit: pop.FitConfig{Ridge: *ridge, NoRidge: *ridge == 0}, PolicyDir: *policyDir,
	}
	cfg.Train.DPO = dpo.Config{Beta: *beta, Gamma: *gamma, Alpha: *alpha}
	cfg.Train.PreferenceSteps = *steps
	cfg.Train.SFTSteps = *sft
	cfg.Train.PreferenceLearningRate = *lr
	cfg.Train.SFTLearningRate = *sftLR
	cfg.Train.BatchSize = *batch
	cfg.Train.DataParallel = *dataParallel
	cfg.Train.RowGroups = *rowGroups
	if err := cfg.Validate(); err != nil {
		return err
	}

	b, err := backend.New()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	logger.Info("popkit run", "backend", backend.Describe(b), "out", *out, "quick", *quick,
		"methods", *methods, "seeds", *seeds)
	start := time.Now()
	if slices.Contains(ms, dpo.PoP) && strategy == pop.Random && inf == train.Offline &&
		!*control && *labels == "" {
		logger.Warn("with random sampling, DPO-PoP trains on the winners of its comparisons " +
			"while the other methods train on every pair; add --control to tell the effect of " +
			"the pairs from that of the margins")
	}
	if _, err := experiment.RunToDir(ctx, b, cfg, *out, logger); err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; finished cells and checkpoints are saved in %s, "+
				"and the same command resumes the run", *out)
		}
		return err
	}
	md, err := readFile(filepath.Join(*out, experiment.FileSummaryMD))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nWrote %s (%s).\n", md, *out, time.Since(start).Round(time.Second))
	return nil
}

// parseNoise parses "flip:P" or "bt:TAU".
func parseNoise(s string) (pop.Noise, error) {
	kind, value, ok := strings.Cut(s, ":")
	if !ok {
		return pop.Noise{}, fmt.Errorf("%q is not KIND:VALUE (flip:P or bt:TAU)", s)
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return pop.Noise{}, fmt.Errorf("%q: %q is not a number", s, value)
	}
	var nz pop.Noise
	switch kind {
	case "flip":
		nz = pop.FlipNoise(v)
	case "bt":
		nz = pop.BradleyTerryNoise(v)
	default:
		return pop.Noise{}, fmt.Errorf("%q: unknown noise %q (valid: flip, bt)", s, kind)
	}
	return nz, nz.Validate()
}

func joinMethods(ms []dpo.Method) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.String()
	}
	return strings.Join(names, ",")
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

package train

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/poprlhf/sandbox/popkit/atomicfile"
)

// Checkpoint configures the checkpoints of one training run ([Reference], [Preference] or
// [PreferenceJoint]): the whole training state (the policy's weights, the optimiser's moments,
// the step counter, and the variables of a joint run) saved with GoMLX's checkpoint package,
// so that a run killed midway continues where it stopped and ends with exactly the weights of
// a run never stopped. The zero value saves nothing.
//
// The batches a run draws are a function of (seed, step): a resumed run draws and discards
// the batches of the steps its checkpoint already holds, so the remaining steps see the same
// batches as without the interruption. With the same backend the resumed weights are then bit
// for bit those of an uninterrupted run.
//
// Each checkpoint is a directory Dir/step-NNNNNNNN written under a temporary name, synced and
// then renamed, so a run killed while saving leaves the previous checkpoint intact; older
// checkpoints are removed once a newer one is in place. A checkpoint is also saved after the
// last step, so a finished run that is started again returns at once with its final weights.
type Checkpoint struct {
	// Dir is the directory of this run's checkpoints, created when missing. A checkpoint found
	// there is resumed from. Empty: no checkpoints.
	Dir string
	// Every saves the state after every Every-th step (and after the last). 0 means
	// DefaultCheckpointEvery; it must not be negative.
	Every int
}

// DefaultCheckpointEvery is the default of [Checkpoint.Every]. For the quick preset, one save
// (weights and Adam's moments, synced to disk) costs about a third of a preference training
// step (BenchmarkCheckpoint: 71 ms against 197 ms on two cores), so saving every 20 steps adds
// under 2% to training while a killed run loses at most 19 steps.
const DefaultCheckpointEvery = 20

// checkpointVarPrefix starts the keys of variables in a GoMLX checkpoint; the variable's
// path follows.
const checkpointVarPrefix = "var:"

// checkpointPrefix starts the name of every checkpoint directory; the step follows.
const checkpointPrefix = "step-"

func (c Checkpoint) validate() error {
	if c.Every < 0 {
		return fmt.Errorf("train: Checkpoint.Every must be >= 0 (0: every %d steps), got %d",
			DefaultCheckpointEvery, c.Every)
	}
	return nil
}

// checkpointer saves and restores the state of one training run.
type checkpointer struct {
	dir   string
	every int
	store *model.Store
}

// resume restores store from the newest checkpoint of c.Dir, if any, and returns the number of
// steps it holds (0 without a checkpoint), with the checkpointer that saves the following ones
// (nil when c.Dir is empty). Variables already in store are overwritten; variables that
// training creates later (the optimiser's) take their saved values when created. With
// complete (the checkpoint holds every step of the run), every saved variable is created at
// once, since no training step will create them.
func (c Checkpoint) resume(store *model.Store, steps int) (*checkpointer, int, error) {
	if c.Dir == "" {
		return nil, 0, nil
	}
	every := c.Every
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	cp := &checkpointer{dir: c.Dir, every: every, store: store}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, 0, fmt.Errorf("train: checkpoints: %w", err)
	}
	step, path, err := cp.latest()
	if err != nil || path == "" {
		return cp, 0, err
	}
	if step > steps {
		return nil, 0, fmt.Errorf("train: checkpoint %s holds %d steps, more than the %d "+
			"configured: it belongs to another run", path, step, steps)
	}
	var existing []*model.Variable // e.g. initial weights of a pretrained network
	for v := range store.IterVariables() {
		existing = append(existing, v)
	}
	h, err := checkpoint.Load(store).Dir(path).Done()
	if err != nil {
		return nil, 0, fmt.Errorf("train: loading checkpoint %s: %w", path, err)
	}
	// The loader supplies only variables created after it; those already in the store take
	// the checkpoint's values here.
	for _, v := range existing {
		if value, ok := h.LoadVariable(store, v.Path()); ok {
			if err := v.SetValue(value); err != nil {
				return nil, 0, fmt.Errorf("train: loading %s from checkpoint %s: %w",
					v.Path(), path, err)
			}
		}
	}
	if step == steps {
		// Create every variable the checkpoint holds and training has not created yet.
		// (checkpoint's Immediate mode would do it, but in gomlx v0.28.2 it leaves variables
		// already in the store at their old values.)
		for _, key := range slices.Sorted(maps.Keys(h.LoadedVariables())) {
			if path, ok := strings.CutPrefix(key, checkpointVarPrefix); ok {
				store.GetVariable(path) // loads it from the handler
			}
		}
	}
	got := optimizer.GetGlobalStep(store)
	if got != int64(step) {
		return nil, 0, fmt.Errorf("train: checkpoint %s holds global step %d, expected %d: "+
			"it is damaged; delete it to start this run again", path, got, step)
	}
	return cp, step, nil
}

// latest returns the newest complete checkpoint in cp.dir and its step ("" when there is
// none), removing the temporary directories of saves that were interrupted.
func (cp *checkpointer) latest() (int, string, error) {
	entries, err := os.ReadDir(cp.dir)
	if err != nil {
		return 0, "", fmt.Errorf("train: checkpoints: %w", err)
	}
	best, path := -1, ""
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".tmp-") {
			_ = os.RemoveAll(filepath.Join(cp.dir, name))
			continue
		}
		digits, ok := strings.CutPrefix(name, checkpointPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		step, err := strconv.Atoi(digits)
		if err != nil || step < 0 {
			continue
		}
		if step > best {
			best, path = step, filepath.Join(cp.dir, name)
		}
	}
	if path == "" {
		return 0, "", nil
	}
	return best, path, nil
}

// after saves a checkpoint when step is a multiple of cp.every or the last of steps.
func (cp *checkpointer) after(step, steps int) error {
	if cp == nil || (step%cp.every != 0 && step != steps) {
		return nil
	}
	return cp.save(step)
}

// save writes the store as the checkpoint of step: into a temporary directory, synced, then
// renamed into place; older checkpoints are removed afterwards.
func (cp *checkpointer) save(step int) error {
	tmp, err := os.MkdirTemp(cp.dir, ".tmp-")
	if err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	// A handler attaches itself to the store as its variable loader; put the previous one
	// back, so that saving leaves the store as it was.
	prev := cp.store.Loader()
	h, err := checkpoint.Build(cp.store).Dir(tmp).Done()
	if err == nil {
		err = h.Save()
	}
	cp.store.SetLoader(prev)
	if err != nil {
		return fmt.Errorf("train: saving checkpoint of step %d: %w", step, err)
	}
	if err := syncDir(tmp, true); err != nil {
		return fmt.Errorf("train: saving checkpoint of step %d: %w", step, err)
	}
	final := filepath.Join(cp.dir, fmt.Sprintf("%s%08d", checkpointPrefix, step))
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("train: saving checkpoint of step %d: %w", step, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: saving checkpoint of step %d: %w", step, err)
	}
	if err := syncDir(cp.dir, false); err != nil {
		return fmt.Errorf("train: saving checkpoint of step %d: %w", step, err)
	}
	entries, err := os.ReadDir(cp.dir)
	if err != nil {
		return fmt.Errorf("train: checkpoints: %w", err)
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(final) && strings.HasPrefix(e.Name(), checkpointPrefix) {
			if err := os.RemoveAll(filepath.Join(cp.dir, e.Name())); err != nil {
				return fmt.Errorf("train: removing an old checkpoint: %w", err)
			}
		}
	}
	return nil
}

// syncDir flushes dir (and, with files, every regular file in it) to stable storage.
func syncDir(dir string, files bool) error {
	if files {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if err := atomicfile.Sync(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	return atomicfile.Sync(dir)
}

// nonFiniteVariable returns the path of the first trainable floating-point variable of store
// holding a NaN or an infinity, or "" when all are finite. After an optimiser step, a
// non-finite gradient shows up here at once: Adam's update of a NaN or infinite gradient is
// NaN.
func nonFiniteVariable(store *model.Store) (string, error) {
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		value, err := v.Value()
		if err != nil {
			return "", err
		}
		bad := false
		switch value.DType() {
		case dtypes.Float32:
			err = tensors.ConstFlatData(value, func(data []float32) {
				bad = slices.ContainsFunc(data, func(x float32) bool {
					f := float64(x)
					return math.IsNaN(f) || math.IsInf(f, 0)
				})
			})
		case dtypes.Float64:
			err = tensors.ConstFlatData(value, func(data []float64) {
				bad = slices.ContainsFunc(data, func(f float64) bool {
					return math.IsNaN(f) || math.IsInf(f, 0)
				})
			})
		}
		if err != nil {
			return "", err
		}
		if bad {
			return v.Path(), nil
		}
	}
	return "", nil
}

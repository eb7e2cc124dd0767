package experiment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/train"
)

// Variant is one setting of the PoP side of a run: how labels are simulated, which pairs
// DPO-PoP trains on, and how it infers margins. A sweep over variants (k, label noise,
// sampling strategy, inference) trains one reference policy per seed and every variant's arms
// from it, so that the variants differ only in what they set. Zero fields mean the defaults
// of [Config]; the base configuration's own PoP fields are not used.
type Variant struct {
	// Name labels the variant's arms in the results: "<arm> (<Name>)", or the arm's name
	// alone when Name is empty.
	Name string
	// Methods are the margin-DPO methods trained. Default: the base configuration's Methods.
	Methods []dpo.Method
	// PoP, Strategy, Inference and Control are as in [Config].
	PoP       pop.SimConfig
	Strategy  pop.Strategy
	Inference train.Inference
	Control   bool
}

// apply returns base with the variant's fields in place of its PoP fields.
func (v Variant) apply(base Config) Config {
	if len(v.Methods) > 0 {
		base.Methods = v.Methods
	}
	base.PoP, base.Strategy, base.Inference, base.Control = v.PoP, v.Strategy, v.Inference,
		v.Control
	return base.Normalized()
}

// label names arm a of the variant in results.
func (v Variant) label(a arm) string {
	if v.Name == "" {
		return a.name
	}
	return a.name + " (" + v.Name + ")"
}

// armKey names arm a of configuration cfg in a sweep's store. Arms that use no PoP labels
// (dpo, fixed, gt, ...) do not depend on the variant and share one key, so two sweeps that
// both train them compute them once; DPO-PoP and the control carry every PoP setting.
func armKey(a arm, cfg Config) string {
	if !a.sampled && a.method != dpo.PoP {
		return a.name
	}
	k := cfg.PoP.K
	if k == 0 {
		k = 1
	}
	return fmt.Sprintf("%s [k=%d noise=%s ties=%s strategy=%s inference=%s]", a.name, k,
		cfg.PoP.Noise, cfg.PoP.Ties, cfg.Strategy, cfg.Inference)
}

// storeConfig returns base without the fields a Variant sets: what every arm of a store
// shares.
func storeConfig(base Config) Config {
	base.Methods = nil
	base.PoP, base.Strategy, base.Inference, base.Control = pop.SimConfig{}, 0, 0, false
	return base
}

// StoreDir returns the folder under root that holds the arms of every sweep with base's
// setup (data, training, seeds, curves; not the fields a [Variant] sets): root/run-<hash of
// that setup>. Sweeps of one setup, from one notebook or several, share it.
func StoreDir(root string, base Config) (string, error) {
	base = base.Normalized()
	digest, err := dataDigest(base)
	if err != nil {
		return "", err
	}
	js, err := json.Marshal(setupOf(storeConfig(base), digest))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(js)
	return filepath.Join(root, "run-"+hex.EncodeToString(sum[:8])), nil
}

// SweepToDir runs the variants on base's data (see [LoadData]) and returns their rows, labelled
// as [Variant] says, with their training curves when base.CurveEvery is set (else nil). Rows
// and curves are kept in the store [StoreDir](root, base), in runs.csv and curves.csv keyed by
// arm (the method with every PoP setting): an arm already there for a seed is not trained
// again, and a seed whose arms are all there trains nothing, not even its reference. Runs of
// another setup never mix with them (their store is another folder).
func SweepToDir(ctx context.Context, b compute.Backend, base Config, variants []Variant,
	root string, logger *slog.Logger) (*Results, *Curves, error) {
	base = base.Normalized()
	if err := base.Validate(); err != nil {
		return nil, nil, err
	}
	data, err := LoadData(base)
	if err != nil {
		return nil, nil, err
	}
	return Sweep(ctx, b, base, variants, data, root, logger)
}

// Sweep is [SweepToDir] on data already loaded; base.Data must still name the data's file
// (empty for the synthetic world), as it keys the store.
func Sweep(ctx context.Context, b compute.Backend, base Config, variants []Variant, data Data,
	root string, logger *slog.Logger) (*Results, *Curves, error) {
	base = base.Normalized()
	if len(variants) == 0 {
		return nil, nil, fmt.Errorf("experiment: a sweep needs at least one variant")
	}
	cfgs := make([]Config, len(variants))
	for i, v := range variants {
		cfgs[i] = v.apply(base)
		if err := cfgs[i].Validate(); err != nil {
			return nil, nil, fmt.Errorf("experiment: variant %q: %w", v.Name, err)
		}
	}
	if err := data.check(base); err != nil {
		return nil, nil, err
	}
	// Every variant trains from the reference of base, so only base needs the network.
	base, err := base.withNetwork()
	if err != nil {
		return nil, nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir, err := StoreDir(root, base)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	digest, err := dataDigest(base)
	if err != nil {
		return nil, nil, err
	}
	results, err := resume(storeConfig(base), digest, b, dir)
	if err != nil {
		return nil, nil, err
	}
	curves, err := resumeCurves(base, dir)
	if err != nil {
		return nil, nil, err
	}
	var labels *ownLabels
	if base.Labels != "" {
		if labels, err = readOwnLabels(base.Labels, data); err != nil {
			return nil, nil, err
		}
	}

	runsPath, curvesPath := filepath.Join(dir, FileRuns), filepath.Join(dir, FileCurves)
	for seed := range base.Seeds {
		// todo[i] are the arms of variant i that this seed still needs; an arm shared by two
		// variants is trained for the first.
		todo := make([][]arm, len(variants))
		planned := map[string]bool{}
		pending := false
		for i, cfg := range cfgs {
			for _, a := range arms(cfg) {
				key := armKey(a, cfg)
				if results.Done(key, seed) || planned[key] {
					continue
				}
				planned[key] = true
				todo[i] = append(todo[i], a)
				pending = true
			}
		}
		if !pending {
			logger.Info("seed already done", "seed", seed, "store", dir)
			continue
		}
		r := &Runner{Backend: b, Config: base, Logger: logger}
		s, err := r.prepareSeed(ctx, base, data, seed, logger)
		if err != nil {
			return nil, nil, err
		}
		for i, cfg := range cfgs {
			if len(todo[i]) == 0 {
				continue
			}
			keys := map[string]string{}
			for _, a := range arms(cfg) {
				keys[a.name] = armKey(a, cfg)
			}
			rekey := func(method string) string {
				if k, ok := keys[method]; ok {
					return k
				}
				return method
			}
			r.Config = cfg
			r.Emit = func(rows []Row) error {
				for _, row := range rows {
					row.Method = rekey(row.Method)
					results.Add(row)
				}
				return results.WriteRuns(runsPath)
			}
			if cfg.CurveEvery > 0 {
				r.EmitCurve = func(rows []CurveRow) error {
					for _, row := range rows {
						row.Method = rekey(row.Method)
						curves.Add(row)
					}
					return curves.WriteCurves(curvesPath)
				}
			}
			logger.Info("variant", "name", variants[i].Name, "seed", seed)
			if err := r.runArms(ctx, cfg, labels, s, todo[i], logger); err != nil {
				return nil, nil, fmt.Errorf("experiment: variant %q: %w", variants[i].Name, err)
			}
		}
	}

	out, outCurves := NewResults(), NewCurves()
	seen := map[string]bool{}
	for i, v := range variants {
		for _, a := range arms(cfgs[i]) {
			key, name := armKey(a, cfgs[i]), v.label(a)
			if seen[name] {
				continue
			}
			seen[name] = true
			for _, row := range results.Rows() {
				if row.Method == key {
					row.Method = name
					out.Add(row)
				}
			}
			for _, row := range curves.Rows() {
				if row.Method == key {
					row.Method = name
					outCurves.Add(row)
				}
			}
		}
	}
	out.sortRows(func(a, b Row) int { return a.Seed - b.Seed })
	if base.CurveEvery == 0 {
		return out, nil, nil
	}
	return out, outCurves, nil
}

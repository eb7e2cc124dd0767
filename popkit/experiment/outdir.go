package experiment

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/gomlx/compute"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/eval"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/train"
)

// Files written to an output directory by [RunToDir].
const (
	FileRuns      = "runs.csv"
	FileSummary   = "summary.csv"
	FileSummaryMD = "summary.md"
	FileFigure    = "accuracy.svg"
	// FileWinRateFigure is written only when the data has a gold judge.
	FileWinRateFigure = "win_rate.svg"
	FileRunConfig     = "config.json"
	FigureMetric      = eval.MetricAccuracy
	// FileCurves holds the training curves (see [Config.CurveEvery]), written only when
	// CurveEvery is set: tidy rows method, seed, step, metric, value.
	FileCurves = "curves.csv"
	// FileCurvesFigure draws them (see [CurveFigure]), written with FileCurves.
	FileCurvesFigure = "curves.svg"
	// DirCheckpoints holds the mid-training checkpoints of the cells in progress (see
	// [Runner.Checkpoints]); it is removed when the run finishes.
	DirCheckpoints = "checkpoints"
)

// runRecord is what config.json holds: everything that determines the results, plus the
// environment they were computed in.
type runRecord struct {
	Setup setup `json:"setup"`
	// SeedValues are the seeds of the runs, 0..Seeds-1: each seeds the split, the PoP sample,
	// the initial weights, the batch order and the sampling of generations.
	SeedValues []int  `json:"seed_values"`
	Backend    string `json:"backend"`
	GoVersion  string `json:"go_version"`
	GoMLX      string `json:"gomlx_version"`
	// Popkit is the version of this module: its VCS revision (with "+dirty" for uncommitted
	// changes) when the binary was built from a checkout, else its module version.
	Popkit string `json:"popkit_version"`
	// Modules are the versions of the other libraries the results depend on.
	Modules     map[string]string `json:"modules"`
	Description string            `json:"description"`
}

// recordedModules are the libraries whose versions config.json records besides GoMLX.
var recordedModules = []string{"github.com/gomlx/compute", "gonum.org/v1/gonum",
	"github.com/parquet-go/parquet-go"}

// popkitVersion returns the VCS revision this binary was built from, or the main module's
// version, or "unknown".
func popkitVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			dirty = kv.Value == "true"
		}
	}
	switch {
	case rev != "" && dirty:
		return rev + "+dirty"
	case rev != "":
		return rev
	case info.Main.Version != "":
		return info.Main.Version
	}
	return "unknown"
}

// setup is the part of a run's configuration that its results depend on; a resumed run must
// have the same setup.
type setup struct {
	Data         string        `json:"data"`
	DataSHA256   string        `json:"data_sha256,omitempty"`
	Labels       string        `json:"labels,omitempty"`
	Test         string        `json:"test,omitempty"`
	TestFraction float64       `json:"test_fraction"`
	Methods      []string      `json:"methods"`
	Seeds        int           `json:"seeds"`
	Quick        bool          `json:"quick"`
	Train        train.Config  `json:"train"`
	PoP          pop.SimConfig `json:"pop"`
	Strategy     string        `json:"pop_strategy"`
	Inference    string        `json:"margin_inference"`
	Control      bool          `json:"control"`
	Fit          pop.FitConfig `json:"fit"`
	Level        float64       `json:"level"`
	CurveEvery   int           `json:"curve_every,omitempty"`
	PolicyDir    string        `json:"policy_dir,omitempty"`
}

func setupOf(cfg Config, digest string) setup {
	data := cfg.Data
	if data == "" {
		data = SyntheticName
	}
	methods := make([]string, len(cfg.Methods))
	for i, m := range cfg.Methods {
		methods[i] = m.String()
	}
	tc := cfg.Train
	tc.Progress = nil
	return setup{Data: data, DataSHA256: digest, Labels: cfg.Labels, Test: cfg.Test,
		TestFraction: cfg.TestFraction, Methods: methods, Seeds: cfg.Seeds, Quick: cfg.Quick,
		Train: tc, PoP: cfg.PoP,
		Strategy: cfg.Strategy.String(), Inference: cfg.Inference.String(), Control: cfg.Control,
		Fit: cfg.Fit, Level: cfg.Level, CurveEvery: cfg.CurveEvery, PolicyDir: cfg.PolicyDir}
}

// dataDigest returns the SHA-256 of the data, test and label files given (empty for the
// synthetic set without labels), so that a run is not resumed on a file that changed.
func dataDigest(cfg Config) (string, error) {
	if cfg.Data == "" && cfg.Labels == "" {
		return "", nil
	}
	h := sha256.New()
	paths, err := dataFiles(cfg)
	if err != nil {
		return "", err
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LoadData reads the configured training (and test) pairs, or generates the synthetic set.
func LoadData(cfg Config) (Data, error) {
	if cfg.Data == "" {
		return SyntheticData()
	}
	pairs, err := prefdata.ReadFile(cfg.Data)
	if err != nil {
		return Data{}, err
	}
	d := Data{Name: cfg.Data, Train: pairs}
	if test := testSource(cfg); test != "" {
		if isDir(test) {
			d.Test, err = prefdata.Options{}.ReadSplit(test, prefdata.TestSplit)
		} else {
			d.Test, err = prefdata.ReadFile(test)
		}
		if err != nil {
			return Data{}, err
		}
	}
	return d, nil
}

// RunToDir runs the comparison and writes runs.csv, summary.csv, summary.md, accuracy.svg and
// config.json to dir, with win_rate.svg when the data has a gold judge, and, when
// cfg.CurveEvery is set, curves.csv (rewritten atomically after every curve point) and, at
// the end, curves.svg. A directory that already holds a run with the same setup is resumed:
// finished (method, seed) cells are kept, with their curves, and not recomputed. A directory
// holding a run with a different setup (CurveEvery included) is an error, so results of two
// setups never mix.
func RunToDir(ctx context.Context, b compute.Backend, cfg Config, dir string,
	logger *slog.Logger) (*Results, error) {
	cfg = cfg.Normalized()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	data, err := LoadData(cfg)
	if err != nil {
		return nil, err
	}
	if err := data.check(cfg); err != nil {
		return nil, err
	}
	if n, total := data.truncated(cfg.Train.Limits); n > 0 && logger != nil {
		logger.Warn("responses cut to fit the sequence limits (see policy.Encode)",
			"truncated", n, "of", total, "max_len", cfg.Train.Limits.MaxLen,
			"max_prompt_len", cfg.Train.Limits.MaxPromptLen)
	}
	if cfg.Labels != "" {
		// Checked here as well as by the runner, so that a bad label file stops the run
		// before the output directory is created.
		if _, err := readOwnLabels(cfg.Labels, data); err != nil {
			return nil, err
		}
	}
	digest, err := dataDigest(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	results, err := resume(cfg, digest, b, dir)
	if err != nil {
		return nil, err
	}
	curves, err := resumeCurves(cfg, dir)
	if err != nil {
		return nil, err
	}

	runsPath := filepath.Join(dir, FileRuns)
	order := rowOrder(cfg)
	runner := &Runner{Backend: b, Config: cfg, Logger: logger, Done: results.Done,
		Checkpoints: filepath.Join(dir, DirCheckpoints),
		Emit: func(rows []Row) error {
			results.Add(rows...)
			results.sortRows(order)
			return results.WriteRuns(runsPath)
		}}
	if cfg.CurveEvery > 0 {
		curvesPath, curveOrder := filepath.Join(dir, FileCurves), curveRowOrder(cfg)
		runner.EmitCurve = func(rows []CurveRow) error {
			curves.Add(rows...)
			curves.sortRows(curveOrder)
			return curves.WriteCurves(curvesPath)
		}
	}
	if err := runner.Run(ctx, data); err != nil {
		return results, err
	}
	if err := os.RemoveAll(runner.Checkpoints); err != nil {
		return results, err
	}
	results.sortRows(order)
	if err := WriteSummaries(results, cfg.Level, dir); err != nil {
		return results, err
	}
	if cfg.CurveEvery == 0 {
		return results, nil
	}
	svg, err := CurveFigure(curves, cfg.Level)
	if err != nil {
		return results, err
	}
	return results, WriteFileAtomic(filepath.Join(dir, FileCurvesFigure), svg)
}

// resumeCurves returns the curve rows already in dir's curves.csv (none when cfg has no
// curves or the file does not exist yet).
func resumeCurves(cfg Config, dir string) (*Curves, error) {
	if cfg.CurveEvery == 0 {
		return NewCurves(), nil
	}
	curves, err := ReadCurves(filepath.Join(dir, FileCurves))
	if errors.Is(err, fs.ErrNotExist) {
		return NewCurves(), nil
	}
	return curves, err
}

// curveRowOrder is the order of the rows in curves.csv: by seed, method (as in rowOrder),
// step, then metric in the order of CurveMetrics; like rowOrder, it does not depend on the
// order in which cells were computed.
func curveRowOrder(cfg Config) func(a, b CurveRow) int {
	methods := map[string]int{}
	for i, a := range arms(cfg) {
		methods[a.name] = i
	}
	rank := func(index map[string]int, name string) int {
		if i, ok := index[name]; ok {
			return i
		}
		return len(index)
	}
	metrics := map[string]int{}
	for i, name := range CurveMetrics {
		metrics[name] = i
	}
	return func(a, b CurveRow) int {
		return cmp.Or(cmp.Compare(a.Seed, b.Seed),
			cmp.Compare(rank(methods, a.Method), rank(methods, b.Method)),
			cmp.Compare(a.Step, b.Step),
			cmp.Compare(rank(metrics, a.Metric), rank(metrics, b.Metric)))
	}
}

// rowOrder is the order of the rows in runs.csv: by seed, then by method in the order of
// cfg.Methods (methods outside it last), then by metric: the PoP diagnostics (every metric
// outside metricOrder) in the order they were emitted, then the discriminative metrics in
// metricOrder. It does not depend on which cells a run computed and which it found done, so a
// resumed run writes the same files, rows and summary alike, as a run never interrupted.
func rowOrder(cfg Config) func(a, b Row) int {
	methods := map[string]int{}
	for i, a := range arms(cfg) {
		methods[a.name] = i
	}
	metrics := map[string]int{}
	for i, name := range metricOrder {
		metrics[name] = i + 1 // 0: not in metricOrder
	}
	methodRank := func(name string) int {
		if i, ok := methods[name]; ok {
			return i
		}
		return len(methods)
	}
	return func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Seed, b.Seed),
			cmp.Compare(methodRank(a.Method), methodRank(b.Method)),
			cmp.Compare(metrics[a.Metric], metrics[b.Metric]))
	}
}

// resume checks dir's config.json against cfg (writing it when absent) and returns the rows
// already in dir's runs.csv.
func resume(cfg Config, digest string, b compute.Backend, dir string) (*Results, error) {
	modules := map[string]string{}
	for _, m := range recordedModules {
		modules[m] = moduleVersion(m)
	}
	rec := runRecord{Setup: setupOf(cfg, digest), Backend: backend.Describe(b),
		GoVersion: runtime.Version(), GoMLX: moduleVersion("github.com/gomlx/gomlx"),
		Popkit: popkitVersion(), Modules: modules, SeedValues: make([]int, cfg.Seeds),
		Description: "popkit run: margin-DPO methods compared over seeds; see runs.csv"}
	for i := range rec.SeedValues {
		rec.SeedValues[i] = i
	}
	want, err := json.MarshalIndent(rec.Setup, "", "  ")
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, FileRunConfig)
	old, err := os.ReadFile(cfgPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		out, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := WriteFileAtomic(cfgPath, append(out, '\n')); err != nil {
			return nil, err
		}
		return NewResults(), nil
	case err != nil:
		return nil, err
	}
	prev, err := parseRunRecord(old, cfgPath)
	if err != nil {
		return nil, err
	}
	got, _ := json.MarshalIndent(prev.Setup, "", "  ")
	if !bytes.Equal(got, want) {
		return nil, fmt.Errorf("experiment: %s holds a run with another setup (see %s); "+
			"choose a new output directory or delete it", dir, cfgPath)
	}
	results, err := ReadRuns(filepath.Join(dir, FileRuns))
	if errors.Is(err, fs.ErrNotExist) {
		return NewResults(), nil
	}
	return results, err
}

// parseRunRecord parses the config.json of a run directory; name is its path, for errors.
func parseRunRecord(data []byte, name string) (runRecord, error) {
	var rec runRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rec); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line := 1 + bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n"))
			return runRecord{}, fmt.Errorf("%s:%d: invalid JSON (%v); expected the config.json "+
				"that popkit run writes", name, line, err)
		case errors.As(err, &typ):
			line := 1 + bytes.Count(data[:min(int(typ.Offset), len(data))], []byte("\n"))
			return runRecord{}, fmt.Errorf("%s:%d: field %q: expected a %s, got a JSON %s", name,
				line, typ.Field, typ.Type, typ.Value)
		}
		return runRecord{}, fmt.Errorf("%s: %w; expected the config.json that popkit run "+
			"writes", name, err)
	}
	if dec.More() {
		return runRecord{}, fmt.Errorf("%s: data after the JSON object; expected the "+
			"config.json that popkit run writes", name)
	}
	// The methods may be empty: the store of a sweep (see [StoreDir]) records the shared
	// setup, and its variants name the methods of each arm.
	if rec.Setup.Data == "" || rec.Setup.Seeds < 1 {
		return runRecord{}, fmt.Errorf("%s: field \"setup\": missing or incomplete (data %q, "+
			"%d seeds); expected the config.json that popkit run writes", name,
			rec.Setup.Data, rec.Setup.Seeds)
	}
	return rec, nil
}

// WriteSummaries writes summary.csv, summary.md and accuracy.svg for results.
func WriteSummaries(results *Results, level float64, dir string) error {
	summary := results.Summarize(level)
	if err := WriteSummaryCSV(filepath.Join(dir, FileSummary), summary); err != nil {
		return err
	}
	md := SummaryMarkdown(summary, level)
	if err := WriteFileAtomic(filepath.Join(dir, FileSummaryMD), []byte(md)); err != nil {
		return err
	}
	svg, err := MetricFigure(summary, FigureMetric, level)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, FileFigure), svg); err != nil {
		return err
	}
	if !slices.ContainsFunc(summary, func(s SummaryRow) bool {
		return s.Metric == eval.MetricWinRate
	}) {
		return nil
	}
	if svg, err = MetricFigure(summary, eval.MetricWinRate, level); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, FileWinRateFigure), svg)
}

// moduleVersion returns the version of a module linked into this binary, or "unknown".
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return "unknown"
}

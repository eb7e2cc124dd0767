// Package notebook holds what popkit's notebooks share besides the experiments themselves:
// the quick/full switch, where files go, the real data sample, a quiet logger, and showing a
// table or figure in the notebook while saving it as a file.
//
// Environment (the contract with .ci/notebooks):
//
//	POPKIT_QUICK=1         quick (smoke) configurations; unset or 0: full ones.
//	POPKIT_ARTEFACTS=DIR   where a notebook writes its tables and figures; unset: a folder
//	                       per notebook and mode under the system's temporary folder.
//	POPKIT_RESULTS=DIR     the store of training runs that notebooks share (see
//	                       experiment.SweepToDir); unset: one under the temporary folder.
//	POPKIT_DATA=FILE       the real preference data; unset: the shared UltraFeedback sample
//	                       when it is found.
//
// The functions stop the cell (log.Fatal) on bad input: they are meant for notebook cells,
// where that is the error report.
package notebook

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/experiment"
	"github.com/poprlhf/sandbox/popkit/train"
)

// Seeds over which quick and full configurations report means and intervals.
const (
	QuickSeeds = 3
	FullSeeds  = 5
)

// Quick reports whether $POPKIT_QUICK asks for the quick configuration.
func Quick() bool {
	v := os.Getenv("POPKIT_QUICK")
	if v == "" {
		return false
	}
	q, err := strconv.ParseBool(v)
	if err != nil {
		log.Fatalf("POPKIT_QUICK=%q: want 1 (quick) or 0 (full)", v)
	}
	return q
}

// Seeds returns QuickSeeds in quick mode and FullSeeds otherwise.
func Seeds() int {
	if Quick() {
		return QuickSeeds
	}
	return FullSeeds
}

// Mode returns "quick" or "full".
func Mode() string {
	if Quick() {
		return "quick"
	}
	return "full"
}

// Artefacts returns the folder for the notebook's tables and figures, creating it:
// $POPKIT_ARTEFACTS, or <temp>/popkit/<name>/<mode>.
func Artefacts(name string) string {
	dir := os.Getenv("POPKIT_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "popkit", name, Mode())
	}
	Must(os.MkdirAll(dir, 0o755))
	return dir
}

// Results returns the root of the run store shared by notebooks: $POPKIT_RESULTS, or
// <temp>/popkit/results.
func Results() string {
	if dir := os.Getenv("POPKIT_RESULTS"); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "popkit", "results")
}

// RealData returns the real preference data: $POPKIT_DATA (which must exist), else the shared
// UltraFeedback sample, ../shared/data/ultrafeedback/train_1000.jsonl from $POPKIT_ROOT (the
// checkout the kernel links), when it exists; else "".
func RealData() string {
	if path := os.Getenv("POPKIT_DATA"); path != "" {
		_, err := os.Stat(path)
		Must(err)
		return path
	}
	root := os.Getenv("POPKIT_ROOT")
	if root == "" {
		return ""
	}
	path := filepath.Join(root, "..", "shared", "data", "ultrafeedback", "train_1000.jsonl")
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return filepath.Clean(path)
}

// Must stops the cell with err's message when err is not nil.
func Must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// Logger returns a text logger to standard output without timestamps (a notebook shows the
// cell's time), at level Info, or Warn in quick mode, where the steps would flood the cell.
func Logger() *slog.Logger {
	level := slog.LevelInfo
	if Quick() {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		}}))
}

// Figure writes svg to dir/name and shows it in the notebook.
func Figure(dir, name string, svg []byte) {
	Must(experiment.WriteFileAtomic(filepath.Join(dir, name), svg))
	gonbui.DisplaySVG(string(svg))
}

// Table writes rows as CSV (experiment.WriteSummaryCSV) to dir/name and as Markdown next to
// it (name with .md for .csv), and shows the Markdown table.
func Table(dir, name string, rows []experiment.SummaryRow, level float64) {
	Must(experiment.WriteSummaryCSV(filepath.Join(dir, name), rows))
	md := experiment.SummaryMarkdown(rows, level)
	ext := filepath.Ext(name)
	Must(experiment.WriteFileAtomic(filepath.Join(dir, name[:len(name)-len(ext)]+".md"),
		[]byte(md)))
	gonbui.DisplayMarkdown(md)
}

// Markdown writes text to dir/name and shows it.
func Markdown(dir, name, text string) {
	Must(experiment.WriteFileAtomic(filepath.Join(dir, name), []byte(text)))
	gonbui.DisplayMarkdown(text)
}

// ReadFile returns the content of dir/name, stopping the cell with a hint when the file does
// not exist (an earlier cell writes it).
func ReadFile(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		log.Fatalf("%s not found in %s: run the cells above first", name, dir)
	}
	Must(err)
	return b
}

// Select returns the summary rows of the given metrics, in the order of rows.
func Select(rows []experiment.SummaryRow, metrics ...string) []experiment.SummaryRow {
	var out []experiment.SummaryRow
	for _, r := range rows {
		for _, m := range metrics {
			if r.Metric == m {
				out = append(out, r)
			}
		}
	}
	return out
}

// Find returns the summary row of method and metric; ok is false when there is none.
func Find(rows []experiment.SummaryRow, method, metric string) (experiment.SummaryRow, bool) {
	for _, r := range rows {
		if r.Method == method && r.Metric == metric {
			return r, true
		}
	}
	return experiment.SummaryRow{}, false
}

// Compare states in words how a's interval relates to b's, for a conclusion: "above" when
// a's lower end is above b's upper end, "below" for the reverse, "overlaps" otherwise, and
// "no interval" when either lacks one (fewer than two seeds).
func Compare(a, b experiment.SummaryRow) string {
	switch {
	case a.N < 2 || b.N < 2:
		return "no interval"
	case a.Low > b.High:
		return "above"
	case a.High < b.Low:
		return "below"
	}
	return "overlaps"
}

// Verdict states, as one Markdown list item, how method a compares with method b on metric
// in rows: both means with their intervals (Interval), a's number of seeds and Compare's word
// for a against b, "overlapping" read as not separated by this run. When either method lacks
// the metric, the item says so.
func Verdict(rows []experiment.SummaryRow, a, b, metric string) string {
	ra, okA := Find(rows, a, metric)
	rb, okB := Find(rows, b, metric)
	if !okA || !okB {
		return fmt.Sprintf("- %s: no %s for %s or %s.\n", metric, metric, a, b)
	}
	how := map[string]string{"above": "above", "below": "below",
		"overlaps": "overlapping (not separated by this run)", "no interval": "without intervals"}
	return fmt.Sprintf("- %s: %s %s against %s %s (%s): %s.\n", metric, a, Interval(ra), b,
		Interval(rb), seeds(ra.N), how[Compare(ra, rb)])
}

// seeds returns "1 seed" or "n seeds".
func seeds(n int) string {
	if n == 1 {
		return "1 seed"
	}
	return fmt.Sprintf("%d seeds", n)
}

// QuickNote returns the Markdown paragraph that closes a conclusion drawn from a quick run of
// cfg, or "" when cfg.Quick is not set. The paragraph states the run's size, read from
// cfg.Normalized() (decoder depth and width, reference and preference steps, seeds, data), and
// then point, what such a run can show; an empty point means the default, "it checks the
// pipeline; the paper's claim is tested by the full run". The text starts and ends with a
// newline, so that it can be appended to any conclusion.
func QuickNote(cfg experiment.Config, point string) string {
	if !cfg.Quick {
		return ""
	}
	if point == "" {
		point = "it checks the pipeline; the paper's claim is tested by the full run"
	}
	cfg = cfg.Normalized()
	data := "the " + experiment.SyntheticName + " world"
	if cfg.Data != "" {
		data = "`" + filepath.Base(cfg.Data) + "`"
	}
	tc := cfg.Train
	return fmt.Sprintf("\n*Quick mode: a smoke run (a %d-layer decoder of width %d, %d reference "+
		"then %d preference steps, %s, on %s): %s.*\n", tc.Policy.NumLayers, tc.Policy.EmbedDim,
		tc.SFTSteps, tc.PreferenceSteps, seeds(cfg.Seeds), data, point)
}

// Interval formats a summary row as "mean [low, high]" with three decimals.
func Interval(r experiment.SummaryRow) string {
	if r.N < 2 {
		return fmt.Sprintf("%.3f (n=%d)", r.Mean, r.N)
	}
	return experiment.IntervalText(r.Mean, r.Low, r.High)
}

// Base returns the configuration the experiment notebooks (00, 04 to 08) share, so that an
// arm one of them trained is reused by the others through the store (see Sweep): the
// synthetic world; in quick mode the quick preset cut to 40 reference and 20 preference steps,
// QuickSeeds seeds; otherwise the full preset, FullSeeds seeds.
func Base() experiment.Config {
	if Quick() {
		return experiment.Config{Quick: true, Seeds: QuickSeeds,
			Train: train.Config{SFTSteps: 40, PreferenceSteps: 20}}
	}
	return experiment.Config{Seeds: FullSeeds}
}

// Sweep runs variants on base through the shared store (experiment.SweepToDir under Results)
// with the default backend, logging with Logger, and returns the rows and, when
// base.CurveEvery is set, the training curves.
func Sweep(base experiment.Config, variants ...experiment.Variant) (*experiment.Results,
	*experiment.Curves) {
	b, err := backend.New()
	Must(err)
	res, curves, err := experiment.SweepToDir(context.Background(), b, base, variants,
		Results(), Logger())
	Must(err)
	return res, curves
}

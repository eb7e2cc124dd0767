package prefdata

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Split names used in data directories.
const (
	TrainSplit = "train"
	TestSplit  = "test"
)

// SplitFiles returns the data files of split (such as [TrainSplit] or [TestSplit]) in the
// directory dir and its subdirectory data/ (the hub's layout), sorted by path. A data file
// has the extension .jsonl or .parquet (any letter case); it belongs to the split when its
// base name, without the extension, is the split's name or starts with it followed by '-',
// '_' or '.': train.jsonl, train-00000-of-00002.parquet, train_prefs-00000-of-00001.parquet.
// When some of those names start with SPLIT_prefs (HuggingFaceH4/ultrafeedback_binarized,
// which also has SPLIT_sft and SPLIT_gen files with other uses), only those are kept.
// Other subdirectories are not searched. No file is not an error: the result is empty.
func SplitFiles(dir, split string) ([]string, error) {
	var all, prefs []string
	for _, d := range []string{dir, filepath.Join(dir, "data")} {
		entries, err := os.ReadDir(d)
		if err != nil {
			if d != dir && os.IsNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("prefdata: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			ext := strings.ToLower(filepath.Ext(name))
			if e.IsDir() || (ext != ".jsonl" && ext != ".parquet") {
				continue
			}
			base := strings.TrimSuffix(name, filepath.Ext(name))
			rest, ok := strings.CutPrefix(strings.ToLower(base), split)
			if !ok || (rest != "" && !strings.ContainsAny(rest[:1], "-_.")) {
				continue
			}
			path := filepath.Join(d, name)
			all = append(all, path)
			if strings.HasPrefix(rest, "_prefs") {
				prefs = append(prefs, path)
			}
		}
	}
	if len(prefs) > 0 {
		all = prefs
	}
	slices.Sort(all)
	return all, nil
}

// ReadSplit reads the pairs of every file of split in dir (see [SplitFiles]) with
// [Options.ReadFile], in path order, and concatenates them. IDs must be unique across the
// files: a repeated ID is an error naming both files. A split without files is an error that
// lists what the directory holds.
func (o Options) ReadSplit(dir, split string) ([]Pair, error) {
	files, err := SplitFiles(dir, split)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("prefdata: %s: no %s files: expected %s.jsonl, %s-*.parquet, "+
			"%s_prefs-*.parquet or similar in the directory or its data/ folder", dir, split,
			split, split, split)
	}
	var pairs []Pair
	seen := map[string]string{}
	for _, f := range files {
		ps, err := o.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if first, dup := seen[p.ID]; dup {
				return nil, &ParseError{File: f, Msg: fmt.Sprintf(
					"id %q is also used in %s; ids must be unique across a split's files",
					p.ID, first)}
			}
			seen[p.ID] = f
		}
		pairs = append(pairs, ps...)
	}
	return pairs, nil
}

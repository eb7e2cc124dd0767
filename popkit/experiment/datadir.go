package experiment

import (
	"os"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// isDir reports whether path names a directory.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// testSource returns where held-out pairs come from: cfg.Test when set (a file, or a
// directory whose test split is read), else cfg.Data when it is a directory with test split
// files (a fetched data set keeps its own test split), else "" (a split of the training
// pairs).
func testSource(cfg Config) string {
	if cfg.Test != "" {
		return cfg.Test
	}
	if cfg.Data != "" && isDir(cfg.Data) {
		if files, err := prefdata.SplitFiles(cfg.Data, prefdata.TestSplit); err == nil &&
			len(files) > 0 {
			return cfg.Data
		}
	}
	return ""
}

// dataFiles lists the files a run reads, in a fixed order, for its data digest: the training
// split's files for a data directory, the test split's for a test directory, and the label
// file.
func dataFiles(cfg Config) ([]string, error) {
	var out []string
	add := func(path, split string) error {
		if path == "" {
			return nil
		}
		if !isDir(path) {
			out = append(out, path)
			return nil
		}
		files, err := prefdata.SplitFiles(path, split)
		out = append(out, files...)
		return err
	}
	if err := add(cfg.Data, prefdata.TrainSplit); err != nil {
		return nil, err
	}
	if err := add(testSource(cfg), prefdata.TestSplit); err != nil {
		return nil, err
	}
	if err := add(cfg.Labels, ""); err != nil {
		return nil, err
	}
	return out, nil
}

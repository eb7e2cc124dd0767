package prefdata

import (
	"os"
	"path/filepath"
	"strings"
)

// ReadFile reads the preference pairs of the file at path with the default [Options],
// choosing the reader by the file name; see [Options.ReadFile].
func ReadFile(path string) ([]Pair, error) {
	return Options{}.ReadFile(path)
}

// ReadFile reads the preference pairs of the file at path, choosing the reader by the file
// name's extension: a name ending in ".parquet" (in any letter case) is read by
// [Options.ReadParquet], any other name by [Options.ReadJSONL]. The errors are theirs.
// A directory is read as its training split ([Options.ReadSplit] with [TrainSplit]).
func (o Options) ReadFile(path string) ([]Pair, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return o.ReadSplit(path, TrainSplit)
	}
	if strings.EqualFold(filepath.Ext(path), ".parquet") {
		return o.ReadParquet(path)
	}
	return o.ReadJSONL(path)
}

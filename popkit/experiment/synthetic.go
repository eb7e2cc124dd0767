package experiment

import (
	"fmt"

	"github.com/poprlhf/sandbox/popkit/synth"
)

// SyntheticName names the in-process data set in config.json and logs.
const SyntheticName = "synthetic"

// SyntheticData returns the in-process default data set: the pairs of a synthetic preference
// world with synth's default configuration (1,000 prompts, 4 candidates each, best against a
// random other), the same for every run.
func SyntheticData() (Data, error) {
	w, err := synth.Generate(synth.Config{})
	if err != nil {
		return Data{}, fmt.Errorf("experiment: generating the synthetic world: %w", err)
	}
	return Data{Name: SyntheticName, Train: w.Pairs}, nil
}

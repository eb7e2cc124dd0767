package experiment

import (
	"fmt"

	"github.com/poprlhf/sandbox/popkit/synth"
)

// SyntheticName names the in-process data set in config.json and logs.
const SyntheticName = "synthetic"

// GenerationPrompts is the number of held-out prompts on which generation is evaluated.
const GenerationPrompts = 64

// SyntheticData returns the in-process default data set: the pairs of a synthetic preference
// world with synth's default configuration (1,000 prompts, 4 candidates each, best against a
// random other), the same for every run, with the world's gold reward as the judge of
// generations on GenerationPrompts held-out prompts (see [WorldData]).
func SyntheticData() (Data, error) {
	w, err := synth.Generate(synth.Config{})
	if err != nil {
		return Data{}, fmt.Errorf("experiment: generating the synthetic world: %w", err)
	}
	return WorldData(w, GenerationPrompts), nil
}

// WorldData returns the pairs of a synthetic world, judged by its gold reward on n held-out
// prompts. The reference of each seed is fine-tuned on the world's demonstrations for the
// seed's training pairs (every candidate of their prompts; see synth.World.Demonstrations),
// and the judge samples answers of at most synth.MaxResponseLen bytes plus the EOS, the
// longest a hidden model writes.
func WorldData(w *synth.World, n int) Data {
	held := w.HeldOut(n)
	prompts := make([]string, len(held))
	for i, p := range held {
		prompts[i] = p.Text
	}
	return Data{Name: SyntheticName, Train: w.Pairs, Gold: w.GoldReward, Prompts: prompts,
		Demonstrations: w.Demonstrations, MaxResponse: synth.MaxResponseLen + 1}
}

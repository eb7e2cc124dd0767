package train

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/pretrained"
	"github.com/poprlhf/sandbox/popkit/pretrained/pretrainedtest"
)

// hubPairs are short pairs that the limits of hubConfig never cut.
var hubPairs = []prefdata.Pair{
	{ID: "a", Prompt: "hello", Chosen: " world", Rejected: "hello hello"},
	{ID: "b", Prompt: "Say 42.", Chosen: "42", Rejected: "no"},
	{ID: "c", Prompt: "or", Chosen: "word", Rejected: " w"},
}

func loadTinyHub(t *testing.T) *pretrained.Model {
	t.Helper()
	dir := t.TempDir()
	pretrainedtest.WriteCheckpoint(t, dir, pretrainedtest.TinyConfig(true), false)
	pm, err := pretrained.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func hubConfig(pm *pretrained.Model) Config {
	return Config{Network: PretrainedNetwork(pm),
		Limits:    policy.Limits{MaxLen: 96, MaxPromptLen: 64},
		BatchSize: 2, SFTSteps: 1, PreferenceSteps: 1, SFTLearningRate: 1e-2,
		PreferenceLearningRate: 1e-2}
}

// weights returns the values of the variables under /policy, by path.
func weights(t *testing.T, s *model.Store) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range s.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/"+PolicyScope) {
			out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
		}
	}
	return out
}

// TestPretrainedNetworkStartsFromCheckpoint: before training, the log-probs of a Model on the
// pretrained network are pretrained's own (SequenceLogProbs, itself checked against a float64
// forward pass); one SFT step and one DPO step change the weights and keep them finite.
func TestPretrainedNetworkStartsFromCheckpoint(t *testing.T) {
	b := testBackend(t)
	pm := loadTinyHub(t)
	cfg := hubConfig(pm)

	store := model.NewStore()
	untrained := &Model{Network: cfg.Network, Limits: cfg.Limits, Store: store}
	if err := cfg.Network.InitWeights(store.RootScope().In(PolicyScope)); err != nil {
		t.Fatal(err)
	}
	chosen, rejected, err := untrained.LogProbs(b, hubPairs, 2)
	if err != nil {
		t.Fatal(err)
	}
	var prompts, responses []string
	for _, p := range hubPairs {
		prompts, responses = append(prompts, p.Prompt), append(responses, p.Chosen)
	}
	for _, p := range hubPairs {
		prompts, responses = append(prompts, p.Prompt), append(responses, p.Rejected)
	}
	want, err := pm.SequenceLogProbs(b, prompts, responses, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := append(slices.Clone(chosen), rejected...)
	for i := range want {
		// Same float32 graph; only the padding length differs, which cannot reach a real token.
		if math.Abs(got[i]-want[i]) > 1e-4*math.Max(1, math.Abs(want[i])) {
			t.Errorf("sequence %d: log-prob %.6f, pretrained's %.6f", i, got[i], want[i])
		}
	}

	var ref, pol *Model
	deadline(t, 60*time.Second, func() {
		ref, err = Reference(context.Background(), b, hubPairs, cfg)
		if err != nil {
			return
		}
		refC, refR, err2 := ref.LogProbs(b, hubPairs, 2)
		if err = err2; err != nil {
			return
		}
		pol, err = Preference(context.Background(), b, ref, Pairs{Pairs: hubPairs,
			RefChosen: refC, RefRejected: refR, Offsets: make([]float64, len(hubPairs))}, cfg)
	})
	if err != nil {
		t.Fatal(err)
	}
	before, afterSFT, afterDPO := weights(t, store), weights(t, ref.Store), weights(t, pol.Store)
	if len(before) != len(pm.Config.WeightShapes()) || len(afterDPO) != len(before) {
		t.Fatalf("%d, %d weights under /policy, want %d", len(before), len(afterDPO),
			len(pm.Config.WeightShapes()))
	}
	changed := func(a, b map[string][]float32) int {
		n := 0
		for k := range a {
			if !slices.Equal(a[k], b[k]) {
				n++
			}
			for _, v := range b[k] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s is not finite after training", k)
				}
			}
		}
		return n
	}
	// Adam's first step moves every weight with a non-zero gradient by about the learning
	// rate; every tensor of the tiny model takes part in the loss.
	if n := changed(before, afterSFT); n != len(before) {
		t.Errorf("SFT step changed %d of %d weights", n, len(before))
	}
	if n := changed(afterSFT, afterDPO); n != len(before) {
		t.Errorf("DPO step changed %d of %d weights", n, len(before))
	}
	if _, err := pol.Generate(b, []string{"hi"}, SampleConfig{}); !errors.Is(err,
		ErrNotByteDecoder) {
		t.Errorf("Generate on a pretrained network: err = %v, want ErrNotByteDecoder", err)
	}
}

package pop_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/poprlhf/sandbox/popkit/pop"
)

func ExampleSimulateRandom() {
	// Ground-truth margins of six preference pairs (rating gaps).
	margins := []float64{0.5, 3, 1, 7, 2, 2}
	rng := rand.New(rand.NewPCG(1, 2))
	comps, err := pop.SimulateRandom(margins, pop.SimConfig{K: 2}, rng)
	if err != nil {
		panic(err)
	}
	// Two rounds of three pairs, labelled without noise. Preferences 4 and 5 have equal
	// margins: had they been matched, the comparison would be a tie, printed "4=5".
	fmt.Println(comps)
	fmt.Println("accuracy:", pop.LabelAccuracy(margins, comps))
	// Output:
	// [1>5 2>0 3>4 5>0 3>4 1>2]
	// accuracy: 1
}

func ExampleFitBradleyTerry() {
	// 0 beat 1 twice and lost once; 1 and 2 each won once against the other.
	comps := []pop.Comparison{
		{Stronger: 0, Weaker: 1}, {Stronger: 0, Weaker: 1}, {Stronger: 1, Weaker: 0},
		{Stronger: 1, Weaker: 2}, {Stronger: 2, Weaker: 1},
	}
	u, report, err := pop.FitBradleyTerry(3, comps, pop.FitConfig{NoRidge: true})
	if err != nil {
		panic(err)
	}
	// Without ridge, u_0 - u_1 = log(2/1) = 0.693 and u_1 = u_2; centred, u_0 = 2*0.693/3.
	fmt.Printf("u = %.3f %.3f %.3f\n", u[0], u[1], u[2])
	fmt.Println("components:", report.Components, "strongly connected:", report.StrongComponents)

	// A preference that only wins has no finite maximum-likelihood score.
	_, _, err = pop.FitBradleyTerry(2, comps[:1], pop.FitConfig{NoRidge: true})
	fmt.Println(errors.Is(err, pop.ErrNeedsRidge))
	// The default ridge (lambda = 0.1) keeps it finite: u_0 = -u_1 = a with
	// 2*sigmoid(-2a) = 0.1*2a, whose root is a = 1.064.
	u, _, _ = pop.FitBradleyTerry(2, comps[:1], pop.FitConfig{})
	fmt.Printf("u = %.3f %.3f\n", u[0], u[1])
	// Output:
	// u = 0.462 -0.231 -0.231
	// components: 1 strongly connected: 1
	// true
	// u = 1.064 -1.064
}

func ExampleCalibrate() {
	u := []float64{-1, 0, 1, 3}
	// mean(u) = 0.75 and sd(u) = 1.708; target mean 2, sd 1, clipped to [0, 3].
	m := pop.Calibrate(u, pop.Scale{Mean: 2, Std: 1, Max: 3})
	fmt.Printf("%.3f\n", m)
	// Output:
	// [0.975 1.561 2.146 3.000]
}

func ExampleScaleOf() {
	fmt.Printf("%+v\n", pop.ScaleOf([]float64{1, 2, 3, 6}))
	// Output:
	// {Mean:3 Std:2.160246899469287 Max:6}
}

func ExampleInferMargins() {
	// Simulate noisy PoP labels on 1,000 pairs, then infer margins in rating units.
	rng := rand.New(rand.NewPCG(3, 4))
	truth := make([]float64, 1000)
	for i := range truth {
		truth[i] = float64(rng.IntN(17)) / 2 // UltraFeedback-like gaps 0, 0.5, ..., 8
	}
	cfg := pop.SimConfig{K: 4, Noise: pop.FlipNoise(0.1)}
	comps, err := pop.SimulateRandom(truth, cfg, rng)
	if err != nil {
		panic(err)
	}
	margins, report, err := pop.InferMargins(len(truth), comps, pop.FitConfig{},
		pop.ScaleOf(truth))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(comps), "comparisons;", report.Components, "component")
	fmt.Printf("first margins: %.2f (truth %.1f)\n", margins[:4], truth[:4])
	// Output:
	// 2000 comparisons; 1 component
	// first margins: [8.00 7.58 2.90 4.49] (truth [7.0 7.5 3.5 5.0])
}

func ExampleTouched() {
	comps := []pop.Comparison{{Stronger: 2, Weaker: 0}}
	fmt.Println(pop.Touched(4, comps))
	// Output:
	// [true false true false]
}

func ExampleLabelAccuracy() {
	strengths := []float64{1, 2, 3}
	comps := []pop.Comparison{
		{Stronger: 2, Weaker: 0},            // agrees
		{Stronger: 0, Weaker: 1},            // flipped
		{Stronger: 1, Weaker: 2, Tie: true}, // ties are not counted
	}
	fmt.Println(pop.LabelAccuracy(strengths, comps))
	// Output:
	// 0.5
}

func ExampleParseNoiseKind() {
	kind, err := pop.ParseNoiseKind("bradley-terry")
	fmt.Println(kind, err)
	_, err = pop.ParseNoiseKind("gauss")
	fmt.Println(err)
	// Output:
	// bradley-terry <nil>
	// pop: unknown noise kind "gauss" (valid: flip, bradley-terry)
}

func ExampleParseTiePolicy() {
	policy, err := pop.ParseTiePolicy("skip")
	fmt.Println(policy, err, pop.TiePolicyNames())
	// Output:
	// skip <nil> [half skip]
}

func ExampleNoiseKindNames() {
	fmt.Println(pop.NoiseKindNames())
	// Output:
	// [flip bradley-terry]
}

func ExampleFlipNoise() {
	fmt.Println(pop.FlipNoise(0.2), pop.FlipNoise(0.2).Validate())
	fmt.Println(pop.FlipNoise(0.7).Validate())
	// Output:
	// flip(p=0.2) <nil>
	// pop: Noise.P = 0.7: the flip probability must lie in [0, 0.5]
}

func ExampleBradleyTerryNoise() {
	// P(the larger gap is labelled stronger) = sigmoid(gap difference / tau).
	fmt.Println(pop.BradleyTerryNoise(0.5))
	// Output:
	// bradley-terry(tau=0.5)
}

package synth_test

import (
	"errors"
	"fmt"

	"github.com/poprlhf/sandbox/popkit/synth"
)

func ExampleGenerate() {
	w, err := synth.Generate(synth.Config{Prompts: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The first prompt with its four candidates, their gold rewards and noisy ratings.
	it := w.Items[0]
	fmt.Printf("%q, ideal answer %q\n", it.Text, it.Answer)
	for _, c := range it.Candidates {
		fmt.Printf("  %-7s %-27q rating %-3g r*=%.3f\n", c.Model, c.Response, c.Rating,
			c.Reward.Total)
	}

	// One pair per prompt: best against a random other (the default rule).
	for i, p := range w.Pairs {
		fmt.Printf("%s: %q (%g) > %q (%g), rating margin %g, gold gap %.2f\n", p.ID,
			p.Chosen, p.ScoreChosen, p.Rejected, p.ScoreRejected, p.Margin(), w.GoldGap[i])
	}
	// Output:
	// "sort: b g k\n", ideal answer "b g k"
	//   broken  "Here you go: t cg k"       rating 7.5 r*=0.126
	//   expert  "b g k (i think)"           rating 8.5 r*=0.200
	//   chatty  "Answer: b g k\nhope this helps one that" rating 6   r*=0.079
	//   sloppy  "Here you go: b g k"        rating 7.5 r*=0.167
	// synth-0: "b g k (i think)" (8.5) > "Here you go: b g k" (7.5), rating margin 1, gold gap 0.03
	// synth-1: "bjkuea" (10) > "I think it is bjkua" (8), rating margin 2, gold gap 0.62
	// synth-2: "Sure! lkllkl" (8.5) > "OK, lkllkl" (8.5), rating margin 0, gold gap -0.11
}

func ExampleWorld_GoldReward() {
	w, err := synth.Generate(synth.Config{Prompts: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, y := range []string{"pmal", "pmol", "sure! pmal", ""} {
		fmt.Printf("%-12q %.3f\n", y, w.GoldReward("reverse: lamp\n", y))
	}
	// Output:
	// "pmal"       1.000
	// "pmol"       0.850
	// "sure! pmal" 0.240
	// ""           0.000
}

func ExampleWorld_HeldOut() {
	w, err := synth.Generate(synth.Config{Prompts: 100, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range w.HeldOut(8) {
		fmt.Printf("%-7s %-21q -> %q\n", p.Task, p.Text, p.Answer)
	}
	// Output:
	// upper   "upper: xbl\n"        -> "XBL"
	// upper   "upper: kapz\n"       -> "KAPZ"
	// upper   "upper: ipho\n"       -> "IPHO"
	// upper   "upper: sqaot\n"      -> "SQAOT"
	// sort    "sort: h h s s\n"     -> "h h s s"
	// repeat  "repeat 2: qv\n"      -> "qvqv"
	// sort    "sort: b v p s\n"     -> "b p s v"
	// sort    "sort: v y h z d m\n" -> "d h m v y z"
}

func ExampleScore() {
	// A repeat cut short: two of six bytes missing.
	fmt.Println(synth.Score("ababab", "abab"))
	// Output:
	// r*=0.750 (accuracy 0.667, format 1, length 0.667)
}

func ExampleParsePrompt() {
	for _, text := range []string{"sort: d b a\n", "repeat 3: ab", "repeat 0: ab\n"} {
		p, err := synth.ParsePrompt(text)
		if err != nil {
			fmt.Println(errors.Is(err, synth.ErrInvalidPrompt), err)
			continue
		}
		fmt.Printf("%s %q count %d -> %q\n", p.Task, p.Arg, p.Count, p.Answer)
	}
	// Output:
	// sort "d b a" count 0 -> "a b d"
	// repeat "ab" count 3 -> "ababab"
	// true synth: invalid prompt "repeat 0: ab\n": expected "repeat N: WORD" with N a digit 1-9
}

func ExampleNewPrompt() {
	p, err := synth.NewPrompt(synth.TaskUpper, "lamp", 0)
	fmt.Printf("%q %q %v\n", p.Text, p.Answer, err)
	// Output:
	// "upper: lamp\n" "LAMP" <nil>
}

func ExampleConfig_Validate() {
	err := synth.Config{Candidates: 1}.Validate()
	fmt.Println(errors.Is(err, synth.ErrInvalidConfig))
	fmt.Println(err)
	// Output:
	// true
	// synth: invalid config: Config.Candidates = 1, want 2..64 (0 means the default 4)
}

func ExampleConfig_Normalized() {
	fmt.Printf("%+v\n", synth.Config{}.Normalized())
	fmt.Printf("%+v\n", synth.Config{RatingNoise: synth.NoRatingNoise}.Normalized())
	// Output:
	// {Prompts:1000 Candidates:4 RatingNoise:0.8 Binarize:best-vs-random Seed:0}
	// {Prompts:1000 Candidates:4 RatingNoise:0 Binarize:best-vs-random Seed:0}
}

func ExampleRating() {
	// Ratings before noise of a perfect answer, one typo in a five-letter answer, a
	// half-right answer and an empty response.
	for _, r := range []float64{1, 0.88, 0.5, 0} {
		fmt.Printf("r* %.2f -> %.2f\n", r, synth.Rating(r))
	}
	// Output:
	// r* 1.00 -> 9.00
	// r* 0.88 -> 8.87
	// r* 0.50 -> 8.34
	// r* 0.00 -> 1.00
}

func ExampleParseBinarization() {
	b, err := synth.ParseBinarization("best-vs-worst")
	fmt.Println(b, err, synth.BinarizationNames())
	_, err = synth.ParseBinarization("worst")
	fmt.Println(err)
	// Output:
	// best-vs-worst <nil> [best-vs-random best-vs-worst]
	// synth: unknown binarization "worst" (valid: best-vs-random, best-vs-worst)
}

func ExampleParseTask() {
	t, err := synth.ParseTask("sort")
	fmt.Println(t, err, synth.TaskNames(), synth.Tasks())
	// Output:
	// sort <nil> [reverse upper sort repeat] [reverse upper sort repeat]
}

func ExampleModelNames() {
	fmt.Println(synth.ModelNames())
	// Output:
	// [expert strong average sloppy broken chatty]
}

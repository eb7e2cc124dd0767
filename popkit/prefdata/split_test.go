package prefdata_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// numbered returns n pairs with IDs "0".."n-1".
func numbered(n int) []prefdata.Pair {
	pairs := make([]prefdata.Pair, n)
	for i := range pairs {
		pairs[i] = prefdata.Pair{ID: strconv.Itoa(i), Chosen: "c", Rejected: "r",
			ScoreChosen: float64(i % 9), ScoreRejected: 0}
	}
	return pairs
}

func ids(pairs []prefdata.Pair) []string {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.ID
	}
	return out
}

func TestSplitGolden(t *testing.T) {
	// Expected test indices come from an independent Python implementation of Go's PCG-DXSM
	// (128-bit LCG, DXSM output), Lemire's bounded draw and the Fisher-Yates loop of
	// math/rand/v2's Shuffle, seeded with (seed, 0x73706c6974) and taking the first
	// round(f*n) positions, halves rounded up; it reproduces Go's PCG(1, 2) outputs
	// 14192431797130687760 and 11371241257079532652.
	tests := []struct {
		n        int
		fraction float64
		seed     uint64
		test     []string
	}{
		{10, 0.3, 1, []string{"2", "3", "4"}},
		{10, 0.3, 2, []string{"5", "6", "7"}},
		{7, 0.5, 42, []string{"0", "1", "4", "5"}}, // round(3.5) = 4
		{1000, 0.1, 0, nil},                        // first 8 checked below
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n=%d f=%g seed=%d", tc.n, tc.fraction, tc.seed), func(t *testing.T) {
			_, test := prefdata.Split(numbered(tc.n), tc.fraction, tc.seed)
			got := ids(test)
			if tc.test == nil {
				// Python: [24, 41, 55, 61, 81, 83, 84, 91] are the smallest of the 100.
				got, tc.test = got[:8], strings.Fields("24 41 55 61 81 83 84 91")
			}
			if !reflect.DeepEqual(got, tc.test) {
				t.Errorf("test IDs %v, want %v", got, tc.test)
			}
		})
	}
}

func TestSplitPartition(t *testing.T) {
	tests := []struct {
		n        int
		fraction float64
		nTest    int // round(fraction*n), halves away from zero
	}{
		{0, 0.5, 0},
		{1, 0, 0},
		{1, 0.5, 1}, // round(0.5) = 1: train is empty
		{1, 0.49, 0},
		{5, 0.1, 1}, // round(0.5) = 1
		{100, 0.2, 20},
		{101, 0.2, 20}, // round(20.2) = 20
		{1000, 0.999, 999},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("n=%d f=%g", tc.n, tc.fraction), func(t *testing.T) {
			pairs := numbered(tc.n)
			orig := slices.Clone(pairs)
			for seed := range uint64(3) {
				train, test := prefdata.Split(pairs, tc.fraction, seed)
				if len(test) != tc.nTest || len(train) != tc.n-tc.nTest {
					t.Fatalf("seed %d: sizes %d/%d, want %d/%d", seed, len(train), len(test),
						tc.n-tc.nTest, tc.nTest)
				}
				// Disjoint and covering: merged IDs are 0..n-1 once each; each side is in
				// input order.
				seen := make([]int, tc.n)
				for _, side := range [][]prefdata.Pair{train, test} {
					prev := -1
					for _, p := range side {
						i, _ := strconv.Atoi(p.ID)
						seen[i]++
						if i <= prev {
							t.Errorf("seed %d: side not in input order at %d", seed, i)
						}
						prev = i
					}
				}
				for i, c := range seen {
					if c != 1 {
						t.Errorf("seed %d: pair %d appears %d times", seed, i, c)
					}
				}
				// Deterministic.
				train2, test2 := prefdata.Split(pairs, tc.fraction, seed)
				if !reflect.DeepEqual(train, train2) || !reflect.DeepEqual(test, test2) {
					t.Errorf("seed %d: two calls differ", seed)
				}
			}
			if !reflect.DeepEqual(pairs, orig) {
				t.Error("Split modified its input")
			}
		})
	}

	_, a := prefdata.Split(numbered(1000), 0.1, 0)
	_, b := prefdata.Split(numbered(1000), 0.1, 1)
	if reflect.DeepEqual(a, b) {
		t.Error("seeds 0 and 1 gave the same test set")
	}
}

func TestSplitPanics(t *testing.T) {
	for _, f := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1), math.Inf(-1)} {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				want := fmt.Sprintf("prefdata: Split: testFraction %g is outside [0, 1)", f)
				if msg != want {
					t.Errorf("panic %q, want %q", msg, want)
				}
			}()
			prefdata.Split(numbered(4), f, 0)
		})
	}
}

func TestMargins(t *testing.T) {
	tests := []struct {
		pair   prefdata.Pair
		margin float64 // ScoreChosen - ScoreRejected by hand
		tie    bool
	}{
		{prefdata.Pair{ScoreChosen: 7.5, ScoreRejected: 6.5}, 1, false},
		{prefdata.Pair{ScoreChosen: 9, ScoreRejected: 1}, 8, false},
		{prefdata.Pair{ScoreChosen: 5, ScoreRejected: 5}, 0, true},
		{prefdata.Pair{ScoreChosen: 0.5, ScoreRejected: 0}, 0.5, false},
	}
	var pairs []prefdata.Pair
	var want []float64
	for _, tc := range tests {
		if m := tc.pair.Margin(); m != tc.margin || tc.pair.Tie() != tc.tie {
			t.Errorf("%+v: margin %g tie %v, want %g %v", tc.pair, m, tc.pair.Tie(), tc.margin,
				tc.tie)
		}
		pairs = append(pairs, tc.pair)
		want = append(want, tc.margin)
	}
	if got := prefdata.Margins(pairs); !reflect.DeepEqual(got, want) {
		t.Errorf("Margins = %v, want %v", got, want)
	}
	if got := prefdata.Margins(nil); got == nil || len(got) != 0 {
		t.Errorf("Margins(nil) = %#v, want an empty slice", got)
	}
}

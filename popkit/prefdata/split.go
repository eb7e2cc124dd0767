package prefdata

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// splitStream is the second PCG seed word of Split ("split" in ASCII), so that Split's stream
// differs from other users of the same seed.
const splitStream = 0x73706c6974

// Split divides pairs at random into a train and a test set:
//
//	nTest = round(testFraction * n),  n = len(pairs), halves rounded away from zero
//	test  = the pairs at the first nTest positions of a random permutation of 0..n-1
//	train = the other n - nTest pairs
//
// The permutation is math/rand/v2's Shuffle driven by PCG seeded with (seed, 0x73706c6974),
// so the same input and seed always give the same split. Every pair lands on exactly one side,
// and each side keeps the input order. The result slices are new; pairs is not modified.
// Split panics if testFraction is not in [0, 1). For small n, round may give nTest = n (for
// example n = 1, testFraction = 0.5), leaving train empty.
func Split(pairs []Pair, testFraction float64, seed uint64) (train, test []Pair) {
	if !(testFraction >= 0 && testFraction < 1) {
		panic(fmt.Sprintf("prefdata: Split: testFraction %g is outside [0, 1)", testFraction))
	}
	n := len(pairs)
	nTest := int(math.Round(testFraction * float64(n)))

	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	r := rand.New(rand.NewPCG(seed, splitStream))
	r.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	inTest := make([]bool, n)
	for _, i := range perm[:nTest] {
		inTest[i] = true
	}

	train = make([]Pair, 0, n-nTest)
	test = make([]Pair, 0, nTest)
	for i, p := range pairs {
		if inTest[i] {
			test = append(test, p)
		} else {
			train = append(train, p)
		}
	}
	return train, test
}

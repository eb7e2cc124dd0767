package train

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// PadMultiple is the granularity of batch lengths: a batch is padded to its longest row rounded
// up to a multiple of PadMultiple (and at most the limit's MaxLen), which bounds the number of
// distinct shapes, and so of compiled graphs, to MaxLen/PadMultiple.
const PadMultiple = 32

// encodedPairs holds the tokenized chosen and rejected responses of a list of pairs.
type encodedPairs struct {
	chosen, rejected []policy.Encoded
	maxLen           int
	pad              int32
}

// encodePairs tokenizes every pair once with net's tokenizer.
func encodePairs(net Network, pairs []prefdata.Pair, lim policy.Limits) (encodedPairs, error) {
	lim = lim.Normalized()
	e := encodedPairs{
		chosen:   make([]policy.Encoded, len(pairs)),
		rejected: make([]policy.Encoded, len(pairs)),
		maxLen:   lim.MaxLen,
		pad:      net.PadID(),
	}
	for i, p := range pairs {
		var err, err2 error
		e.chosen[i], err = net.Encode(p.Prompt, p.Chosen, lim)
		e.rejected[i], err2 = net.Encode(p.Prompt, p.Rejected, lim)
		if err = errors.Join(err, err2); err != nil {
			return encodedPairs{}, fmt.Errorf("train: pair %d (id %q): %w", i, p.ID, err)
		}
	}
	return e, nil
}

// bucketLength rounds n up to a multiple of PadMultiple, capped at maxLen.
func bucketLength(n, maxLen int) int {
	n = (n + PadMultiple - 1) / PadMultiple * PadMultiple
	return min(max(n, PadMultiple), maxLen)
}

// pack returns the 2*rows packed rows (chosen first, then rejected) of the pairs idx. When idx
// has fewer than rows pairs, the batch is filled with copies of its first pair, so that every
// batch of a run has rows pairs and reuses one compiled graph per length; callers ignore the
// filler rows.
func (e encodedPairs) pack(idx []int, rows int) (tokens, mask *tensors.Tensor) {
	chosen := make([]policy.Encoded, rows)
	rejected := make([]policy.Encoded, rows)
	longest := 0
	for k := range rows {
		i := idx[0]
		if k < len(idx) {
			i = idx[k]
		}
		chosen[k], rejected[k] = e.chosen[i], e.rejected[i]
		longest = max(longest, chosen[k].Len(), rejected[k].Len())
	}
	return policy.PackPairsWith(chosen, rejected, bucketLength(longest, e.maxLen), e.pad)
}

// packChosen returns the packed chosen responses of the pairs idx, one row each.
func (e encodedPairs) packChosen(idx []int) (tokens, mask *tensors.Tensor) {
	rows := make([]policy.Encoded, len(idx))
	longest := 0
	for k, i := range idx {
		rows[k] = e.chosen[i]
		longest = max(longest, rows[k].Len())
	}
	return policy.PackWith(rows, bucketLength(longest, e.maxLen), e.pad)
}

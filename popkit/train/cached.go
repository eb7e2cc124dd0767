package train

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// cachedDecoder serves the logits of [decode] from a key-value cache (policy.Config.Prefill
// and policy.Config.DecodeStep): the first call runs the prompts, each later call one new
// token per row. Batches have batchRows rows (filler rows copy row 0) and the cache holds
// cacheLen positions, enough for the longest prompt plus the tokens to sample.
type cachedDecoder struct {
	m                  *Model
	prefill, step      *model.Exec
	batchRows, maxLen  int
	maxNew             int
	cache              []any // the cache tensors between calls; nil before the first call
	cacheLen, previous int
}

// newCachedDecoder compiles nothing yet: graphs are built at the first call of each shape.
func newCachedDecoder(backend compute.Backend, m *Model, batchRows, maxLen, maxNew int) (
	*cachedDecoder, error) {
	d := &cachedDecoder{m: m, batchRows: batchRows, maxLen: maxLen, maxNew: maxNew}
	var err error
	d.prefill, err = model.NewExec(backend, m.Store, func(scope *model.Scope, in []*Node) []*Node {
		tokens, last, cacheLen := in[0], in[1], in[2].Shape().Dim(0)
		logits, cache := m.Policy.Prefill(scope.In(PolicyScope), tokens, cacheLen)
		return append([]*Node{gatherLast(logits, last)}, cache...)
	})
	if err != nil {
		return nil, fmt.Errorf("train: building the prefill graph: %w", err)
	}
	d.step, err = model.NewExec(backend, m.Store, func(scope *model.Scope, in []*Node) []*Node {
		logits, cache := m.Policy.DecodeStep(scope.In(PolicyScope), in[0], in[1], in[2:])
		return append([]*Node{logits}, cache...)
	})
	if err != nil {
		d.prefill.Finalize()
		return nil, fmt.Errorf("train: building the decoding graph: %w", err)
	}
	return d, nil
}

func (d *cachedDecoder) Finalize() {
	d.prefill.Finalize()
	d.step.Finalize()
}

// reset forgets the cache, for the next batch of prompts.
func (d *cachedDecoder) reset() { d.cache = nil }

// next is a [logitsFunc]: the logits after the last token of each row.
func (d *cachedDecoder) next(rows [][]int32) ([][]float32, error) {
	var out []*tensors.Tensor
	var err error
	if d.cache == nil {
		out, err = d.first(rows)
	} else {
		tok := make([]int32, d.batchRows)
		pos := make([]int32, d.batchRows)
		for k := range d.batchRows {
			r := rows[0]
			if k < len(rows) {
				r = rows[k]
			}
			// A finished row repeats its last token at its last position: the same keys
			// and values are written again, and its logits are ignored.
			tok[k], pos[k] = r[len(r)-1], int32(len(r)-1)
		}
		out, err = d.step.Call(append([]any{tok, pos}, d.cache...)...)
	}
	if err != nil {
		return nil, err
	}
	for i, t := range out[1:] {
		d.cache[i] = t
	}
	flat := tensors.MustCopyFlatData[float32](out[0])
	vocab := out[0].Shape().Dim(1)
	out[0].FinalizeAll()
	logits := make([][]float32, len(rows))
	for k := range logits {
		logits[k] = flat[k*vocab : (k+1)*vocab]
	}
	return logits, nil
}

// first runs the prefill on the prompts rows, right-padded to the longest rounded up to a
// multiple of PadMultiple, with a cache for that length plus the tokens to sample.
func (d *cachedDecoder) first(rows [][]int32) ([]*tensors.Tensor, error) {
	longest := longestRow(rows)
	length := bucketLength(longest, d.maxLen)
	cacheLen := bucketLength(longest+d.maxNew, d.maxLen)
	tok, last := padRows(rows, d.batchRows, length)
	// The third input carries only its length: the cache length, fixed per compiled graph.
	out, err := d.prefill.Call(tensors.FromFlatDataAndDimensions(tok, d.batchRows, length),
		last, make([]int8, cacheLen))
	if err != nil {
		return nil, err
	}
	d.cache = make([]any, len(out)-1)
	return out, nil
}

// gatherLast returns logits[b, last[b], :] of logits [B, T, V] and last [B]: [B, V].
func gatherLast(logits, last *Node) *Node {
	batch := logits.Shape().Dim(0)
	indices := Concatenate([]*Node{
		Iota(logits.Graph(), shapes.Make(dtypes.Int32, batch, 1), 0),
		InsertAxes(ConvertDType(last, dtypes.Int32), -1),
	}, -1)
	return Gather(logits, indices)
}

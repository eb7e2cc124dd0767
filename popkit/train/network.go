package train

import (
	"errors"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/pretrained"
)

// Network is the decoder a [Model] trains: how a (prompt, response) becomes tokens, and the
// graph of next-token logits over variables under a scope. Two implement it: the small
// byte-level decoder of package policy (the default, see [Config.Policy]) and a pretrained
// hub checkpoint ([PretrainedNetwork]).
type Network interface {
	// Encode tokenizes a (prompt, response) within lim: at most lim.MaxLen tokens, the
	// prompt cut to its last lim.MaxPromptLen tokens and the response to its first ones; the
	// mask marks the scored response tokens.
	Encode(prompt, response string, lim policy.Limits) (policy.Encoded, error)
	// PadID is the token that right-pads rows (never scored, never attended to).
	PadID() int32
	// MaxLen is the longest sequence the network takes.
	MaxLen() int
	// Logits returns next-token logits [B, T, V] of tokens [B, T], with the variables under
	// scope.
	Logits(scope *model.Scope, tokens *Node) *Node
	// InitWeights creates the initial weights under scope before training, or leaves them to
	// the Store's initializer at their first use.
	InitWeights(scope *model.Scope) error
	// Validate reports a network that cannot be used.
	Validate() error
}

// byteDecoder is the Network of the small byte-level decoder of package policy.
type byteDecoder struct{ c policy.Config }

func (d byteDecoder) Encode(prompt, response string, lim policy.Limits) (policy.Encoded, error) {
	return policy.Encode(prompt, response, lim), nil
}
func (byteDecoder) PadID() int32                   { return policy.PAD }
func (d byteDecoder) MaxLen() int                  { return d.c.Normalized().MaxLen }
func (byteDecoder) InitWeights(*model.Scope) error { return nil }
func (d byteDecoder) Validate() error              { return d.c.Validate() }

func (d byteDecoder) Logits(scope *model.Scope, tokens *Node) *Node {
	return d.c.Logits(scope, tokens)
}

// PretrainedNetwork returns the Network of a loaded hub checkpoint: its tokenizer and chat
// template (see pretrained.Model.EncodeLimited), its forward pass, and its weights as the
// initial ones. Sampling ([Model.Generate]) supports only the byte-level decoder.
func PretrainedNetwork(m *pretrained.Model) Network { return hubModel{m} }

type hubModel struct{ m *pretrained.Model }

func (h hubModel) Encode(prompt, response string, lim policy.Limits) (policy.Encoded, error) {
	lim = lim.Normalized()
	e, cut, err := h.m.EncodeLimited(prompt, response, lim.MaxLen, lim.MaxPromptLen)
	if err != nil {
		return policy.Encoded{}, err
	}
	return policy.Encoded{Tokens: e.Tokens, Response: e.Response, Truncated: cut}, nil
}
func (h hubModel) PadID() int32 { return h.m.Template.PadID }
func (h hubModel) MaxLen() int {
	if h.m.Config.MaxPositions > 0 {
		return h.m.Config.MaxPositions
	}
	return math.MaxInt
}
func (h hubModel) Logits(scope *model.Scope, tokens *Node) *Node {
	return h.m.ScopeLogits(scope, tokens)
}
func (h hubModel) InitWeights(scope *model.Scope) error { return h.m.CopyWeights(scope) }
func (h hubModel) Validate() error {
	if h.m == nil || h.m.Store == nil {
		return errors.New("train: the pretrained network has no weights")
	}
	return nil
}

// ErrNotByteDecoder is returned by sampling ([Model.Generate], [Model.Sample]) and by the
// scoring of samples ([Model.ResponseLogProbs], [Model.GenerationLogProbs]) on a Model whose
// Network is set: they decode and encode bytes, the byte-level decoder's tokens. Training and
// [Model.LogProbs] support every Network.
var ErrNotByteDecoder = errors.New("train: sampling (generative evaluation) supports only the " +
	"byte-level decoder of package policy, not a pretrained checkpoint")

// network returns the Network m trains: m.Network, or the byte-level decoder of m.Policy.
func (m *Model) network() Network {
	if m.Network != nil {
		return m.Network
	}
	return byteDecoder{m.Policy}
}

// network returns the Network c trains: c.Network, or the byte-level decoder of c.Policy.
func (c Config) network() Network {
	if c.Network != nil {
		return c.Network
	}
	return byteDecoder{c.Policy}
}

package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gomlx/gomlx/core/tensors"
)

// Token ids of the byte tokenizer: ids 0..255 are the bytes themselves, followed by three
// special tokens.
const (
	// BOS (beginning of sequence) opens every encoded sequence.
	BOS = 256
	// EOS (end of sequence) closes a response that was not truncated.
	EOS = 257
	// PAD fills rows to a common length in [Pack]; its mask value is always 0.
	PAD = 258
	// VocabSize is the number of token ids: 256 bytes plus BOS, EOS and PAD.
	VocabSize = 259
)

// ErrInvalidLimits is wrapped by the errors of [Limits.Validate].
var ErrInvalidLimits = errors.New("policy: invalid limits")

// Limits bounds the length of encoded sequences. The zero value means the defaults.
type Limits struct {
	// MaxLen is the most tokens a sequence may have, BOS and EOS included. Default 256.
	MaxLen int
	// MaxPromptLen is the most prompt bytes kept. Default 64.
	MaxPromptLen int
}

// Default limits, used for zero fields of [Limits].
const (
	DefaultMaxLen       = 256
	DefaultMaxPromptLen = 64
)

// Normalized returns lim with zero fields replaced by their defaults.
func (lim Limits) Normalized() Limits {
	if lim.MaxLen == 0 {
		lim.MaxLen = DefaultMaxLen
	}
	if lim.MaxPromptLen == 0 {
		lim.MaxPromptLen = DefaultMaxPromptLen
	}
	return lim
}

// Validate reports whether the normalized limits leave room for BOS, a full prompt and at least
// one scored token: MaxPromptLen >= 1 and MaxLen >= MaxPromptLen + 2. Errors wrap
// [ErrInvalidLimits] and name the field.
func (lim Limits) Validate() error {
	lim = lim.Normalized()
	if lim.MaxPromptLen < 1 {
		return fmt.Errorf("%w: Limits.MaxPromptLen = %d, want >= 1 (0 means the default %d)",
			ErrInvalidLimits, lim.MaxPromptLen, DefaultMaxPromptLen)
	}
	if lim.MaxLen < lim.MaxPromptLen+2 {
		return fmt.Errorf("%w: Limits.MaxLen = %d, want >= MaxPromptLen+2 = %d "+
			"(BOS, the prompt and at least one response token)",
			ErrInvalidLimits, lim.MaxLen, lim.MaxPromptLen+2)
	}
	return nil
}

// Encoded is one tokenized (prompt, response) sequence.
type Encoded struct {
	// Tokens is BOS, the prompt bytes, the response bytes and, unless the response was cut, EOS.
	Tokens []int32
	// Response has one entry per token: 1 for response bytes and the final EOS (the tokens
	// whose log-probabilities are scored), 0 for BOS and prompt bytes.
	Response []float32
	// Truncated is true when prompt bytes, response bytes or the EOS were dropped to fit.
	Truncated bool
}

// Len returns the number of tokens.
func (e Encoded) Len() int { return len(e.Tokens) }

// Encode tokenizes a (prompt, response) pair as
//
//	BOS, prompt bytes, response bytes, EOS
//
// with the response mask set on the response bytes and the EOS.
//
// Truncation keeps the end of the prompt and the start of the response, the habit of the DPO
// reference implementation (the prompt's last words lead into the response; the response's
// first words are what the prompt asked for): a prompt longer than lim.MaxPromptLen bytes keeps
// its last MaxPromptLen bytes; the response then gets the remaining budget,
// MaxLen - 1 - (prompt bytes kept), and keeps its first bytes. A response whose bytes and EOS
// do not all fit gets no EOS, so a cut response is never scored as finished.
//
// Tokens are bytes, not runes: a cut may split a multi-byte UTF-8 character. This is harmless
// for a byte-level model, which sees and predicts bytes; [Decode] returns such a fragment as the
// invalid UTF-8 bytes it is.
//
// Encode panics if lim is invalid (see [Limits.Validate]).
func Encode(prompt, response string, lim Limits) Encoded {
	if err := lim.Validate(); err != nil {
		panic(err)
	}
	lim = lim.Normalized()

	truncated := false
	if len(prompt) > lim.MaxPromptLen {
		prompt = prompt[len(prompt)-lim.MaxPromptLen:]
		truncated = true
	}
	budget := lim.MaxLen - 1 - len(prompt) // room for the response and its EOS
	withEOS := len(response)+1 <= budget
	if !withEOS {
		response = response[:min(len(response), budget)]
		truncated = true
	}

	n := 1 + len(prompt) + len(response)
	if withEOS {
		n++
	}
	e := Encoded{Tokens: make([]int32, 0, n), Response: make([]float32, n), Truncated: truncated}
	e.Tokens = append(e.Tokens, BOS)
	for i := 0; i < len(prompt); i++ {
		e.Tokens = append(e.Tokens, int32(prompt[i]))
	}
	for i := 0; i < len(response); i++ {
		e.Response[len(e.Tokens)] = 1
		e.Tokens = append(e.Tokens, int32(response[i]))
	}
	if withEOS {
		e.Response[len(e.Tokens)] = 1
		e.Tokens = append(e.Tokens, EOS)
	}
	return e
}

// Decode turns token ids back into text: byte ids become bytes, BOS and PAD are skipped, and
// decoding stops at the first EOS. Ids outside [0, VocabSize) become U+FFFD. The bytes are
// returned as they are, so invalid UTF-8 (for instance a character cut by truncation) stays in
// the string; use strings.ToValidUTF8 to clean it for display.
func Decode(tokens []int32) string {
	var sb strings.Builder
	for _, t := range tokens {
		switch {
		case t >= 0 && t < 256:
			sb.WriteByte(byte(t))
		case t == BOS || t == PAD:
		case t == EOS:
			return sb.String()
		default:
			sb.WriteRune(utf8.RuneError)
		}
	}
	return sb.String()
}

// Pack stacks encoded sequences into a right-padded batch:
//
//	tokens [B, length] int32    the tokens, then PAD
//	mask   [B, length] float32  each row's Response mask, then 0
//
// length 0 means the longest row of the batch. Padding on the right keeps every real token at
// the same position whatever the padding, which the causal decoder relies on (see
// [Config.Logits]).
//
// Pack panics if batch is empty, length is negative, or a row is longer than length: these are
// programming errors, since [Encode] bounds every row by its [Limits].
func Pack(batch []Encoded, length int) (tokens, mask *tensors.Tensor) {
	return PackWith(batch, length, PAD)
}

// PackWith is [Pack] with pad as the padding token, for sequences of another tokenizer.
func PackWith(batch []Encoded, length int, pad int32) (tokens, mask *tensors.Tensor) {
	if len(batch) == 0 {
		panic(errors.New("policy: Pack: empty batch"))
	}
	if length < 0 {
		panic(fmt.Errorf("policy: Pack: negative length %d", length))
	}
	if length == 0 {
		for _, e := range batch {
			length = max(length, e.Len())
		}
	}

	tok := make([]int32, len(batch)*length)
	msk := make([]float32, len(batch)*length)
	for i, e := range batch {
		if e.Len() > length {
			panic(fmt.Errorf("policy: Pack: row %d has %d tokens, more than length %d",
				i, e.Len(), length))
		}
		if len(e.Response) != e.Len() {
			panic(fmt.Errorf("policy: Pack: row %d has %d tokens but %d mask entries",
				i, e.Len(), len(e.Response)))
		}
		row := tok[i*length : (i+1)*length]
		copy(row, e.Tokens)
		for t := e.Len(); t < length; t++ {
			row[t] = pad
		}
		copy(msk[i*length:(i+1)*length], e.Response)
	}
	return tensors.FromFlatDataAndDimensions(tok, len(batch), length),
		tensors.FromFlatDataAndDimensions(msk, len(batch), length)
}

// PackPairs packs the chosen and rejected responses of B preference pairs as one batch of 2B
// rows, chosen rows first:
//
//	row i      chosen[i]
//	row B + i  rejected[i]
//
// so that one forward pass scores both; [SplitPairs] splits the resulting [2B] log-probs back
// into chosen and rejected halves. length has the meaning of [Pack] (0: longest row of both).
// PackPairs panics if the two slices differ in length, and otherwise as [Pack] does.
func PackPairs(chosen, rejected []Encoded, length int) (tokens, mask *tensors.Tensor) {
	return PackPairsWith(chosen, rejected, length, PAD)
}

// PackPairsWith is [PackPairs] with pad as the padding token, as [PackWith].
func PackPairsWith(chosen, rejected []Encoded, length int, pad int32) (
	tokens, mask *tensors.Tensor) {
	if len(chosen) != len(rejected) {
		panic(fmt.Errorf("policy: PackPairs: %d chosen but %d rejected sequences",
			len(chosen), len(rejected)))
	}
	all := make([]Encoded, 0, 2*len(chosen))
	all = append(all, chosen...)
	all = append(all, rejected...)
	return PackWith(all, length, pad)
}

// Package policy holds the language-model side of the sandbox: a byte-level tokenizer, a small
// Llama-style decoder built from GoMLX layers, and per-sequence log-probabilities of responses,
// the quantity every DPO-style loss consumes.
//
// For a prompt x and response y encoded as tokens s = (BOS, x, y, EOS), the sequence
// log-probability of the response is
//
//	log pi(y|x) = sum_{t >= 1} m_t * log pi(s_t | s_<t)
//
// where the response mask m_t is 1 exactly on the response bytes and the final EOS, so prompt
// and padding tokens never count. [Encode] builds s and m, [Pack] and [PackPairs] batch them,
// [Config.Logits] runs the decoder and [SequenceLogProbs] reduces the logits to log pi(y|x).
//
// The decoder follows Llama's layout (pre-norm RMSNorm, rotary position embeddings, SwiGLU
// feed-forward, no biases) at toy size, so that it trains from scratch on a laptop CPU; see
// [Config] for its defaults. Chosen and rejected responses of B preference pairs are scored as
// one batch of 2B rows (chosen first), which keeps one compiled graph and large matmuls.
//
// Misuse (wrong shapes, invalid [Config] or [Limits]) panics with an error value whose message
// starts with "policy:", GoMLX's convention for graph-building code: GoMLX executors turn error
// panics raised while building a graph into errors, whereas a panic with any other value can
// leave model.CallOnce waiting forever for the failed compilation.
package policy

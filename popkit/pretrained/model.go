// Package pretrained loads Llama-architecture checkpoints in the Hugging Face hub's layout
// (config.json, model.safetensors or sharded model-*.safetensors with their index,
// tokenizer.json, tokenizer_config.json) and computes their next-token logits and response
// log-probabilities as GoMLX graphs, e.g. SmolLM2-135M: grouped-query attention, tied
// embeddings, RoPE with the checkpoint's theta, RMSNorm with its epsilon, SiLU-gated MLP.
//
// The forward pass, for tokens x_1..x_T (Hugging Face's LlamaModel, float32):
//
//	h = E[x]                                                   embed_tokens
//	for each layer:
//	    a = RMSNorm(h) = h / sqrt(mean(h^2) + eps) * g         input_layernorm
//	    q, k, v = a Wq^T, a Wk^T, a Wv^T                       split into heads of head_dim
//	    q, k = RoPE(q), RoPE(k): (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin), the two
//	           halves of each head, angle t * theta^(-2i/head_dim)
//	    head j attends with key/value head j / (heads / kv_heads), causal,
//	    softmax(q k^T / sqrt(head_dim)) v, then o_proj
//	    h = h + attention;  h = h + W_down (SiLU(W_gate b) * W_up b), b = RMSNorm(h)
//	logits = RMSNorm(h) W_out^T, W_out = E when the embeddings are tied
//
// Libraries weighed: GoMLX v0.28.2's ml/zoo/transformer builds standard and Gemma decoders
// under its own variable names and hyperparameter keys, and github.com/gomlx/go-huggingface
// v0.3.1 has SentencePiece tokenizers only and no safetensors reader; so this package reads
// safetensors and byte-level BPE itself and writes the Llama forward pass with GoMLX ops,
// under the checkpoint's own tensor names.
package pretrained

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/policy"
)

// Model is a loaded checkpoint: architecture, tokenizer, chat template and weights.
type Model struct {
	Config    Config
	Tokenizer *Tokenizer
	Template  ChatTemplate
	// Store holds the weights as float32 variables, under /pretrained/<tensor name>.
	Store *model.Store
}

// storeScope is the scope of the weights in Model.Store.
const storeScope = "pretrained"

// varPath is where tensor name lives in the Store.
func varPath(name string) string { return "/" + storeScope + "/" + name }

// CopyWeights creates a copy of every weight as a variable of scope, under its checkpoint name,
// for [Model.ScopeLogits]. It fails if one exists already.
func (m *Model) CopyWeights(scope *model.Scope) error {
	for name := range m.Config.WeightShapes() {
		v := m.Store.GetVariable(varPath(name))
		if v == nil {
			return fmt.Errorf("pretrained: weight %q not loaded", name)
		}
		value, err := v.Value()
		if err == nil {
			value, err = value.Clone()
		}
		if err == nil {
			_, err = scope.CreateVariable(name, value)
		}
		if err != nil {
			return fmt.Errorf("pretrained: copying weight %q: %w", name, err)
		}
	}
	return nil
}

// Load reads a checkpoint directory: config.json, tokenizer.json, tokenizer_config.json
// (optional: the chat template) and the weights, from model.safetensors or from the files
// that model.safetensors.index.json lists. Every weight the architecture needs must be
// present with the shape config.json implies; errors name the file and the tensor.
func Load(dir string) (*Model, error) {
	cfg, err := ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	tok, err := LoadTokenizer(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	if tok.VocabSize > cfg.VocabSize {
		return nil, fmt.Errorf("pretrained: %s: tokenizer ids reach %d, beyond vocab_size %d",
			dir, tok.VocabSize-1, cfg.VocabSize)
	}
	tmpl, err := ReadChatTemplate(filepath.Join(dir, "tokenizer_config.json"), tok)
	if err != nil {
		return nil, err
	}
	files, err := weightFiles(dir)
	if err != nil {
		return nil, err
	}
	values, shapesOf := map[string][]float32{}, map[string][]int{}
	for _, f := range files {
		v, s, err := readSafetensors(f)
		if err != nil {
			return nil, err
		}
		for name := range v {
			values[name], shapesOf[name] = v[name], s[name]
		}
	}
	store := model.NewStore()
	needed := cfg.WeightShapes()
	names := slices.Sorted(maps.Keys(needed))
	for _, name := range names {
		want := needed[name]
		v, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("pretrained: %s: weight %q is missing from %v", dir, name, files)
		}
		if !slices.Equal(shapesOf[name], want) {
			return nil, fmt.Errorf("pretrained: %s: weight %q has shape %v, config.json implies %v",
				dir, name, shapesOf[name], want)
		}
		if _, err := store.CreateVariable(varPath(name),
			tensors.FromFlatDataAndDimensions(v, want...)); err != nil {
			return nil, fmt.Errorf("pretrained: %s: %w", name, err)
		}
	}
	return &Model{Config: cfg, Tokenizer: tok, Template: tmpl, Store: store}, nil
}

// weightFiles returns model.safetensors, or the shards an index names.
func weightFiles(dir string) ([]string, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		return []string{single}, nil
	}
	idx := filepath.Join(dir, "model.safetensors.index.json")
	b, err := os.ReadFile(idx)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %s has neither model.safetensors nor "+
			"model.safetensors.index.json", dir)
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &index); err != nil || len(index.WeightMap) == 0 {
		return nil, fmt.Errorf("pretrained: %s: want a JSON object with a weight_map: %v", idx, err)
	}
	var files []string
	for _, f := range index.WeightMap {
		if !filepath.IsLocal(f) {
			return nil, fmt.Errorf("pretrained: %s: shard %q is outside the directory", idx, f)
		}
		if p := filepath.Join(dir, f); !slices.Contains(files, p) {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	return files, nil
}

// WeightShapes lists every tensor the forward pass reads, with its [out, in] shape.
func (c Config) WeightShapes() map[string][]int {
	d, q, kv, f := c.HiddenSize, c.NumHeads*c.HeadDim, c.NumKVHeads*c.HeadDim, c.IntermediateSize
	w := map[string][]int{"model.embed_tokens.weight": {c.VocabSize, d}, "model.norm.weight": {d}}
	if !c.TieEmbeddings {
		w["lm_head.weight"] = []int{c.VocabSize, d}
	}
	for i := range c.NumLayers {
		p := fmt.Sprintf("model.layers.%d.", i)
		w[p+"input_layernorm.weight"] = []int{d}
		w[p+"post_attention_layernorm.weight"] = []int{d}
		w[p+"self_attn.q_proj.weight"] = []int{q, d}
		w[p+"self_attn.k_proj.weight"] = []int{kv, d}
		w[p+"self_attn.v_proj.weight"] = []int{kv, d}
		w[p+"self_attn.o_proj.weight"] = []int{d, q}
		w[p+"mlp.gate_proj.weight"] = []int{f, d}
		w[p+"mlp.up_proj.weight"] = []int{f, d}
		w[p+"mlp.down_proj.weight"] = []int{d, f}
	}
	return w
}

// Logits returns next-token logits [B, T, vocab_size] float32 for integer tokens [B, T];
// logits[b, t] scores token t+1 given tokens[b, <=t]. Rows are right-padded, so a real token
// never attends to padding. It panics (with an error) on other shapes.
func (m *Model) Logits(g *Graph, tokens *Node) *Node {
	return m.ScopeLogits(m.Store.RootScope().In(storeScope), tokens)
}

// ScopeLogits is [Model.Logits] with the weights read from the variables of scope, named as in
// the checkpoint (e.g. "model.norm.weight"): [Model.CopyWeights] puts them there, so that a
// trainer's Store can hold, and train, them. It panics (with an error) on a missing weight.
func (m *Model) ScopeLogits(scope *model.Scope, tokens *Node) *Node {
	c := m.Config
	if tokens.Rank() != 2 || !tokens.DType().IsInt() {
		panic(fmt.Errorf("pretrained: Logits: tokens must be an integer [B, T] tensor, got %s",
			tokens.Shape()))
	}
	g := tokens.Graph()
	w := func(name string) *Node {
		v := scope.GetVariable(name)
		if v == nil {
			panic(fmt.Errorf("pretrained: weight %q not loaded under %s", name, scope.Scope()))
		}
		return v.ValueGraph(g)
	}
	batch, seqLen := tokens.Shape().Dim(0), tokens.Shape().Dim(1)
	hd, heads, kvHeads := c.HeadDim, c.NumHeads, c.NumKVHeads
	embed := w("model.embed_tokens.weight")

	x := Gather(embed, InsertAxes(ConvertDType(tokens, dtypes.Int32), -1)) // [B, T, D]
	cos, sin := ropeTables(g, seqLen, hd, c.RoPETheta)
	// causal[t, s] = s <= t
	iotaT := Iota(g, shapes.Make(dtypes.Int32, seqLen, seqLen), 0)
	iotaS := Iota(g, shapes.Make(dtypes.Int32, seqLen, seqLen), 1)
	causal := BroadcastToDims(InsertAxes(LessOrEqual(iotaS, iotaT), 0, 0), batch, heads, seqLen,
		seqLen)
	negInf := BroadcastToDims(Scalar(g, dtypes.Float32, -1e30), batch, heads, seqLen, seqLen)

	for i := range c.NumLayers {
		p := fmt.Sprintf("model.layers.%d.", i)
		a := rmsNorm(x, w(p+"input_layernorm.weight"), c.RMSNormEps)
		q := Reshape(project(a, w(p+"self_attn.q_proj.weight")), batch, seqLen, heads, hd)
		k := Reshape(project(a, w(p+"self_attn.k_proj.weight")), batch, seqLen, kvHeads, hd)
		v := Reshape(project(a, w(p+"self_attn.v_proj.weight")), batch, seqLen, kvHeads, hd)
		q, k = rope(q, cos, sin), rope(k, cos, sin)
		k, v = repeatKV(k, heads/kvHeads), repeatKV(v, heads/kvHeads)

		scores := MulScalar(Einsum("bthd,bshd->bhts", q, k), 1/math.Sqrt(float64(hd)))
		probs := Softmax(Where(causal, scores, negInf), -1)
		attn := Reshape(Einsum("bhts,bshd->bthd", probs, v), batch, seqLen, heads*hd)
		x = Add(x, project(attn, w(p+"self_attn.o_proj.weight")))

		b := rmsNorm(x, w(p+"post_attention_layernorm.weight"), c.RMSNormEps)
		gate := project(b, w(p+"mlp.gate_proj.weight"))
		up := project(b, w(p+"mlp.up_proj.weight"))
		silu := Mul(gate, Sigmoid(gate))
		x = Add(x, project(Mul(silu, up), w(p+"mlp.down_proj.weight")))
	}
	x = rmsNorm(x, w("model.norm.weight"), c.RMSNormEps)
	out := embed
	if !c.TieEmbeddings {
		out = w("lm_head.weight")
	}
	return project(x, out)
}

// project computes x W^T for a weight stored [out, in]: [B, T, in] -> [B, T, out].
func project(x, weight *Node) *Node { return Einsum("btd,od->bto", x, weight) }

// rmsNorm is x / sqrt(mean(x^2, last axis) + eps) * g.
func rmsNorm(x, gain *Node, eps float64) *Node {
	ms := ReduceAndKeep(Square(x), ReduceMean, -1)
	// Div and Sqrt rather than Rsqrt, which has no gradient in GoMLX v0.28.2.
	return Mul(Div(x, Sqrt(AddScalar(ms, eps))), Reshape(gain, 1, 1, gain.Shape().Dim(0)))
}

// ropeTables returns cos and sin [T, hd] of angle t * theta^(-2i/hd), i = j mod hd/2.
func ropeTables(g *Graph, seqLen, hd int, theta float64) (cos, sin *Node) {
	half := hd / 2
	freq := make([]float32, seqLen*hd)
	for t := range seqLen {
		for j := range hd {
			i := j % half
			freq[t*hd+j] = float32(float64(t) * math.Pow(theta, -2*float64(i)/float64(hd)))
		}
	}
	angles := Const(g, tensors.FromFlatDataAndDimensions(freq, seqLen, hd))
	return Cos(angles), Sin(angles)
}

// rope rotates x [B, T, H, hd] by position: x cos + rotate_half(x) sin, rotate_half(x1, x2)
// = (-x2, x1) over the two halves of the head.
func rope(x, cos, sin *Node) *Node {
	hd := x.Shape().Dim(-1)
	x1 := SliceAxis(x, -1, AxisRange(0, hd/2))
	x2 := SliceAxis(x, -1, AxisRange(hd/2, hd))
	rot := Concatenate([]*Node{Neg(x2), x1}, -1)
	t := cos.Shape().Dim(0)
	c := Reshape(cos, 1, t, 1, hd) // broadcast over batch and heads
	s := Reshape(sin, 1, t, 1, hd)
	return Add(Mul(x, c), Mul(rot, s))
}

// repeatKV repeats each key/value head n times: [B, S, KV, hd] -> [B, S, KV*n, hd], head j
// of the result being head j / n of the input.
func repeatKV(x *Node, n int) *Node {
	if n == 1 {
		return x
	}
	d := x.Shape().Dimensions
	x = BroadcastToDims(InsertAxes(x, 3), d[0], d[1], d[2], n, d[3])
	return Reshape(x, d[0], d[1], d[2]*n, d[3])
}

// Encoded is a tokenized (prompt, response) sequence with its response mask.
type Encoded struct {
	Tokens   []int32
	Response []float32
}

// Encode renders prompt through the chat template and tokenizes prompt and response; the
// mask is 1 on the response tokens (the template's end-of-turn included), 0 elsewhere.
func (m *Model) Encode(prompt, response string) (Encoded, error) {
	e, _, err := m.EncodeLimited(prompt, response, math.MaxInt, math.MaxInt)
	return e, err
}

// EncodeLimited is [Model.Encode] cut to at most maxLen tokens, as policy.Encode cuts bytes:
// the rendered prompt keeps its last maxPromptLen tokens (the template's text included, so a
// long prompt loses its system message and turn opening first), and the response (with the
// template's end-of-turn) its first maxLen - (prompt tokens kept) tokens; truncated reports a
// cut. A response cut before its end-of-turn is never scored as finished.
func (m *Model) EncodeLimited(prompt, response string, maxLen, maxPromptLen int) (
	e Encoded, truncated bool, err error) {
	pre, post := m.Template.Render(prompt)
	pt, err := m.Tokenizer.Encode(pre)
	if err != nil {
		return Encoded{}, false, err
	}
	rt, err := m.Tokenizer.Encode(response + post)
	if err != nil {
		return Encoded{}, false, err
	}
	if len(pt) > maxPromptLen {
		pt, truncated = pt[len(pt)-maxPromptLen:], true
	}
	if budget := maxLen - len(pt); len(rt) > budget {
		rt, truncated = rt[:max(budget, 0)], true
	}
	e = Encoded{Tokens: append(slices.Clip(pt), rt...), Response: make([]float32, len(pt)+len(rt))}
	for i := len(pt); i < len(e.Tokens); i++ {
		e.Response[i] = 1
	}
	return e, truncated, nil
}

// SequenceLogProbs returns log pi(response | prompt) of each (prompt, response), summed over
// the response tokens, scoring batchRows sequences per forward pass (right-padded with the
// template's pad id; the padding never reaches a real token through the causal mask).
func (m *Model) SequenceLogProbs(backend compute.Backend, prompts, responses []string,
	batchRows int) ([]float64, error) {
	if len(prompts) != len(responses) {
		return nil, fmt.Errorf("pretrained: %d prompts and %d responses", len(prompts),
			len(responses))
	}
	if batchRows <= 0 {
		batchRows = 8
	}
	exec, err := model.NewExec(backend, m.Store, func(scope *model.Scope, tokens, mask *Node) *Node {
		logits := m.Logits(tokens.Graph(), tokens)
		return policy.SequenceLogProbs(logits, tokens, mask)
	})
	if err != nil {
		return nil, fmt.Errorf("pretrained: building the log-prob graph: %w", err)
	}
	defer exec.Finalize()
	out := make([]float64, len(prompts))
	for start := 0; start < len(prompts); start += batchRows {
		end := min(start+batchRows, len(prompts))
		rows := make([]Encoded, 0, end-start)
		longest := 2
		for i := start; i < end; i++ {
			e, err := m.Encode(prompts[i], responses[i])
			if err != nil {
				return nil, fmt.Errorf("pretrained: sequence %d: %w", i, err)
			}
			if len(e.Tokens) > m.Config.MaxPositions && m.Config.MaxPositions > 0 {
				return nil, fmt.Errorf("pretrained: sequence %d has %d tokens, beyond "+
					"max_position_embeddings %d", i, len(e.Tokens), m.Config.MaxPositions)
			}
			rows = append(rows, e)
			longest = max(longest, len(e.Tokens))
		}
		tok := make([]int32, len(rows)*longest)
		mask := make([]float32, len(rows)*longest)
		for r, e := range rows {
			for t := range longest {
				tok[r*longest+t] = m.Template.PadID
			}
			copy(tok[r*longest:], e.Tokens)
			copy(mask[r*longest:], e.Response)
		}
		res, err := exec.Call(tensors.FromFlatDataAndDimensions(tok, len(rows), longest),
			tensors.FromFlatDataAndDimensions(mask, len(rows), longest))
		if err != nil {
			return nil, fmt.Errorf("pretrained: scoring sequences %d-%d: %w", start, end-1, err)
		}
		lp := tensors.MustCopyFlatData[float32](res[0])
		res[0].FinalizeAll()
		for i := start; i < end; i++ {
			out[i] = float64(lp[i-start])
		}
	}
	return out, nil
}

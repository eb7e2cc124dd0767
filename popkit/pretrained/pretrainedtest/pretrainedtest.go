// Package pretrainedtest writes tiny Llama checkpoints in the Hugging Face hub's layout, and
// scores sequences under them with an independent float64 forward pass, for tests of code
// that loads or trains such checkpoints.
package pretrainedtest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/pretrained"
)

// tinyTokenizer builds a byte-level vocabulary: the 256 byte characters (ids 0..255 in GPT-2's
// table order), then the merges' results, then three added tokens.
func tinyTokenizer() (vocab map[string]int, merges []string, added []string) {
	vocab = map[string]int{}
	chars := pretrained.GPT2ByteChars()
	for b := range 256 {
		vocab[string(chars[b])] = b
	}
	merges = []string{"h e", "l l", "he ll", "Ġ w", "o r"}
	for _, m := range merges {
		vocab[strings.ReplaceAll(m, " ", "")] = len(vocab)
	}
	return vocab, merges, []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}
}

// TinyConfig is a Llama config at toy size with grouped-query attention (4 heads sharing 2
// key/value heads) and non-default RoPE theta and RMSNorm epsilon.
func TinyConfig(tied bool) pretrained.Config {
	return pretrained.Config{ModelType: "llama", VocabSize: 264, HiddenSize: 16, IntermediateSize: 24,
		NumLayers: 2, NumHeads: 4, NumKVHeads: 2, HeadDim: 4, RMSNormEps: 1e-5,
		RoPETheta: 5000, TieEmbeddings: tied, HiddenAct: "silu", MaxPositions: 256}
}

// WriteCheckpoint writes a checkpoint in the hub's layout with random weights (BF16 when
// bf16, as many hub checkpoints are stored) and returns the weights as float64, rounded as
// stored.
func WriteCheckpoint(t testing.TB, dir string, cfg pretrained.Config,
	bf16 bool) map[string][]float64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	weights := map[string][]float64{}
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data []byte
	names := make([]string, 0)
	shapes := cfg.WeightShapes()
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		shape := shapes[name]
		n := 1
		for _, d := range shape {
			n *= d
		}
		vals := make([]float64, n)
		begin := len(data)
		for i := range vals {
			v := float32(rng.NormFloat64() * 0.5)
			if strings.HasSuffix(name, "norm.weight") {
				v = float32(1 + 0.2*rng.NormFloat64())
			}
			if bf16 {
				bits := math.Float32bits(v) >> 16
				v = math.Float32frombits(bits << 16)
				data = binary.LittleEndian.AppendUint16(data, uint16(bits))
			} else {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
			}
			vals[i] = float64(v)
		}
		dt := "F32"
		if bf16 {
			dt = "BF16"
		}
		header[name] = map[string]any{"dtype": dt, "shape": shape,
			"data_offsets": []int{begin, len(data)}}
		weights[name] = vals
	}
	h, _ := json.Marshal(header)
	file := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	file = append(append(file, h...), data...)
	write(t, filepath.Join(dir, "model.safetensors"), file)

	cj, _ := json.Marshal(map[string]any{"architectures": []string{"LlamaForCausalLM"},
		"model_type": "llama", "vocab_size": cfg.VocabSize, "hidden_size": cfg.HiddenSize,
		"intermediate_size": cfg.IntermediateSize, "num_hidden_layers": cfg.NumLayers,
		"num_attention_heads": cfg.NumHeads, "num_key_value_heads": cfg.NumKVHeads,
		"rms_norm_eps": cfg.RMSNormEps, "rope_theta": cfg.RoPETheta,
		"tie_word_embeddings": cfg.TieEmbeddings, "hidden_act": "silu",
		"max_position_embeddings": cfg.MaxPositions, "rope_scaling": nil})
	write(t, filepath.Join(dir, "config.json"), cj)

	vocab, merges, added := tinyTokenizer()
	var at []map[string]any
	for i, a := range added {
		at = append(at, map[string]any{"id": len(vocab) + i, "content": a, "special": true})
	}
	tj, _ := json.Marshal(map[string]any{"version": "1.0", "added_tokens": at,
		"normalizer": nil,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Digits", "individual_digits": true},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}}},
		"model": map[string]any{"type": "BPE", "dropout": nil, "vocab": vocab,
			"merges": merges, "byte_fallback": false}})
	write(t, filepath.Join(dir, "tokenizer.json"), tj)
	write(t, filepath.Join(dir, "tokenizer_config.json"), []byte(`{"eos_token": "<|im_end|>",
		"pad_token": "<|endoftext|>", "chat_template": "{% for message in messages %}{% if `+
		`loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nBe brief.`+
		`<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + `+
		`message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"}`))
	return weights
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// RefLogProb is an independent float64 forward pass of the Llama architecture written with
// plain loops from Hugging Face's modeling_llama definitions (RMSNorm, rotate_half RoPE,
// repeat_kv grouped-query attention, SiLU-gated MLP), returning the summed log-probability
// of tokens[i] for every i with mask[i] = 1.
func RefLogProb(c pretrained.Config, w map[string][]float64, tokens []int32,
	mask []float32) float64 {
	d, hd, heads, kvh, T := c.HiddenSize, c.HeadDim, c.NumHeads, c.NumKVHeads, len(tokens)
	matvec := func(m []float64, rows, cols int, x []float64) []float64 {
		out := make([]float64, rows)
		for r := range rows {
			for k := range cols {
				out[r] += m[r*cols+k] * x[k]
			}
		}
		return out
	}
	norm := func(x, g []float64) []float64 {
		ms := 0.0
		for _, v := range x {
			ms += v * v
		}
		s := 1 / math.Sqrt(ms/float64(len(x))+c.RMSNormEps)
		out := make([]float64, len(x))
		for i := range x {
			out[i] = x[i] * s * g[i]
		}
		return out
	}
	rot := func(v []float64, pos int) {
		for h := 0; h < len(v)/hd; h++ {
			x := v[h*hd : (h+1)*hd]
			y := slices.Clone(x)
			for i := range hd / 2 {
				a := float64(pos) * math.Pow(c.RoPETheta, -2*float64(i)/float64(hd))
				y[i] = x[i]*math.Cos(a) - x[i+hd/2]*math.Sin(a)
				y[i+hd/2] = x[i+hd/2]*math.Cos(a) + x[i]*math.Sin(a)
			}
			copy(x, y)
		}
	}
	hs := make([][]float64, T)
	for t, id := range tokens {
		hs[t] = slices.Clone(w["model.embed_tokens.weight"][int(id)*d : int(id+1)*d])
	}
	for l := range c.NumLayers {
		p := fmt.Sprintf("model.layers.%d.", l)
		qs, ks, vs := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for t := range T {
			a := norm(hs[t], w[p+"input_layernorm.weight"])
			qs[t] = matvec(w[p+"self_attn.q_proj.weight"], heads*hd, d, a)
			ks[t] = matvec(w[p+"self_attn.k_proj.weight"], kvh*hd, d, a)
			vs[t] = matvec(w[p+"self_attn.v_proj.weight"], kvh*hd, d, a)
			rot(qs[t], t)
			rot(ks[t], t)
		}
		for t := range T {
			att := make([]float64, heads*hd)
			for h := range heads {
				kh := h / (heads / kvh)
				scores := make([]float64, t+1)
				mx := math.Inf(-1)
				for s := 0; s <= t; s++ {
					for i := range hd {
						scores[s] += qs[t][h*hd+i] * ks[s][kh*hd+i]
					}
					scores[s] /= math.Sqrt(float64(hd))
					mx = math.Max(mx, scores[s])
				}
				z := 0.0
				for s := range scores {
					scores[s] = math.Exp(scores[s] - mx)
					z += scores[s]
				}
				for s := range scores {
					for i := range hd {
						att[h*hd+i] += scores[s] / z * vs[s][kh*hd+i]
					}
				}
			}
			o := matvec(w[p+"self_attn.o_proj.weight"], d, heads*hd, att)
			for i := range d {
				hs[t][i] += o[i]
			}
			b := norm(hs[t], w[p+"post_attention_layernorm.weight"])
			g := matvec(w[p+"mlp.gate_proj.weight"], c.IntermediateSize, d, b)
			u := matvec(w[p+"mlp.up_proj.weight"], c.IntermediateSize, d, b)
			for i := range g {
				g[i] = g[i] / (1 + math.Exp(-g[i])) * u[i]
			}
			dn := matvec(w[p+"mlp.down_proj.weight"], d, c.IntermediateSize, g)
			for i := range d {
				hs[t][i] += dn[i]
			}
		}
	}
	out := w["lm_head.weight"]
	if c.TieEmbeddings {
		out = w["model.embed_tokens.weight"]
	}
	total := 0.0
	for t := 1; t < T; t++ {
		if mask[t] == 0 {
			continue
		}
		logits := matvec(out, c.VocabSize, d, norm(hs[t-1], w["model.norm.weight"]))
		mx := slices.Max(logits)
		z := 0.0
		for _, v := range logits {
			z += math.Exp(v - mx)
		}
		total += logits[tokens[t]] - mx - math.Log(z)
	}
	return total
}

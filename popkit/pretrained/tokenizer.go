package pretrained

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tokenizer is a byte-level BPE tokenizer read from a hub checkpoint's tokenizer.json (the
// GPT-2 family's scheme, used by SmolLM2 and many Llama-architecture models):
//
//  1. added tokens (such as <|im_start|>) are cut out of the text and map to their ids;
//  2. the rest is pre-tokenized: optionally digits split apart (pre-tokenizer Digits), then
//     GPT-2's pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//     (pre-tokenizer ByteLevel with use_regex);
//  3. each piece's UTF-8 bytes are mapped to printable characters by GPT-2's byte table, and
//     BPE merges are applied, lowest rank first, until none applies;
//  4. each resulting symbol is looked up in the vocabulary.
//
// Normalizers, dropout, unknown-token fallback and word prefixes/suffixes are refused when
// tokenizer.json asks for them, rather than silently ignored.
type Tokenizer struct {
	vocab        map[string]int32
	ranks        map[[2]string]int
	added        []addedToken // longest content first
	splitDigits  bool         // Digits pre-tokenizer present
	singleDigits bool         // ... with individual_digits
	prefixSpace  bool         // ByteLevel add_prefix_space
	byteChar     [256]rune
	// VocabSize is one more than the largest id (vocabulary and added tokens).
	VocabSize int
}

type addedToken struct {
	content string
	id      int32
}

// tokenizerFile is the part of tokenizer.json that is read.
type tokenizerFile struct {
	AddedTokens []struct {
		ID      int32  `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	Normalizer   json.RawMessage `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type                    string            `json:"type"`
		Vocab                   map[string]int32  `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		Dropout                 *float64          `json:"dropout"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		ByteFallback            bool              `json:"byte_fallback"`
	} `json:"model"`
}

type preTokenizer struct {
	Type             string         `json:"type"`
	IndividualDigits bool           `json:"individual_digits"`
	AddPrefixSpace   bool           `json:"add_prefix_space"`
	UseRegex         *bool          `json:"use_regex"`
	PreTokenizers    []preTokenizer `json:"pretokenizers"`
}

// LoadTokenizer reads a byte-level BPE tokenizer from a tokenizer.json file.
func LoadTokenizer(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %w", err)
	}
	var tf tokenizerFile
	if err := json.Unmarshal(b, &tf); err != nil {
		return nil, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("pretrained: %s: field %q: %s", path, field, fmt.Sprintf(format, args...))
	}
	m := tf.Model
	switch {
	case m.Type != "BPE":
		return nil, bad("model.type", "%q; only byte-level BPE is supported", m.Type)
	case m.Dropout != nil && *m.Dropout != 0:
		return nil, bad("model.dropout", "%v; BPE dropout is not supported", *m.Dropout)
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "":
		return nil, bad("model.continuing_subword_prefix", "not supported")
	case m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "":
		return nil, bad("model.end_of_word_suffix", "not supported")
	case m.ByteFallback:
		return nil, bad("model.byte_fallback", "not supported (SentencePiece-style tokenizer)")
	case len(m.Vocab) == 0:
		return nil, bad("model.vocab", "empty")
	}
	if s := strings.TrimSpace(string(tf.Normalizer)); s != "" && s != "null" {
		return nil, bad("normalizer", "%s; normalizers are not supported", s)
	}
	t := &Tokenizer{vocab: m.Vocab, ranks: map[[2]string]int{}}
	for i, raw := range m.Merges {
		var pair [2]string
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			l, r, ok := strings.Cut(s, " ")
			if !ok {
				return nil, bad(fmt.Sprintf("model.merges[%d]", i), "%q is not \"LEFT RIGHT\"", s)
			}
			pair = [2]string{l, r}
		} else if err := json.Unmarshal(raw, &pair); err != nil {
			return nil, bad(fmt.Sprintf("model.merges[%d]", i), "want \"LEFT RIGHT\" or "+
				"[LEFT, RIGHT], got %s", raw)
		}
		if _, dup := t.ranks[pair]; !dup {
			t.ranks[pair] = i
		}
	}
	if err := t.configure(tf.PreTokenizer, bad); err != nil {
		return nil, err
	}
	for _, a := range tf.AddedTokens {
		t.added = append(t.added, addedToken{a.Content, a.ID})
	}
	slices.SortStableFunc(t.added, func(a, b addedToken) int {
		return len(b.content) - len(a.content)
	})
	for _, id := range m.Vocab {
		t.VocabSize = max(t.VocabSize, int(id)+1)
	}
	for _, a := range t.added {
		t.VocabSize = max(t.VocabSize, int(a.id)+1)
	}
	t.byteChar = GPT2ByteChars()
	return t, nil
}

func (t *Tokenizer) configure(raw json.RawMessage, bad func(string, string, ...any) error) error {
	var p preTokenizer
	if err := json.Unmarshal(raw, &p); err != nil {
		return bad("pre_tokenizer", "%v", err)
	}
	list := []preTokenizer{p}
	if p.Type == "Sequence" {
		list = p.PreTokenizers
	}
	byteLevel := false
	for _, q := range list {
		switch q.Type {
		case "Digits":
			t.splitDigits, t.singleDigits = true, q.IndividualDigits
		case "ByteLevel":
			if q.UseRegex != nil && !*q.UseRegex {
				return bad("pre_tokenizer", "ByteLevel without use_regex is not supported")
			}
			byteLevel, t.prefixSpace = true, q.AddPrefixSpace
		default:
			return bad("pre_tokenizer", "type %q is not supported (ByteLevel, Digits, Sequence)",
				q.Type)
		}
	}
	if !byteLevel {
		return bad("pre_tokenizer", "no ByteLevel pre-tokenizer: not a byte-level BPE")
	}
	return nil
}

// GPT2ByteChars returns GPT-2's byte-to-character table: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 onwards in byte order.
func GPT2ByteChars() [256]rune {
	var out [256]rune
	next := rune(256)
	for b := range 256 {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			out[b] = rune(b)
		} else {
			out[b] = next
			next++
		}
	}
	return out
}

// TokenID returns the id of an added token or vocabulary entry, and whether it exists.
func (t *Tokenizer) TokenID(content string) (int32, bool) {
	for _, a := range t.added {
		if a.content == content {
			return a.id, true
		}
	}
	id, ok := t.vocab[content]
	return id, ok
}

// Encode returns the token ids of text. It fails only when a BPE symbol is missing from the
// vocabulary (a tokenizer.json that does not cover all 256 bytes).
func (t *Tokenizer) Encode(text string) ([]int32, error) {
	var ids []int32
	for text != "" {
		// The earliest added token, longest first at equal positions.
		at, which := len(text), -1
		for i, a := range t.added {
			if a.content == "" {
				continue
			}
			if k := strings.Index(text, a.content); k >= 0 && k < at {
				at, which = k, i
			}
		}
		var err error
		if ids, err = t.encodePlain(ids, text[:at]); err != nil {
			return nil, err
		}
		if which < 0 {
			break
		}
		ids = append(ids, t.added[which].id)
		text = text[at+len(t.added[which].content):]
	}
	return ids, nil
}

func (t *Tokenizer) encodePlain(ids []int32, text string) ([]int32, error) {
	if text == "" {
		return ids, nil
	}
	for _, piece := range t.preTokenize(text) {
		var sb strings.Builder
		for i := 0; i < len(piece); i++ {
			sb.WriteRune(t.byteChar[piece[i]])
		}
		for _, sym := range t.bpe(sb.String()) {
			id, ok := t.vocab[sym]
			if !ok {
				return nil, fmt.Errorf("pretrained: tokenizer: symbol %q (from %q) is not in the "+
					"vocabulary", sym, piece)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// bpe applies the merges to a word of byte characters.
func (t *Tokenizer) bpe(word string) []string {
	var syms []string
	for _, r := range word {
		syms = append(syms, string(r))
	}
	for len(syms) > 1 {
		best, at := -1, -1
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := t.ranks[[2]string{syms[i], syms[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		pair := [2]string{syms[at], syms[at+1]}
		merged := syms[:0:0]
		for i := 0; i < len(syms); i++ {
			if i+1 < len(syms) && syms[i] == pair[0] && syms[i+1] == pair[1] {
				merged = append(merged, pair[0]+pair[1])
				i++
			} else {
				merged = append(merged, syms[i])
			}
		}
		syms = merged
	}
	return syms
}

// preTokenize splits text into the pieces BPE works on.
func (t *Tokenizer) preTokenize(text string) []string {
	pieces := []string{text}
	if t.splitDigits {
		pieces = splitDigits(text, t.singleDigits)
	}
	var out []string
	for i, p := range pieces {
		if t.prefixSpace && i == 0 && !strings.HasPrefix(p, " ") {
			p = " " + p
		}
		out = append(out, gpt2Split(p)...)
	}
	return out
}

// splitDigits isolates digits: each one alone (single) or runs of them.
func splitDigits(s string, single bool) []string {
	var out []string
	start := 0
	prevDigit := false
	for i, r := range s {
		d := unicode.IsDigit(r)
		if i > start && (d != prevDigit || (d && single)) {
			out = append(out, s[start:i])
			start = i
		}
		prevDigit = d
	}
	return append(out, s[start:])
}

// gpt2Split splits s as GPT-2's pre-tokenization pattern does (see [Tokenizer]).
func gpt2Split(s string) []string {
	var out []string
	isL := func(r rune) bool { return unicode.IsLetter(r) }
	isN := func(r rune) bool { return unicode.IsNumber(r) }
	isO := func(r rune) bool { return !unicode.IsSpace(r) && !isL(r) && !isN(r) }
	// run returns the end of the longest run of class starting at i.
	run := func(i int, class func(rune) bool) int {
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !class(r) {
				break
			}
			i += n
		}
		return i
	}
	for i := 0; i < len(s); {
		if s[i] == '\'' {
			matched := false
			for _, c := range []string{"s", "t", "re", "ve", "m", "ll", "d"} {
				if strings.HasPrefix(s[i+1:], c) {
					out = append(out, s[i:i+1+len(c)])
					i += 1 + len(c)
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		j := i
		if s[j] == ' ' {
			j++
		}
		if j < len(s) {
			r, _ := utf8.DecodeRuneInString(s[j:])
			var class func(rune) bool
			switch {
			case isL(r):
				class = isL
			case isN(r):
				class = isN
			case isO(r):
				class = isO
			}
			if class != nil {
				end := run(j, class)
				out = append(out, s[i:end])
				i = end
				continue
			}
		}
		// Whitespace: \s+(?!\S), else \s+.
		end := run(i, unicode.IsSpace)
		if end < len(s) {
			last, n := utf8.DecodeLastRuneInString(s[i:end])
			_ = last
			if end-n > i {
				end -= n // leave the last space to start the next piece
			}
		}
		out = append(out, s[i:end])
		i = end
	}
	return out
}

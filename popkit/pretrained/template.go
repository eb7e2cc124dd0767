package pretrained

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// ChatTemplate turns a prompt into the text before the response, and says what follows the
// response. Two templates are recognised in tokenizer_config.json's chat_template:
//
//   - ChatML (a template that writes <|im_start|>ROLE\n...<|im_end|>, as SmolLM2-Instruct's):
//     [<|im_start|>system\nSYSTEM<|im_end|>\n]<|im_start|>user\nPROMPT<|im_end|>\n
//     <|im_start|>assistant\n, then RESPONSE<|im_end|>. SYSTEM is the default system
//     message the template writes when the conversation has none, taken from the template's
//     literal '<|im_start|>system\n...<|im_end|>' text.
//   - none (no tokenizer_config.json or no chat_template, i.e. a base model): BOS (when the
//     config names a bos_token) and the prompt, then the response and the EOS token.
//
// Other templates are refused: their Jinja code is not interpreted here.
type ChatTemplate struct {
	// Name is "chatml" or "none".
	Name string
	// System is ChatML's default system message, if any.
	System string
	// BOS and EOS are the none template's texts around the sequence (may be empty).
	BOS, EOS string
	// PadID is the token id used to pad rows (pad_token, else eos_token, else 0).
	PadID int32
}

var defaultSystem = regexp.MustCompile(`<\|im_start\|>system\\n([^'"{}]*?)<\|im_end\|>`)

// ReadChatTemplate reads tokenizer_config.json; a missing file means the none template.
func ReadChatTemplate(path string, tok *Tokenizer) (ChatTemplate, error) {
	t := ChatTemplate{Name: "none"}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("pretrained: %w", err)
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(b, &cfg); err != nil {
		return t, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	str := func(key string) string {
		var s string
		if json.Unmarshal(cfg[key], &s) == nil {
			return s
		}
		var obj struct {
			Content string `json:"content"`
		}
		if json.Unmarshal(cfg[key], &obj) == nil {
			return obj.Content
		}
		return ""
	}
	t.BOS, t.EOS = str("bos_token"), str("eos_token")
	for _, name := range []string{str("pad_token"), t.EOS} {
		if id, ok := tok.TokenID(name); ok && name != "" {
			t.PadID = id
			break
		}
	}
	tmpl := str("chat_template")
	switch {
	case tmpl == "":
	case strings.Contains(tmpl, "<|im_start|>") && strings.Contains(tmpl, "<|im_end|>"):
		t.Name = "chatml"
		if m := defaultSystem.FindStringSubmatch(tmpl); m != nil {
			t.System = strings.ReplaceAll(m[1], `\n`, "\n")
		}
		for _, s := range []string{"<|im_start|>", "<|im_end|>"} {
			if _, ok := tok.TokenID(s); !ok {
				return t, fmt.Errorf("pretrained: %s: the ChatML template needs the token %s, "+
					"which tokenizer.json lacks", path, s)
			}
		}
	default:
		return t, fmt.Errorf("pretrained: %s: field \"chat_template\": not a ChatML template; "+
			"only ChatML and no template are supported", path)
	}
	return t, nil
}

// Render returns the text before the response for prompt, and the text after the response.
func (t ChatTemplate) Render(prompt string) (before, after string) {
	if t.Name == "chatml" {
		var sb strings.Builder
		if t.System != "" {
			sb.WriteString("<|im_start|>system\n" + t.System + "<|im_end|>\n")
		}
		sb.WriteString("<|im_start|>user\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n")
		return sb.String(), "<|im_end|>"
	}
	return t.BOS + prompt, t.EOS
}

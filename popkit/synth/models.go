package synth

import (
	"math/rand/v2"
	"strings"
)

// MaxResponseLen is the longest response, in bytes, that the hidden models write.
const MaxResponseLen = 40

// model is one hidden response generator of the pool. Its fields are probabilities.
type model struct {
	name    string
	confuse float64 // ignore the task: start from the argument instead of the answer
	typo    float64 // per byte: replace it by another letter
	drop    float64 // per byte: leave it out
	insert  float64 // per byte: add a random letter after it
	stutter float64 // write the starting text twice, before the corruption
	opener  float64 // start with a filler opener ("Sure! ")
	closer  float64 // end with a filler closer (" :)")
	ramble  float64 // add a rambling run of words after the answer
	empty   float64 // write nothing at all
}

// pool is the list of hidden models, from best to worst. It plays the part of UltraFeedback's
// pool of 17 language models, of which 4 answer each prompt. See the package documentation.
var pool = [...]model{
	{name: "expert", confuse: 0.01, typo: 0.01, drop: 0.005, insert: 0.005, stutter: 0.002,
		opener: 0.3, closer: 0.2, ramble: 0.05},
	{name: "strong", confuse: 0.02, typo: 0.03, drop: 0.015, insert: 0.015, stutter: 0.005,
		opener: 0.4, closer: 0.3, ramble: 0.1},
	{name: "average", confuse: 0.04, typo: 0.06, drop: 0.03, insert: 0.03, stutter: 0.01,
		opener: 0.5, closer: 0.35, ramble: 0.15, empty: 0.005},
	{name: "sloppy", confuse: 0.08, typo: 0.12, drop: 0.06, insert: 0.06, stutter: 0.02,
		opener: 0.5, closer: 0.4, ramble: 0.2, empty: 0.01},
	{name: "broken", confuse: 0.15, typo: 0.25, drop: 0.1, insert: 0.1, stutter: 0.04,
		opener: 0.5, closer: 0.4, ramble: 0.3, empty: 0.03},
	{name: "chatty", confuse: 0.02, typo: 0.02, drop: 0.01, insert: 0.01, stutter: 0.005,
		opener: 0.9, closer: 0.7, ramble: 0.4},
}

// ModelNames lists the names of the hidden models, from best to worst.
func ModelNames() []string {
	names := make([]string, len(pool))
	for i, m := range pool {
		names[i] = m.name
	}
	return names
}

// Filler phrases of the hidden models: openers, closers and the words of a ramble.
var (
	fillerPrefixes = [...]string{"Sure! ", "OK, ", "Answer: ", "Here you go: ", "Easy: ",
		"I think it is "}
	fillerSuffixes = [...]string{".", "!", " :)", " done", "\nhope this helps", " (i think)"}
	rambleWords    = [...]string{"so", "well", "basically", "the", "answer", "is", "this",
		"one", "i", "think", "because", "it", "was", "asked", "and", "that", "works"}
)

// respond returns the response of m to p, drawing from rng. The steps, each taken with the
// model's probability: start from the answer (or, when confused, from the argument); write it
// twice; corrupt each byte (substitute, drop, insert); add filler and a ramble; cut to
// MaxResponseLen bytes. An empty response skips the rest.
func (m model) respond(p Prompt, rng *rand.Rand) string {
	if rng.Float64() < m.empty {
		return ""
	}
	base := p.Answer
	if rng.Float64() < m.confuse {
		base = p.Arg
	}
	if rng.Float64() < m.stutter {
		base += base
	}

	var sb strings.Builder
	for i := 0; i < len(base); i++ {
		c := base[i]
		switch u := rng.Float64(); {
		case u < m.drop:
		case u < m.drop+m.typo:
			sb.WriteByte(otherLetter(c, rng))
		default:
			sb.WriteByte(c)
		}
		if rng.Float64() < m.insert {
			sb.WriteByte(randomLetter(isUpper(c), rng))
		}
	}
	out := sb.String()

	if rng.Float64() < m.opener {
		out = fillerPrefixes[rng.IntN(len(fillerPrefixes))] + out
	}
	if rng.Float64() < m.closer {
		out += fillerSuffixes[rng.IntN(len(fillerSuffixes))]
	}
	if rng.Float64() < m.ramble {
		for n := 2 + rng.IntN(3); n > 0; n-- {
			out += " " + rambleWords[rng.IntN(len(rambleWords))]
		}
	}
	if len(out) > MaxResponseLen {
		out = out[:MaxResponseLen]
	}
	return out
}

// maxRedraws is the number of times respondNew asks a model again for a response that
// differs from the ones already written.
const maxRedraws = 10

// respondNew returns a response of m to p that is not in written: the first of up to
// 1 + maxRedraws calls of respond that gives a new text; failing that, the last one with random
// lowercase letters appended (or, at MaxResponseLen bytes, a random byte replaced by another
// letter) until it is new. Different models phrase things differently, so, as in UltraFeedback,
// the candidates of a prompt are distinct texts, and at most one of them is the ideal answer.
func (m model) respondNew(p Prompt, written map[string]bool, rng *rand.Rand) string {
	text := m.respond(p, rng)
	for range maxRedraws {
		if !written[text] {
			return text
		}
		text = m.respond(p, rng)
	}
	for written[text] {
		if len(text) < MaxResponseLen {
			text += string(randomLetter(false, rng))
		} else {
			b := []byte(text)
			i := rng.IntN(len(b))
			b[i] = otherLetter(b[i], rng)
			text = string(b)
		}
	}
	return text
}

// isUpper reports whether c is an ASCII capital.
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// randomLetter returns a uniformly random ASCII letter, a capital when upper is set.
func randomLetter(upper bool, rng *rand.Rand) byte {
	base := byte('a')
	if upper {
		base = 'A'
	}
	return base + byte(rng.IntN(26))
}

// otherLetter returns a random letter of c's case that differs from c (any lowercase letter
// when c is not a letter).
func otherLetter(c byte, rng *rand.Rand) byte {
	for {
		l := randomLetter(isUpper(c), rng)
		if l != c {
			return l
		}
	}
}

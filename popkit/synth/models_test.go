package synth

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRespond(t *testing.T) {
	p, err := ParsePrompt("sort: d b a\n") // answer "a b d", argument "d b a"
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		m     model
		check func(string) bool
	}{
		{"perfect", model{}, func(s string) bool { return s == "a b d" }},
		{"empty", model{empty: 1, opener: 1, closer: 1}, func(s string) bool { return s == "" }},
		{"confused", model{confuse: 1}, func(s string) bool { return s == "d b a" }},
		{"stutter", model{stutter: 1}, func(s string) bool { return s == "a b da b d" }},
		{"confused stutter", model{confuse: 1, stutter: 1},
			func(s string) bool { return s == "d b ad b a" }},
		{"drop all", model{drop: 1}, func(s string) bool { return s == "" }},
		// Every byte replaced by another letter: 5 letters, none equal to the original, and
		// the spaces become lowercase letters.
		{"typo all", model{typo: 1}, func(s string) bool {
			return len(s) == 5 && s[0] != 'a' && s[2] != 'b' && s[4] != 'd' && clean(s) &&
				!strings.Contains(s, " ")
		}},
		// One random letter after each byte: the answer at even positions.
		{"insert all", model{insert: 1}, func(s string) bool {
			return len(s) == 10 && s[0] == 'a' && s[2] == ' ' && s[4] == 'b' && s[8] == 'd'
		}},
		{"opener", model{opener: 1}, func(s string) bool {
			for _, f := range fillerPrefixes {
				if s == f+"a b d" {
					return true
				}
			}
			return false
		}},
		{"closer", model{closer: 1}, func(s string) bool {
			for _, f := range fillerSuffixes {
				if s == "a b d"+f {
					return true
				}
			}
			return false
		}},
		// 2-4 ramble words after the answer, cut to MaxResponseLen bytes.
		{"ramble", model{ramble: 1}, func(s string) bool {
			words := strings.Fields(strings.TrimPrefix(s, "a b d "))
			return strings.HasPrefix(s, "a b d ") && len(words) >= 2 && len(words) <= 4 &&
				len(s) <= MaxResponseLen
		}},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range tests {
		for range 50 {
			if got := tc.m.respond(p, rng); !tc.check(got) {
				t.Fatalf("%s: respond gave %q", tc.name, got)
			}
		}
	}

	// A long stuttered, padded answer is cut to MaxResponseLen bytes.
	long, _ := ParsePrompt("repeat 9: abcdefgh\n") // a 72-byte answer
	if got := (model{}).respond(long, rng); len(got) != MaxResponseLen {
		t.Errorf("72-byte answer came back with %d bytes, want MaxResponseLen = %d", len(got),
			MaxResponseLen)
	}
}

func TestRespondNew(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	p, _ := ParsePrompt("sort: d b a\n")           // answer "a b d"
	long, _ := ParsePrompt("repeat 9: abcdefgh\n") // 72-byte answer, cut to 60
	cut := long.Answer[:MaxResponseLen]

	// A flawless model always writes the answer; when it is taken, the redraws fail and random
	// letters are appended until the text is new.
	if got := (model{}).respondNew(p, map[string]bool{}, rng); got != "a b d" {
		t.Errorf("nothing written: got %q, want the answer", got)
	}
	written := map[string]bool{"a b d": true}
	got := (model{}).respondNew(p, written, rng)
	if len(got) != 6 || got[:5] != "a b d" || !isLowerWord(got[5:]) {
		t.Errorf("answer taken: got %q, want the answer and one lowercase letter", got)
	}
	for c := byte('a'); c <= 'z'; c++ {
		written["a b d"+string(c)] = true
	}
	if got := (model{}).respondNew(p, written, rng); len(got) != 7 || written[got] {
		t.Errorf("answer and its 26 one-letter extensions taken: got %q, want 7 new bytes",
			got)
	}
	// At MaxResponseLen bytes, a byte is replaced instead.
	got = (model{}).respondNew(long, map[string]bool{cut: true}, rng)
	diff := 0
	for i := range min(len(got), len(cut)) {
		if got[i] != cut[i] {
			diff++
		}
	}
	if len(got) != MaxResponseLen || diff != 1 {
		t.Errorf("60-byte answer taken: got %q, want it with one byte replaced", got)
	}
	// A model that writes several texts redraws: the first new one comes back unchanged.
	for range 50 {
		w := map[string]bool{"a b d": true}
		if got := (model{stutter: 0.9}).respondNew(p, w, rng); got != "a b da b d" {
			t.Fatalf("answer taken, stutter 0.9: got %q, want the stutter", got)
		}
	}
}

// TestModelOrder checks the documented order of the pool, from best to worst, by the mean
// gold reward of each model's responses over 5,000 prompts (about 3,300 responses each; the
// closest means, chatty's 0.748 and sloppy's 0.716 with seed 21, differ by 0.032, where the
// standard error of that difference is 0.0060).
func TestModelOrder(t *testing.T) {
	w, err := Generate(Config{Prompts: 5000, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	sum, n := map[string]float64{}, map[string]float64{}
	for _, it := range w.Items {
		for _, c := range it.Candidates {
			sum[c.Model] += c.Reward.Total
			n[c.Model]++
		}
	}
	names := ModelNames()
	for i := 1; i < len(names); i++ {
		better, worse := sum[names[i-1]]/n[names[i-1]], sum[names[i]]/n[names[i]]
		t.Logf("%-8s mean r* %.4f over %g responses", names[i-1], better, n[names[i-1]])
		if better <= worse {
			t.Errorf("model %s (mean r* %.4f) is not better than %s (%.4f)", names[i-1],
				better, names[i], worse)
		}
	}
}

package pretrained

import (
	"slices"
	"testing"
)

func TestPreTokenize(t *testing.T) {
	// GPT-2's pre-tokenization, worked out from its pattern.
	got := gpt2Split("I'm  fine\n\nok 123 ?!")
	wantSplit := []string{"I", "'m", " ", " fine", "\n", "\n", "ok", " 123", " ?!"}
	if !slices.Equal(got, wantSplit) {
		t.Errorf("gpt2Split = %q, want %q", got, wantSplit)
	}
	if got := splitDigits("a12b", true); !slices.Equal(got, []string{"a", "1", "2", "b"}) {
		t.Errorf("splitDigits = %q", got)
	}
}

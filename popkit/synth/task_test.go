package synth

import (
	"errors"
	"slices"
	"testing"
)

func TestParsePrompt(t *testing.T) {
	tests := []struct {
		text string
		want Prompt
	}{
		// Each answer is the transformation done by hand.
		{"reverse: lamp\n", Prompt{Text: "reverse: lamp\n", Task: TaskReverse, Arg: "lamp",
			Answer: "pmal"}},
		{"upper: lamp\n", Prompt{Text: "upper: lamp\n", Task: TaskUpper, Arg: "lamp",
			Answer: "LAMP"}},
		{"sort: d b a\n", Prompt{Text: "sort: d b a\n", Task: TaskSort, Arg: "d b a",
			Answer: "a b d"}},
		{"sort: pear fig apple fig\n", Prompt{Text: "sort: pear fig apple fig\n",
			Task: TaskSort, Arg: "pear fig apple fig", Answer: "apple fig fig pear"}},
		{"sort: z\n", Prompt{Text: "sort: z\n", Task: TaskSort, Arg: "z", Answer: "z"}},
		{"repeat 3: ab\n", Prompt{Text: "repeat 3: ab\n", Task: TaskRepeat, Arg: "ab",
			Count: 3, Answer: "ababab"}},
		{"repeat 1: q\n", Prompt{Text: "repeat 1: q\n", Task: TaskRepeat, Arg: "q", Count: 1,
			Answer: "q"}},
		// The final newline may be left out; Text gets it back.
		{"reverse: ab", Prompt{Text: "reverse: ab\n", Task: TaskReverse, Arg: "ab",
			Answer: "ba"}},
		// 39 bytes with the newline: "reverse: " (9) + 29 letters + "\n", within MaxPromptLen.
		{"reverse: abcdefghijklmnopqrstuvwxyzabc\n", Prompt{
			Text: "reverse: abcdefghijklmnopqrstuvwxyzabc\n", Task: TaskReverse,
			Arg: "abcdefghijklmnopqrstuvwxyzabc", Answer: "cbazyxwvutsrqponmlkjihgfedcba"}},
	}
	for _, tc := range tests {
		got, err := ParsePrompt(tc.text)
		if err != nil {
			t.Errorf("ParsePrompt(%q): %v", tc.text, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParsePrompt(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

func TestParsePromptErrors(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"", `expected "TASK: ARGUMENT"`},
		{"reverse lamp\n", `expected "TASK: ARGUMENT"`},
		{"shout: lamp\n", `unknown task "shout"`},
		{"Reverse: lamp\n", `unknown task "Reverse"`},
		{"reverse: Lamp\n", "lowercase letters a-z"},
		{"reverse: la mp\n", "lowercase letters a-z"},
		{"reverse: \n", "lowercase letters a-z"},
		{"reverse:  lamp\n", "lowercase letters a-z"},
		{"reverse: lamp \n", "lowercase letters a-z"},
		{"reverse: lamp\n\n", "lowercase letters a-z"},
		{"sort: d  b\n", "lowercase letters a-z"},
		{"sort: d b \n", "lowercase letters a-z"},
		{"upper 2: ab\n", "task upper takes no count"},
		{"repeat: ab\n", `"repeat N: WORD" with N a digit 1-9`},
		{"repeat 0: ab\n", `"repeat N: WORD" with N a digit 1-9`},
		{"repeat 10: ab\n", `"repeat N: WORD" with N a digit 1-9`},
		{"repeat x: ab\n", `"repeat N: WORD" with N a digit 1-9`},
		{"repeat +3: ab\n", `"repeat N: WORD" with N a digit 1-9`},
		// 41 bytes with the newline: "reverse: " (9) + 31 letters + "\n".
		{"reverse: abcdefghijklmnopqrstuvwxyzabcde\n",
			"41 bytes with the newline, more than MaxPromptLen = 40"},
	}
	for _, tc := range tests {
		_, err := ParsePrompt(tc.text)
		wantErr(t, err, tc.want)
		if !errors.Is(err, ErrInvalidPrompt) {
			t.Errorf("ParsePrompt(%q): error %v does not wrap ErrInvalidPrompt", tc.text, err)
		}
	}
}

func TestNewPrompt(t *testing.T) {
	tests := []struct {
		task        Task
		arg         string
		count       int
		text, want  string // want: the answer, or a substring of the error when text is ""
		errExpected bool
	}{
		{TaskReverse, "lamp", 0, "reverse: lamp\n", "pmal", false},
		{TaskUpper, "lamp", 0, "upper: lamp\n", "LAMP", false},
		{TaskSort, "d b a", 0, "sort: d b a\n", "a b d", false},
		{TaskRepeat, "ab", 3, "repeat 3: ab\n", "ababab", false},
		{TaskReverse, "lamp", 2, "", "count 2 given for task reverse", true},
		{TaskRepeat, "ab", 0, "", `"repeat N: WORD" with N a digit 1-9`, true},
		{TaskUpper, "LAMP", 0, "", "lowercase letters a-z", true},
		{Task(7), "ab", 0, "", "unknown task 7 (valid: reverse, upper, sort, repeat)", true},
	}
	for _, tc := range tests {
		p, err := NewPrompt(tc.task, tc.arg, tc.count)
		if tc.errExpected {
			wantErr(t, err, tc.want)
			if !errors.Is(err, ErrInvalidPrompt) {
				t.Errorf("NewPrompt(%v): error %v does not wrap ErrInvalidPrompt", tc.task, err)
			}
			continue
		}
		if err != nil || p.Text != tc.text || p.Answer != tc.want || p.Count != tc.count {
			t.Errorf("NewPrompt(%v, %q, %d) = %+v, %v; want text %q, answer %q", tc.task,
				tc.arg, tc.count, p, err, tc.text, tc.want)
		}
	}
}

func TestTaskNames(t *testing.T) {
	names := TaskNames()
	if want := []string{"reverse", "upper", "sort", "repeat"}; !slices.Equal(names, want) {
		t.Fatalf("TaskNames() = %q, want %q", names, want)
	}
	for i, task := range Tasks() {
		if task.String() != names[i] {
			t.Errorf("Tasks()[%d].String() = %q, want %q", i, task, names[i])
		}
		got, err := ParseTask(names[i])
		if err != nil || got != task {
			t.Errorf("ParseTask(%q) = %v, %v; want %v", names[i], got, err, task)
		}
	}
	_, err := ParseTask("Sort")
	wantErr(t, err, `synth: unknown task "Sort" (valid: reverse, upper, sort, repeat)`)
	if got := Task(-1).String(); got != "Task(-1)" {
		t.Errorf("Task(-1).String() = %q", got)
	}
	names[0] = "changed"
	if TaskNames()[0] != "reverse" {
		t.Error("TaskNames returns the package's own array")
	}
}

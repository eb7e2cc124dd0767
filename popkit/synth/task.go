package synth

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Task is the transformation a prompt asks for.
type Task int

const (
	// TaskReverse asks for the argument word spelled backwards: "reverse: lamp" -> "pmal".
	TaskReverse Task = iota
	// TaskUpper asks for the argument word in capitals: "upper: lamp" -> "LAMP".
	TaskUpper
	// TaskSort asks for the space-separated items in byte order: "sort: d b a" -> "a b d".
	TaskSort
	// TaskRepeat asks for the argument word written n times without separator:
	// "repeat 3: ab" -> "ababab".
	TaskRepeat
)

// taskNames are the names of the tasks, indexed by Task; each is also the first word of the
// task's prompts.
var taskNames = [...]string{TaskReverse: "reverse", TaskUpper: "upper", TaskSort: "sort",
	TaskRepeat: "repeat"}

// TaskNames lists the valid task names, in the order of the constants.
func TaskNames() []string { return append([]string(nil), taskNames[:]...) }

// Tasks lists every task in the order of the constants.
func Tasks() []Task {
	all := make([]Task, len(taskNames))
	for i := range all {
		all[i] = Task(i)
	}
	return all
}

// String returns the task's name ("reverse", "upper", "sort", "repeat").
func (t Task) String() string {
	if t < 0 || int(t) >= len(taskNames) {
		return fmt.Sprintf("Task(%d)", int(t))
	}
	return taskNames[t]
}

// ParseTask returns the task with the given name.
func ParseTask(name string) (Task, error) {
	for i, n := range taskNames {
		if n == name {
			return Task(i), nil
		}
	}
	return 0, fmt.Errorf("synth: unknown task %q (valid: %s)", name,
		strings.Join(taskNames[:], ", "))
}

// Limits of the prompt grammar accepted by [ParsePrompt]. The generator stays well inside
// them (see the package documentation).
const (
	// MaxRepeat is the largest count n of a "repeat n: w" prompt; the smallest is 1.
	MaxRepeat = 9
	// MaxPromptLen is the longest prompt, in bytes, that [ParsePrompt] accepts, final newline
	// included. Generated prompts have at most 18 bytes.
	MaxPromptLen = 40
)

// Prompt is one instruction of the synthetic world together with its ideal response.
type Prompt struct {
	// Text is the prompt as the model sees it, for example "reverse: lamp\n". It always ends
	// with a newline, the marker after which the response starts.
	Text string
	// Task is the transformation asked for.
	Task Task
	// Arg is the argument as written in the prompt ("lamp", "d b a", "ab").
	Arg string
	// Count is n for TaskRepeat, 0 for the other tasks.
	Count int
	// Answer is the ideal response, the exact result of the transformation.
	Answer string
}

// ErrInvalidPrompt is wrapped by the errors of [ParsePrompt].
var ErrInvalidPrompt = errors.New("synth: invalid prompt")

// NewPrompt builds the prompt that asks for task on arg (count is n for TaskRepeat and must be
// 0 otherwise) and computes its answer. It returns the same errors as [ParsePrompt], which
// accepts exactly the prompts NewPrompt can build.
func NewPrompt(task Task, arg string, count int) (Prompt, error) {
	var text string
	switch task {
	case TaskRepeat:
		text = fmt.Sprintf("%s %d: %s\n", task, count, arg)
	case TaskReverse, TaskUpper, TaskSort:
		if count != 0 {
			return Prompt{}, fmt.Errorf("%w: count %d given for task %s, which takes none",
				ErrInvalidPrompt, count, task)
		}
		text = fmt.Sprintf("%s: %s\n", task, arg)
	default:
		return Prompt{}, fmt.Errorf("%w: unknown task %d (valid: %s)", ErrInvalidPrompt,
			int(task), strings.Join(taskNames[:], ", "))
	}
	return ParsePrompt(text)
}

// ParsePrompt parses a prompt of the synthetic world and computes its ideal answer. The
// grammar, where w is a word of lowercase ASCII letters a-z and n a digit 1-9:
//
//	reverse: w\n        answer: w backwards
//	upper: w\n          answer: w in capitals
//	sort: w w ... w\n   answer: the words in byte order, joined by single spaces
//	repeat n: w\n       answer: w written n times
//
// Separators are exactly one space (after the colon and between the words of sort). The final
// newline may be left out; the returned Text always has it. A prompt longer than
// [MaxPromptLen] bytes (with its newline) is rejected. Errors wrap [ErrInvalidPrompt] and
// quote the prompt.
func ParsePrompt(text string) (Prompt, error) {
	fail := func(format string, args ...any) (Prompt, error) {
		return Prompt{}, fmt.Errorf("%w %q: %s", ErrInvalidPrompt, text,
			fmt.Sprintf(format, args...))
	}

	line := strings.TrimSuffix(text, "\n")
	if len(line)+1 > MaxPromptLen {
		return fail("%d bytes with the newline, more than MaxPromptLen = %d",
			len(line)+1, MaxPromptLen)
	}
	head, arg, ok := strings.Cut(line, ": ")
	if !ok {
		return fail(`expected "TASK: ARGUMENT" or "repeat N: WORD"`)
	}
	name, countText, hasCount := strings.Cut(head, " ")
	task, err := ParseTask(name)
	if err != nil {
		return fail("unknown task %q (valid: %s)", name, strings.Join(taskNames[:], ", "))
	}

	p := Prompt{Text: line + "\n", Task: task, Arg: arg}
	if task == TaskRepeat {
		n, err := strconv.Atoi(countText)
		if !hasCount || err != nil || len(countText) != 1 || n < 1 || n > MaxRepeat {
			return fail(`expected "repeat N: WORD" with N a digit 1-%d`, MaxRepeat)
		}
		p.Count = n
	} else if hasCount {
		return fail("task %s takes no count", task)
	}

	words := []string{arg}
	if task == TaskSort {
		words = strings.Split(arg, " ")
	}
	for _, w := range words {
		if !isLowerWord(w) {
			return fail("expected words of lowercase letters a-z separated by single " +
				"spaces after the colon")
		}
	}

	switch task {
	case TaskReverse:
		b := []byte(arg)
		slices.Reverse(b)
		p.Answer = string(b)
	case TaskUpper:
		p.Answer = strings.ToUpper(arg)
	case TaskSort:
		slices.Sort(words)
		p.Answer = strings.Join(words, " ")
	case TaskRepeat:
		p.Answer = strings.Repeat(arg, p.Count)
	}
	return p, nil
}

// isLowerWord reports whether w is a non-empty run of the letters a-z.
func isLowerWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

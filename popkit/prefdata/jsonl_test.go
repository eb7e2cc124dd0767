package prefdata_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// good is a valid flat record; its ID is the line-number fallback.
const good = `{"prompt":"p","chosen":"c","rejected":"r","score_chosen":8,"score_rejected":6}`

// goodPair is the pair that good decodes to, with the given ID.
func goodPair(id string) prefdata.Pair {
	return prefdata.Pair{ID: id, Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: 8,
		ScoreRejected: 6}
}

func TestParseJSONLAccepts(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []prefdata.Pair
	}{
		{
			name:  "flat form, top-level scores",
			input: good + "\n",
			want:  []prefdata.Pair{goodPair("0")},
		},
		{
			name: "flat form, scores under metadata, halves, source_index as ID",
			input: `{"prompt":"p","chosen":"c","rejected":"r","source_index":27808,` +
				`"metadata":{"score_chosen":7.5,"score_rejected":6.5}}`,
			want: []prefdata.Pair{{ID: "27808", Prompt: "p", Chosen: "c", Rejected: "r",
				ScoreChosen: 7.5, ScoreRejected: 6.5}},
		},
		{
			name: "same score in both places",
			input: `{"prompt":"p","chosen":"c","rejected":"r","score_chosen":9,` +
				`"score_rejected":2,"metadata":{"score_chosen":9.0}}`,
			want: []prefdata.Pair{{ID: "0", Prompt: "p", Chosen: "c", Rejected: "r",
				ScoreChosen: 9, ScoreRejected: 2}},
		},
		{
			name: "tie is kept",
			input: `{"prompt":"p","chosen":"c","rejected":"r","score_chosen":6,` +
				`"score_rejected":6}`,
			want: []prefdata.Pair{{ID: "0", Prompt: "p", Chosen: "c", Rejected: "r",
				ScoreChosen: 6, ScoreRejected: 6}},
		},
		{
			name: "chat form with a string prompt (HuggingFaceH4)",
			input: `{"prompt":"How?","prompt_id":"ab12",` +
				`"chosen":[{"role":"user","content":"How?"},` +
				`{"role":"assistant","content":"Well."}],` +
				`"rejected":[{"role":"user","content":"How?"},` +
				`{"role":"assistant","content":"No."}],` +
				`"messages":[],"score_chosen":9.0,"score_rejected":4.0}`,
			want: []prefdata.Pair{{ID: "ab12", Prompt: "How?", Chosen: "Well.", Rejected: "No.",
				ScoreChosen: 9, ScoreRejected: 4}},
		},
		{
			// The prompt is the user turns before the last assistant message, joined by "\n\n";
			// the system message and the earlier assistant turn are dropped.
			name: "chat form without prompt (trl-lib), multi-turn",
			input: `{"chosen":[{"role":"system","content":"S"},{"role":"user","content":"U1"},` +
				`{"role":"assistant","content":"A1"},{"role":"user","content":"U2"},` +
				`{"role":"assistant","content":"A2"}],` +
				`"rejected":[{"role":"system","content":"other"},{"role":"user","content":"U1"},` +
				`{"role":"assistant","content":"B1"},{"role":"user","content":"U2"},` +
				`{"role":"assistant","content":"B2"}],"score_chosen":5,"score_rejected":1.5}`,
			want: []prefdata.Pair{{ID: "0", Prompt: "U1\n\nU2", Chosen: "A2", Rejected: "B2",
				ScoreChosen: 5, ScoreRejected: 1.5}},
		},
		{
			name: "prompt as a conversation",
			input: `{"prompt":[{"role":"system","content":"S"},{"role":"user","content":"U1"},` +
				`{"role":"user","content":"U2"}],"chosen":"c","rejected":"r",` +
				`"score_chosen":3,"score_rejected":2}`,
			want: []prefdata.Pair{{ID: "0", Prompt: "U1\n\nU2", Chosen: "c", Rejected: "r",
				ScoreChosen: 3, ScoreRejected: 2}},
		},
		{
			name: "chosen a string, rejected a conversation, trailing user turn ignored",
			input: `{"prompt":"p","chosen":"c","rejected":[{"role":"user","content":"p"},` +
				`{"role":"assistant","content":"r"},{"role":"user","content":"more?"}],` +
				`"score_chosen":3,"score_rejected":2}`,
			want: []prefdata.Pair{{ID: "0", Prompt: "p", Chosen: "c", Rejected: "r",
				ScoreChosen: 3, ScoreRejected: 2}},
		},
		{
			// Physical line numbers count blank lines: the records sit on lines 2, 4 and 7,
			// so their fallback IDs are "1", "3" and "6".
			name:  "blank and whitespace lines skipped, no final newline",
			input: "\n" + good + "\n  \t\n" + good + "\n\n\n" + good,
			want: []prefdata.Pair{
				goodPair("1"),
				goodPair("3"),
				goodPair("6"),
			},
		},
		{
			name:  "CRLF line endings, blank CRLF line",
			input: good + "\r\n\r\n" + good + "\r\n",
			want: []prefdata.Pair{
				goodPair("0"),
				goodPair("2"),
			},
		},
		{
			name:  "UTF-8 byte order mark at file start",
			input: "\xef\xbb\xbf" + good + "\n",
			want:  []prefdata.Pair{goodPair("0")},
		},
		{
			// id wins over prompt_id and source_index; a null id counts as absent; numbers
			// are taken as written.
			name: "ID precedence and forms",
			input: `{"id":"x","prompt_id":"y","source_index":3,` + good[1:] + "\n" +
				`{"id":null,"prompt_id":"y","source_index":3,` + good[1:] + "\n" +
				`{"source_index":1e3,` + good[1:] + "\n" +
				`{"id":-7,` + good[1:] + "\n",
			want: []prefdata.Pair{
				goodPair("x"),
				goodPair("y"),
				goodPair("1e3"),
				goodPair("-7"),
			},
		},
		{
			// JSON "\r\n" inside a text stays; spaces stay; a surrogate pair decodes to U+1F600;
			// an escaped backslash before "ud800" is plain text, not an escape.
			name: "texts kept verbatim, escapes decoded",
			input: `{"prompt":" p\r\n","chosen":"\ud83d\ude00 ok ","rejected":"\\ud800",` +
				`"score_chosen":8,"score_rejected":6,"extra":{"ignored":[1,2]}}`,
			want: []prefdata.Pair{{ID: "0", Prompt: " p\r\n", Chosen: "\U0001F600 ok ",
				Rejected: `\ud800`, ScoreChosen: 8, ScoreRejected: 6}},
		},
		{
			name: "empty prompt allowed, negative and exponent scores",
			input: `{"prompt":"","chosen":"c","rejected":"r","score_chosen":-1e-1,` +
				`"score_rejected":-2.5E0}`,
			want: []prefdata.Pair{{ID: "0", Prompt: "", Chosen: "c", Rejected: "r",
				ScoreChosen: -0.1, ScoreRejected: -2.5}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := prefdata.ParseJSONL(strings.NewReader(tc.input), "in.jsonl")
			if err != nil {
				t.Fatalf("ParseJSONL: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseJSONLErrors(t *testing.T) {
	// rec builds a flat record from good with one field's JSON replaced (or removed, for "").
	rec := func(field, value string) string {
		parts := map[string]string{"prompt": `"p"`, "chosen": `"c"`, "rejected": `"r"`,
			"score_chosen": "8", "score_rejected": "6"}
		parts[field] = value
		var kv []string
		for _, k := range []string{"prompt", "chosen", "rejected", "score_chosen",
			"score_rejected"} {
			if parts[k] != "" {
				kv = append(kv, `"`+k+`":`+parts[k])
			}
		}
		return "{" + strings.Join(kv, ",") + "}"
	}
	// second puts a bad record on line 3, after a good record and a blank line.
	second := func(bad string) string { return good + "\n\n" + bad + "\n" }
	chat := func(chosen, rejected string) string {
		return `{"chosen":` + chosen + `,"rejected":` + rejected +
			`,"score_chosen":3,"score_rejected":1}`
	}
	const ua = `[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]`

	tests := []struct {
		name  string
		input string
		line  int
		field string
		msg   string // a substring of Msg
	}{
		{"invalid JSON", second(`{"prompt":"p",}`), 3, "",
			"invalid JSON near byte 15 of the line: invalid character '}'"},
		{"truncated JSON", `{"prompt":"p"`, 1, "", "invalid JSON near byte 13"},
		{"two values on a line", good + " " + good, 1, "", "after top-level value"},
		{"byte order mark not at file start", second("\xef\xbb\xbf" + good), 3, "",
			"invalid JSON"},
		{"line is a list", second(`[1,2]`), 3, "", "expected a JSON object, got a list"},
		{"line is null", second(`null`), 3, "", "expected a JSON object, got null"},
		{"missing prompt", second(rec("prompt", "")), 3, "prompt", "missing: expected a string"},
		{"null prompt", second(rec("prompt", "null")), 3, "prompt", "missing"},
		{"prompt is a number", second(rec("prompt", "3")), 3, "prompt",
			"expected a string or a list of chat messages, got the number 3"},
		{"missing chosen", second(rec("chosen", "")), 3, "chosen", "missing"},
		{"missing rejected", second(rec("rejected", "")), 3, "rejected", "missing"},
		{"chosen is an object", second(rec("chosen", `{"a":1}`)), 3, "chosen",
			"expected a string or a list of chat messages, got an object"},
		{"missing score_chosen", second(rec("score_chosen", "")), 3, "score_chosen",
			`missing: expected a number at the top level or under "metadata"`},
		{"missing score_rejected, other score under metadata",
			`{"prompt":"p","chosen":"c","rejected":"r","metadata":{"score_chosen":8}}`, 1,
			"score_rejected", "missing"},
		{"score is a word", second(rec("score_chosen", `"high"`)), 3, "score_chosen",
			`expected a number, got the string "high"`},
		{"score is a numeric string under metadata",
			`{"prompt":"p","chosen":"c","rejected":"r","metadata":{"score_chosen":8,` +
				`"score_rejected":"7.5"}}`, 1, "metadata.score_rejected",
			`expected a number, got the string "7.5" (write the number without quotes)`},
		{"score is a boolean", second(rec("score_rejected", "true")), 3, "score_rejected",
			"expected a number, got a boolean"},
		{"score overflows", second(rec("score_chosen", "1e400")), 3, "score_chosen",
			"expected a finite number, got 1e400"},
		{"negative score overflows", second(rec("score_rejected", "-1e400")), 3,
			"score_rejected", "expected a finite number, got -1e400"},
		// 1.5e308 - (-1.5e308) = 3e308 exceeds the largest float64, about 1.8e308.
		{"margin overflows", second(`{"prompt":"p","chosen":"c","rejected":"r",` +
			`"score_chosen":1.5e308,"score_rejected":-1.5e308}`), 3, "score_chosen",
			"the margin score_chosen - score_rejected = 1.5e+308 - (-1.5e+308) is not finite"},
		{"margin overflows under metadata", `{"prompt":"p","chosen":"c","rejected":"r",` +
			`"metadata":{"score_chosen":1e308,"score_rejected":-1e308}}`, 1,
			"metadata.score_chosen", "is not finite"},
		{"metadata is not an object",
			`{"prompt":"p","chosen":"c","rejected":"r","metadata":[8,6]}`, 1, "metadata",
			"expected an object, got a list"},
		{"scores disagree", `{"prompt":"p","chosen":"c","rejected":"r","score_chosen":8,` +
			`"score_rejected":6,"metadata":{"score_chosen":7}}`, 1, "score_chosen",
			"given as 8 at the top level and as 7 under metadata"},
		{"chosen below rejected", second(rec("score_chosen", "2")), 3, "score_chosen",
			"score_chosen 2 is below score_rejected 6: expected chosen >= rejected (if the " +
				"labels are reversed, swap chosen and rejected with their scores)"},
		{"chosen below rejected under metadata",
			`{"prompt":"p","chosen":"c","rejected":"r","metadata":{"score_chosen":1.5,` +
				`"score_rejected":2}}`, 1, "metadata.score_chosen", "swap chosen and rejected"},
		{"empty chosen", second(rec("chosen", `""`)), 3, "chosen",
			"empty response (no text besides whitespace), which Options.Empty = EmptyReject " +
				"forbids"},
		{"whitespace-only rejected", second(rec("rejected", `" \r\n\t"`)), 3, "rejected",
			"empty response"},
		{"empty chat response", chat(`[{"role":"user","content":"u"},`+
			`{"role":"assistant","content":""}]`, ua), 1, "chosen", "empty response"},
		{"invalid UTF-8 in prompt", second(rec("prompt", "\"ab\xffc\"")), 3, "prompt",
			"expected UTF-8 text, found an invalid byte sequence at byte 3 of the value"},
		{"invalid UTF-8 in rejected", second(rec("rejected", "\"\xc3\"")), 3, "rejected",
			"invalid byte sequence at byte 1"},
		{"unpaired high surrogate", second(rec("chosen", `"x\ud800y"`)), 3, "chosen",
			`unpaired UTF-16 surrogate escape \ud800 at byte 2 of the value`},
		{"lone low surrogate", second(rec("rejected", `"\uDC00"`)), 3, "rejected",
			`unpaired UTF-16 surrogate escape \uDC00 at byte 1`},
		{"high surrogate before a non-surrogate escape", second(rec("prompt",
			`"\ud83d\u0041"`)), 3, "prompt", `surrogate escape \ud83d`},
		{"high surrogate at the end", second(rec("prompt", `"\ud83d"`)), 3, "prompt",
			`surrogate escape \ud83d`},
		{"invalid UTF-8 in chat content", chat(`[{"role":"user","content":"u"},`+
			"{\"role\":\"assistant\",\"content\":\"a\xfe\"}]", ua), 1, "chosen[1].content",
			"invalid byte sequence"},
		{"chat without assistant", chat(`[{"role":"user","content":"u"}]`, ua), 1, "chosen",
			`expected a conversation with a message of role "assistant", found none`},
		{"chat message not an object", chat(ua, `["u","a"]`), 1, "rejected[0]",
			`expected a message object with string fields "role" and "content", got the ` +
				`string "u"`},
		{"chat message without content", chat(`[{"role":"user","content":"u"},`+
			`{"role":"assistant"}]`, ua), 1, "chosen[1].content", "missing: expected a string"},
		{"chat message without role", chat(`[{"content":"u"}]`, ua), 1, "chosen[0].role",
			"missing"},
		{"chat content is a list of parts", chat(`[{"role":"user","content":"u"},`+
			`{"role":"assistant","content":[{"type":"text","text":"a"}]}]`, ua), 1,
			"chosen[1].content", "expected a string, got a list"},
		{"chat without prompt or user turn", chat(`[{"role":"assistant","content":"a"}]`, ua),
			1, "prompt", "a conversation in chosen with a user message before the response"},
		{"chat user turns differ", chat(ua, `[{"role":"user","content":"v"},`+
			`{"role":"assistant","content":"b"}]`), 1, "rejected",
			"the user messages before the response differ from those in chosen"},
		{"string chosen without prompt", `{"chosen":"c","rejected":` + ua +
			`,"score_chosen":3,"score_rejected":1}`, 1, "prompt", "missing"},
		{"prompt conversation without user", `{"prompt":[{"role":"system","content":"s"}],` +
			`"chosen":"c","rejected":"r","score_chosen":3,"score_rejected":1}`, 1, "prompt",
			`expected a conversation with a message of role "user", found none`},
		{"invalid UTF-8 in id", "{\"id\":\"a\xffb\"," + good[1:], 1, "id",
			"invalid byte sequence at byte 2"},
		{"score in both places, bad under metadata", `{"prompt":"p","chosen":"c",` +
			`"rejected":"r","score_chosen":8,"score_rejected":6,` +
			`"metadata":{"score_chosen":false}}`, 1, "metadata.score_chosen",
			"expected a number, got a boolean"},
		{"score is a long string", second(rec("score_chosen",
			`"`+strings.Repeat("high ", 10)+`"`)), 3, "score_chosen",
			"expected a number, got a string"},
		{"prompt conversation with a bad message", `{"prompt":[{"role":1,"content":"u"}],` +
			`"chosen":"c","rejected":"r","score_chosen":3,"score_rejected":1}`, 1,
			"prompt[0].role", "expected a string, got the number 1"},
		{"id is a boolean", `{"id":true,` + good[1:], 1, "id",
			"expected a string or a number, got a boolean"},
		{"id is an empty string", `{"prompt_id":"",` + good[1:], 1, "prompt_id",
			"got an empty string"},
		{"duplicate source_index", `{"source_index":5,` + good[1:] + "\n" + good + "\n" +
			`{"source_index":5,` + good[1:], 3, "source_index",
			`duplicate id "5", first used on line 1`},
		{"explicit id equal to a line-number ID", good + "\n" + `{"id":"0",` + good[1:], 2,
			"id", `duplicate id "0", first used on line 1`},
		{"empty file", "", 0, "", "no preference pairs in the file"},
		{"only blank lines and a byte order mark", "\xef\xbb\xbf\r\n\n  \n", 0, "",
			"no preference pairs in the file"},
	}
	// EmptyReject makes the empty-response rows errors; it changes nothing for the other rows.
	reject := prefdata.Options{Empty: prefdata.EmptyReject}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pairs, err := reject.ParseJSONL(strings.NewReader(tc.input), "data/x.jsonl")
			var pe *prefdata.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got pairs %v and error %v, want a *ParseError", pairs, err)
			}
			if pairs != nil {
				t.Errorf("got %d pairs with the error, want none", len(pairs))
			}
			if pe.File != "data/x.jsonl" || pe.Line != tc.line || pe.Field != tc.field {
				t.Errorf("got file %q line %d field %q, want data/x.jsonl line %d field %q (%v)",
					pe.File, pe.Line, pe.Field, tc.line, tc.field, err)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tc.msg)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	tests := []struct {
		err  prefdata.ParseError
		want string
	}{
		{prefdata.ParseError{File: "a.jsonl", Line: 3, Field: "metadata.score_chosen", Msg: "m"},
			`a.jsonl:3: field "metadata.score_chosen": m`},
		{prefdata.ParseError{File: "a.jsonl", Line: 3, Msg: "m"}, "a.jsonl:3: m"},
		{prefdata.ParseError{File: "a.jsonl", Msg: "m"}, "a.jsonl: m"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestOptionsEmpty(t *testing.T) {
	emptyChosen := `{"id":"e","prompt":"p","chosen":"","rejected":"r","score_chosen":3,` +
		`"score_rejected":1}`
	emptyRejected := `{"id":"f","prompt":"p","chosen":"c","rejected":" ","score_chosen":3,` +
		`"score_rejected":1}`
	input := good + "\n" + emptyChosen + "\n" + emptyRejected + "\n"

	tests := []struct {
		policy  prefdata.EmptyPolicy
		wantIDs []string
		errMsg  string // expected *ParseError message substring, "" for success
	}{
		{prefdata.EmptyKeep, []string{"0", "e", "f"}, ""},
		{prefdata.EmptyReject, nil, "empty response"},
		{prefdata.EmptySkip, []string{"0"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.policy.String(), func(t *testing.T) {
			pairs, err := prefdata.Options{Empty: tc.policy}.ParseJSONL(
				strings.NewReader(input), "x")
			if tc.errMsg != "" {
				var pe *prefdata.ParseError
				if !errors.As(err, &pe) || pe.Line != 2 || pe.Field != "chosen" ||
					!strings.Contains(pe.Msg, tc.errMsg) {
					t.Fatalf("got error %v, want line 2 field chosen %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range pairs {
				ids = append(ids, p.ID)
			}
			if !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("IDs %v, want %v", ids, tc.wantIDs)
			}
		})
	}

	// The zero Options keeps empty responses: it is EmptyKeep.
	if (prefdata.Options{}).Empty != prefdata.EmptyKeep {
		t.Errorf("zero Options.Empty = %v, want keep", prefdata.Options{}.Empty)
	}
	pairs, err := prefdata.ParseJSONL(strings.NewReader(input), "x")
	if err != nil || len(pairs) != 3 || pairs[1].Chosen != "" || pairs[2].Rejected != " " {
		t.Errorf("default options: got %d pairs, error %v; want all 3, texts unchanged",
			len(pairs), err)
	}

	// A skipped line is still validated and its ID still counts.
	skip := prefdata.Options{Empty: prefdata.EmptySkip}
	_, err = skip.ParseJSONL(strings.NewReader(emptyChosen+"\n"+
		strings.Replace(emptyRejected, `"f"`, `"e"`, 1)), "x")
	var pe *prefdata.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Field != "id" {
		t.Errorf("duplicate of a skipped ID: got %v, want line 2 field id", err)
	}
	_, err = skip.ParseJSONL(strings.NewReader(strings.Replace(emptyChosen, `"score_chosen":3`,
		`"score_chosen":"3"`, 1)), "x")
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Field != "score_chosen" {
		t.Errorf("bad score on a skipped line: got %v, want line 1 field score_chosen", err)
	}
	_, err = skip.ParseJSONL(strings.NewReader(emptyChosen+"\n"+emptyRejected), "x")
	want := "x: no preference pairs in the file (2 skipped for an empty response)"
	if !errors.As(err, &pe) || err.Error() != want {
		t.Errorf("all skipped: got %v, want %q", err, want)
	}

	// An out-of-range policy is an error naming the valid ones.
	_, err = prefdata.Options{Empty: 7}.ParseJSONL(strings.NewReader(good), "x")
	if err == nil || !strings.Contains(err.Error(), "unknown empty-response policy 7 "+
		"(valid: keep, reject, skip)") {
		t.Errorf("policy 7: got %v", err)
	}
}

func TestEmptyPolicyNames(t *testing.T) {
	for _, p := range prefdata.EmptyPolicies() {
		got, err := prefdata.ParseEmptyPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseEmptyPolicy(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
	if _, err := prefdata.ParseEmptyPolicy("drop"); err == nil ||
		err.Error() != `prefdata: unknown empty-response policy "drop" `+
			`(valid: keep, reject, skip)` {
		t.Errorf("ParseEmptyPolicy(drop) error = %v", err)
	}
	if s := prefdata.EmptyPolicy(-1).String(); s != "EmptyPolicy(-1)" {
		t.Errorf("String of -1 = %q", s)
	}
}

func TestParseJSONLLongLine(t *testing.T) {
	// 10 MiB of response text on one line, far beyond bufio.Scanner's 64 KiB default, plus a
	// multi-byte rune at the end to check that chunk boundaries do not split it.
	long := strings.Repeat("ab", 5<<20) + "é"
	input := good + "\n" + `{"prompt":"p","chosen":"` + long +
		`","rejected":"r","score_chosen":9,"score_rejected":1}` + "\n" + good
	pairs, err := prefdata.ParseJSONL(strings.NewReader(input), "long.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 3 || pairs[1].Chosen != long || pairs[2].ID != "2" {
		t.Errorf("got %d pairs; chosen length %d, want %d", len(pairs), len(pairs[1].Chosen),
			len(long))
	}
}

func TestParseJSONLReadFailure(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(good+"\n"+good+"\n{\"pro"), iotest.ErrReader(boom))
	_, err := prefdata.ParseJSONL(r, "x.jsonl")
	var pe *prefdata.ParseError
	if !errors.Is(err, boom) || errors.As(err, &pe) ||
		err.Error() != "prefdata: x.jsonl:3: disk on fire" {
		t.Errorf("got %v, want the wrapped read error at line 3", err)
	}
}

func TestReadJSONL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pairs.jsonl")
	if err := os.WriteFile(path, []byte(good+"\n"+`{"prompt":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := prefdata.ReadJSONL(path)
	var pe *prefdata.ParseError
	if !errors.As(err, &pe) || pe.File != path || pe.Line != 2 {
		t.Errorf("got %v, want a *ParseError for %s line 2", err, path)
	}

	_, err = prefdata.ReadJSONL(filepath.Join(dir, "absent.jsonl"))
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &pe) ||
		!strings.Contains(err.Error(), "absent.jsonl") {
		t.Errorf("missing file: got %v, want a wrapped os.ErrNotExist naming the file", err)
	}
}

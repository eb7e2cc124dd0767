package prefdata_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// msg is a chat message as HuggingFaceH4/ultrafeedback_binarized stores it.
type msg struct {
	Content string `parquet:"content"`
	Role    string `parquet:"role"`
}

// h4Row has the columns of HuggingFaceH4/ultrafeedback_binarized.
type h4Row struct {
	Prompt        string  `parquet:"prompt"`
	PromptID      string  `parquet:"prompt_id"`
	Chosen        []msg   `parquet:"chosen,list"`
	Rejected      []msg   `parquet:"rejected,list"`
	Messages      []msg   `parquet:"messages,list"`
	ScoreChosen   float64 `parquet:"score_chosen"`
	ScoreRejected float64 `parquet:"score_rejected"`
}

// trlRow has the columns of trl-lib/ultrafeedback_binarized: no prompt, no ID.
type trlRow struct {
	Chosen        []msg   `parquet:"chosen,list"`
	Rejected      []msg   `parquet:"rejected,list"`
	ScoreChosen   float64 `parquet:"score_chosen"`
	ScoreRejected float64 `parquet:"score_rejected"`
}

// flatRow has plain string responses, integer scores and an integer source_index.
type flatRow struct {
	Prompt        string `parquet:"prompt"`
	Chosen        string `parquet:"chosen"`
	Rejected      string `parquet:"rejected"`
	ScoreChosen   int64  `parquet:"score_chosen"`
	ScoreRejected int32  `parquet:"score_rejected"`
	SourceIndex   int64  `parquet:"source_index"`
}

// nullableRow has every column nullable, as the Arrow writer of the Hugging Face hub makes
// them, with messages whose fields may be null too.
type nullableRow struct {
	ID            *string       `parquet:"id,optional"`
	PromptID      *string       `parquet:"prompt_id,optional"`
	Prompt        *string       `parquet:"prompt,optional"`
	Chosen        []nullableMsg `parquet:"chosen,optional,list"`
	Rejected      []nullableMsg `parquet:"rejected,optional,list"`
	ScoreChosen   *float64      `parquet:"score_chosen,optional"`
	ScoreRejected *float32      `parquet:"score_rejected,optional"`
}

// nullableMsg is a message with nullable fields.
type nullableMsg struct {
	Role    *string `parquet:"role,optional"`
	Content *string `parquet:"content,optional"`
}

func ptr[T any](v T) *T { return &v }

// conv builds a conversation from role, content pairs.
func conv(rc ...string) []msg {
	out := make([]msg, 0, len(rc)/2)
	for i := 0; i+1 < len(rc); i += 2 {
		out = append(out, msg{Role: rc[i], Content: rc[i+1]})
	}
	return out
}

// nconv builds a conversation of nullable messages from role, content pairs.
func nconv(rc ...string) []nullableMsg {
	out := make([]nullableMsg, 0, len(rc)/2)
	for i := 0; i+1 < len(rc); i += 2 {
		out = append(out, nullableMsg{Role: ptr(rc[i]), Content: ptr(rc[i+1])})
	}
	return out
}

// goodNullable is a valid nullableRow with the given ID; the tests change a field of it.
func goodNullable(id string) nullableRow {
	return nullableRow{ID: ptr(id), Prompt: ptr("p"),
		Chosen:      nconv("user", "p", "assistant", "c"),
		Rejected:    nconv("user", "p", "assistant", "r"),
		ScoreChosen: ptr(8.0), ScoreRejected: ptr(float32(6))}
}

// encode returns the bytes of a Parquet file holding rows.
func encode[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, opts...); err != nil {
		t.Fatalf("parquet.Write: %v", err)
	}
	return buf.Bytes()
}

// writeFile writes data to name in a fresh temporary directory and returns the path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadParquetAccepts(t *testing.T) {
	// Every expected score is the value written; margins are not computed here.
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		want []prefdata.Pair
	}{
		{
			// The response is the last assistant message; the prompt is the prompt column;
			// messages is ignored; prompt_id is the ID.
			name: "HuggingFaceH4 schema",
			data: func(t *testing.T) []byte {
				return encode(t, []h4Row{
					{Prompt: "How?", PromptID: "ab12",
						Chosen:      conv("user", "How?", "assistant", "Well."),
						Rejected:    conv("user", "How?", "assistant", "No."),
						Messages:    conv("user", "How?", "assistant", "Well."),
						ScoreChosen: 9, ScoreRejected: 4},
					{Prompt: " Why?\r\n", PromptID: "cd34",
						Chosen:      conv("user", " Why?\r\n", "assistant", "\U0001F600 "),
						Rejected:    conv("user", " Why?\r\n", "assistant", ""),
						ScoreChosen: 7.5, ScoreRejected: 7.5},
				})
			},
			want: []prefdata.Pair{
				{ID: "ab12", Prompt: "How?", Chosen: "Well.", Rejected: "No.",
					ScoreChosen: 9, ScoreRejected: 4},
				{ID: "cd34", Prompt: " Why?\r\n", Chosen: "\U0001F600 ", Rejected: "",
					ScoreChosen: 7.5, ScoreRejected: 7.5},
			},
		},
		{
			// No prompt column: the prompt is the user turns before the last assistant
			// message, joined by "\n\n"; system and earlier assistant turns are dropped;
			// the ID is the 0-based row number.
			name: "trl-lib schema, multi-turn",
			data: func(t *testing.T) []byte {
				return encode(t, []trlRow{
					{Chosen: conv("system", "S", "user", "U1", "assistant", "A1", "user", "U2",
						"assistant", "A2"),
						Rejected: conv("system", "other", "user", "U1", "assistant", "B1",
							"user", "U2", "assistant", "B2"),
						ScoreChosen: 5, ScoreRejected: 1.5},
					{Chosen: conv("user", "Hi", "assistant", "Hello!"),
						Rejected:    conv("user", "Hi", "assistant", "Bye.", "user", "more?"),
						ScoreChosen: 6, ScoreRejected: 2},
				})
			},
			want: []prefdata.Pair{
				{ID: "0", Prompt: "U1\n\nU2", Chosen: "A2", Rejected: "B2", ScoreChosen: 5,
					ScoreRejected: 1.5},
				{ID: "1", Prompt: "Hi", Chosen: "Hello!", Rejected: "Bye.", ScoreChosen: 6,
					ScoreRejected: 2},
			},
		},
		{
			name: "plain strings, integer scores, source_index as ID",
			data: func(t *testing.T) []byte {
				return encode(t, []flatRow{
					{Prompt: "", Chosen: "c", Rejected: "r", ScoreChosen: 8, ScoreRejected: -2,
						SourceIndex: 27808},
				})
			},
			want: []prefdata.Pair{{ID: "27808", Prompt: "", Chosen: "c", Rejected: "r",
				ScoreChosen: 8, ScoreRejected: -2}},
		},
		{
			// Row 0: id wins. Row 1: a null id falls through to prompt_id. Row 2: no ID at
			// all gives the row number; a null prompt falls back to chosen's user turns.
			// Row 3: a FLOAT score of 6.25, exact in binary, reads back as 6.25.
			name: "nullable columns",
			data: func(t *testing.T) []byte {
				r1 := goodNullable("x")
				r1.ID, r1.PromptID = nil, ptr("y")
				r2 := goodNullable("")
				r2.ID, r2.Prompt = nil, nil
				r2.Chosen = nconv("user", "q1", "assistant", "c", "user", "q2", "assistant",
					"c2")
				r2.Rejected = nconv("user", "q1", "assistant", "r1", "user", "q2",
					"assistant", "r2")
				r3 := goodNullable("z")
				r3.ScoreRejected = ptr(float32(6.25))
				return encode(t, []nullableRow{goodNullable("x"), r1, r2, r3})
			},
			want: []prefdata.Pair{
				{ID: "x", Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: 8,
					ScoreRejected: 6},
				{ID: "y", Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: 8,
					ScoreRejected: 6},
				{ID: "2", Prompt: "q1\n\nq2", Chosen: "c2", Rejected: "r2", ScoreChosen: 8,
					ScoreRejected: 6},
				{ID: "z", Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: 8,
					ScoreRejected: 6.25},
			},
		},
		{
			// Five rows in row groups of two: IDs are row numbers across the groups.
			name: "several row groups",
			data: func(t *testing.T) []byte {
				rows := make([]trlRow, 5)
				for i := range rows {
					rows[i] = trlRow{Chosen: conv("user", "u", "assistant", fmt.Sprint(i)),
						Rejected:    conv("user", "u", "assistant", "-"),
						ScoreChosen: float64(i), ScoreRejected: 0}
				}
				return encode(t, rows, parquet.MaxRowsPerRowGroup(2))
			},
			want: func() []prefdata.Pair {
				out := make([]prefdata.Pair, 5)
				for i := range out {
					out[i] = prefdata.Pair{ID: fmt.Sprint(i), Prompt: "u",
						Chosen: fmt.Sprint(i), Rejected: "-", ScoreChosen: float64(i)}
				}
				return out
			}(),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "pairs.parquet", tc.data(t))
			got, err := prefdata.ReadParquet(path)
			if err != nil {
				t.Fatalf("ReadParquet: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadParquetManyRows(t *testing.T) {
	// More rows than one read batch and several row groups, so that batches cross groups.
	const n = 1000
	rows := make([]flatRow, n)
	for i := range rows {
		rows[i] = flatRow{Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: int64(i % 10),
			SourceIndex: int64(3 * i)}
	}
	data := encode(t, rows, parquet.MaxRowsPerRowGroup(300))
	got, err := prefdata.ParseParquet(bytes.NewReader(data), int64(len(data)), "many")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("got %d pairs, want %d", len(got), n)
	}
	for i, p := range got {
		if want := fmt.Sprint(3 * i); p.ID != want || p.ScoreChosen != float64(i%10) {
			t.Fatalf("pair %d: ID %q score %g, want ID %q score %d", i, p.ID, p.ScoreChosen,
				want, i%10)
		}
	}
}

func TestReadParquetErrors(t *testing.T) {
	// withRow2 writes a good row and then the bad one, so errors name row 2.
	withRow2 := func(bad func(*nullableRow)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			r := goodNullable("b")
			bad(&r)
			return encode(t, []nullableRow{goodNullable("a"), r})
		}
	}
	tests := []struct {
		name  string
		data  func(t *testing.T) []byte
		row   int
		field string
		msg   string // a substring of Msg
	}{
		{"not Parquet", func(*testing.T) []byte { return []byte(`{"prompt":"p"}`) }, 0, "",
			"expected a Parquet file"},
		{"truncated", func(t *testing.T) []byte {
			d := encode(t, []flatRow{{Chosen: "c", Rejected: "r"}})
			return d[:len(d)-3]
		}, 0, "", "expected a Parquet file"},
		{"missing column", func(t *testing.T) []byte {
			type row struct {
				Chosen      string  `parquet:"chosen"`
				Rejected    string  `parquet:"rejected"`
				ScoreChosen float64 `parquet:"score_chosen"`
			}
			return encode(t, []row{{"c", "r", 1}})
		}, 0, "score_rejected", "missing column: expected a numeric column"},
		{"score as string", func(t *testing.T) []byte {
			type row struct {
				Chosen        string `parquet:"chosen"`
				Rejected      string `parquet:"rejected"`
				ScoreChosen   string `parquet:"score_chosen"`
				ScoreRejected int64  `parquet:"score_rejected"`
			}
			return encode(t, []row{{"c", "r", "7.5", 1}})
		}, 0, "score_chosen", "expected a numeric column, got a string column"},
		{"score as boolean", func(t *testing.T) []byte {
			type row struct {
				Chosen        string `parquet:"chosen"`
				Rejected      string `parquet:"rejected"`
				ScoreChosen   int64  `parquet:"score_chosen"`
				ScoreRejected bool   `parquet:"score_rejected"`
			}
			return encode(t, []row{{"c", "r", 1, false}})
		}, 0, "score_rejected", "expected a numeric column, got a column of type BOOLEAN"},
		{"chosen as list of strings", func(t *testing.T) []byte {
			type row struct {
				Chosen        []string `parquet:"chosen,list"`
				Rejected      string   `parquet:"rejected"`
				ScoreChosen   int64    `parquet:"score_chosen"`
				ScoreRejected int64    `parquet:"score_rejected"`
			}
			return encode(t, []row{{[]string{"c"}, "r", 1, 0}})
		}, 0, "chosen", "got a list column whose elements are not structs"},
		{"id as list", func(t *testing.T) []byte {
			type row struct {
				ID            []int64 `parquet:"id,list"`
				Chosen        string  `parquet:"chosen"`
				Rejected      string  `parquet:"rejected"`
				ScoreChosen   int64   `parquet:"score_chosen"`
				ScoreRejected int64   `parquet:"score_rejected"`
			}
			return encode(t, []row{{nil, "c", "r", 1, 0}})
		}, 0, "id", "expected a string or numeric column"},
		{"empty file", func(t *testing.T) []byte { return encode(t, []h4Row{}) }, 0, "",
			"no preference pairs in the file (no rows)"},
		{"null score", withRow2(func(r *nullableRow) { r.ScoreRejected = nil }), 2,
			"score_rejected", "expected a number, got null"},
		{"chosen score below rejected", withRow2(func(r *nullableRow) {
			r.ScoreChosen = ptr(5.5)
		}), 2, "score_chosen", "score_chosen 5.5 is below score_rejected 6"},
		{"infinite score", withRow2(func(r *nullableRow) { r.ScoreChosen = ptr(math.Inf(1)) }),
			2, "score_chosen", "expected a finite number, got +Inf"},
		{"duplicate id", withRow2(func(r *nullableRow) { r.ID = ptr("a") }), 2, "id",
			`duplicate id "a", first used on row 1`},
		{"empty string id", withRow2(func(r *nullableRow) { r.ID = ptr("") }), 2, "id",
			"expected a non-empty string or a number, got an empty string"},
		{"invalid UTF-8 in a string column", withRow2(func(r *nullableRow) {
			r.Prompt = ptr("ok\xff")
		}), 2, "prompt", "expected UTF-8 text, found an invalid byte sequence at byte 2"},
		{"invalid UTF-8 in a message", withRow2(func(r *nullableRow) {
			r.Rejected[1].Content = ptr("\xc3")
		}), 2, "rejected[1].content", "expected UTF-8 text"},
		{"null chosen", withRow2(func(r *nullableRow) { r.Chosen = nil }), 2, "chosen",
			"missing: expected a string or a list of chat messages"},
		{"null message field", withRow2(func(r *nullableRow) { r.Chosen[0].Role = nil }), 2,
			"chosen[0].role", "missing: expected a string"},
		{"no assistant message", withRow2(func(r *nullableRow) {
			r.Rejected = nconv("user", "p")
		}), 2, "rejected", `expected a conversation with a message of role "assistant"`},
		{"empty conversation", withRow2(func(r *nullableRow) {
			r.Rejected = []nullableMsg{}
		}), 2, "rejected", `expected a conversation with a message of role "assistant"`},
		{"no prompt and no user turn", withRow2(func(r *nullableRow) {
			r.Prompt = nil
			r.Chosen = nconv("assistant", "c")
		}), 2, "prompt", "missing: expected a string or a list of chat messages"},
		{"user turns differ", withRow2(func(r *nullableRow) {
			r.Prompt = nil
			r.Rejected = nconv("user", "other", "assistant", "r")
		}), 2, "rejected", "the user messages before the response differ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "bad.parquet", tc.data(t))
			pairs, err := prefdata.ReadParquet(path)
			var pe *prefdata.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got pairs %v, error %v; want a *ParseError", pairs, err)
			}
			if pe.File != path || pe.Line != tc.row || pe.Field != tc.field ||
				!strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("got %q at row %d field %q\nwant row %d field %q, message with %q",
					pe.Msg, pe.Line, pe.Field, tc.row, tc.field, tc.msg)
			}
		})
	}
}

func TestParquetOptionsEmpty(t *testing.T) {
	// Row 1 has an empty rejected text, row 2 a whitespace chosen one, row 3 none.
	rows := []h4Row{
		{Prompt: "p", PromptID: "a", Chosen: conv("assistant", "c"),
			Rejected: conv("assistant", ""), ScoreChosen: 2, ScoreRejected: 1},
		{Prompt: "p", PromptID: "b", Chosen: conv("assistant", " \n"),
			Rejected: conv("assistant", "r"), ScoreChosen: 2, ScoreRejected: 1},
		{Prompt: "p", PromptID: "c", Chosen: conv("assistant", "c"),
			Rejected: conv("assistant", "r"), ScoreChosen: 2, ScoreRejected: 1},
	}
	data := encode(t, rows)
	tests := []struct {
		empty   prefdata.EmptyPolicy
		wantIDs []string
		row     int // of the error, 0 for none
		field   string
	}{
		{prefdata.EmptyKeep, []string{"a", "b", "c"}, 0, ""},
		{prefdata.EmptySkip, []string{"c"}, 0, ""},
		{prefdata.EmptyReject, nil, 1, "rejected"},
	}
	for _, tc := range tests {
		t.Run(tc.empty.String(), func(t *testing.T) {
			got, err := prefdata.Options{Empty: tc.empty}.ParseParquet(bytes.NewReader(data),
				int64(len(data)), "e.parquet")
			if tc.row > 0 {
				var pe *prefdata.ParseError
				if !errors.As(err, &pe) || pe.Line != tc.row || pe.Field != tc.field {
					t.Fatalf("got %v, want a *ParseError at row %d field %q", err, tc.row,
						tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			if !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("got IDs %v, want %v", ids, tc.wantIDs)
			}
		})
	}

	// Every row skipped: an error about the whole file that says why.
	all := encode(t, rows[:2])
	_, err := prefdata.Options{Empty: prefdata.EmptySkip}.ParseParquet(bytes.NewReader(all),
		int64(len(all)), "e.parquet")
	var pe *prefdata.ParseError
	if !errors.As(err, &pe) || pe.Line != 0 || !strings.Contains(pe.Msg, "2 skipped") {
		t.Errorf("got %v, want a file error counting 2 skipped pairs", err)
	}

	_, err = prefdata.Options{Empty: 7}.ParseParquet(bytes.NewReader(all), int64(len(all)),
		"e.parquet")
	if err == nil || !strings.Contains(err.Error(), "unknown empty-response policy 7") {
		t.Errorf("got %v, want an unknown-policy error", err)
	}
}

func TestReadFile(t *testing.T) {
	pq := encode(t, []flatRow{{Prompt: "p", Chosen: "c", Rejected: "r", ScoreChosen: 8,
		ScoreRejected: 6, SourceIndex: 4}})
	jl := []byte(good + "\n")
	tests := []struct {
		name    string
		file    string
		data    []byte
		wantID  string // of the only pair; "" when an error is expected
		wantErr string // a substring of the error
	}{
		{"Parquet", "d.parquet", pq, "4", ""},
		{"extension in capitals", "D.PARQUET", pq, "4", ""},
		{"JSON Lines", "d.jsonl", jl, "0", ""},
		{"any other name is JSON Lines", "d.txt", jl, "0", ""},
		{"Parquet bytes named .jsonl", "d.jsonl", pq, "", "invalid JSON"},
		{"JSON Lines named .parquet", "d.parquet", jl, "", "expected a Parquet file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.file, tc.data)
			got, err := prefdata.ReadFile(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != 1 || got[0].ID != tc.wantID {
				t.Fatalf("got %+v, %v; want one pair with ID %q", got, err, tc.wantID)
			}
		})
	}

	for _, name := range []string{"missing.parquet", "missing.jsonl"} {
		_, err := prefdata.ReadFile(filepath.Join(t.TempDir(), name))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: got %v, want a wrapped fs.ErrNotExist", name, err)
		}
	}
}

// FuzzParseParquet checks that ParseParquet never panics, fails only with a *ParseError, and
// that every pair it returns satisfies the documented invariants.
func FuzzParseParquet(f *testing.F) {
	f.Add(encode(f, []h4Row{{Prompt: "How?", PromptID: "ab12",
		Chosen:      conv("user", "How?", "assistant", "Well."),
		Rejected:    conv("user", "How?", "assistant", ""),
		ScoreChosen: 9, ScoreRejected: 4}}))
	f.Add(encode(f, []trlRow{
		{Chosen: conv("system", "S", "user", "U", "assistant", "A"),
			Rejected: conv("user", "U", "assistant", "B"), ScoreChosen: 5, ScoreRejected: 5},
		{Chosen: conv("user", "V", "assistant", "C"), Rejected: conv("user", "V",
			"assistant", "D"), ScoreChosen: 1, ScoreRejected: 2},
	}, parquet.MaxRowsPerRowGroup(1)))
	f.Add(encode(f, []flatRow{{Prompt: "p", Chosen: "c", Rejected: " ", ScoreChosen: 8,
		ScoreRejected: 6, SourceIndex: 1}, {Chosen: "c", Rejected: "r", SourceIndex: 1}}))
	r := goodNullable("")
	r.ID, r.Prompt = nil, nil
	f.Add(encode(f, []nullableRow{goodNullable("x"), r, {}}))
	f.Add(encode(f, []h4Row{}))
	f.Add([]byte("PAR1"))

	f.Fuzz(func(t *testing.T, data []byte) {
		for _, policy := range prefdata.EmptyPolicies() {
			opts := prefdata.Options{Empty: policy}
			pairs, err := opts.ParseParquet(bytes.NewReader(data), int64(len(data)), "fuzz")
			if err != nil {
				var pe *prefdata.ParseError
				if !errors.As(err, &pe) || pe.File != "fuzz" || pe.Line < 0 {
					t.Fatalf("%s: error %v is not a *ParseError for file fuzz", policy, err)
				}
				continue
			}
			checkInvariants(t, policy, pairs)
		}
	})
}

func ExampleParseParquet() {
	// A file in the shape of HuggingFaceH4/ultrafeedback_binarized, written in memory.
	type message struct {
		Content string `parquet:"content"`
		Role    string `parquet:"role"`
	}
	type row struct {
		Prompt        string    `parquet:"prompt"`
		PromptID      string    `parquet:"prompt_id"`
		Chosen        []message `parquet:"chosen,list"`
		Rejected      []message `parquet:"rejected,list"`
		ScoreChosen   float64   `parquet:"score_chosen"`
		ScoreRejected float64   `parquet:"score_rejected"`
	}
	rows := []row{{Prompt: "Name a colour.", PromptID: "c0l",
		Chosen:      []message{{"Name a colour.", "user"}, {"Blue.", "assistant"}},
		Rejected:    []message{{"Name a colour.", "user"}, {"Nine.", "assistant"}},
		ScoreChosen: 8.5, ScoreRejected: 2}}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		fmt.Println(err)
		return
	}

	pairs, err := prefdata.ParseParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()),
		"example.parquet")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pairs {
		fmt.Printf("%s: %q > %q for %q, margin %g\n", p.ID, p.Chosen, p.Rejected, p.Prompt,
			p.Margin())
	}
	// Output:
	// c0l: "Blue." > "Nine." for "Name a colour.", margin 6.5
}

func ExampleReadFile() {
	dir, err := os.MkdirTemp("", "prefdata")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	type row struct {
		ID            string `parquet:"id"`
		Prompt        string `parquet:"prompt"`
		Chosen        string `parquet:"chosen"`
		Rejected      string `parquet:"rejected"`
		ScoreChosen   int32  `parquet:"score_chosen"`
		ScoreRejected int32  `parquet:"score_rejected"`
	}
	pq := filepath.Join(dir, "pairs.parquet")
	if err := parquet.WriteFile(pq, []row{{"a", "p", "c", "r", 7, 3}}); err != nil {
		fmt.Println(err)
		return
	}
	jl := filepath.Join(dir, "pairs.jsonl")
	record := `{"id":"b","prompt":"p","chosen":"c","rejected":"r",` +
		`"score_chosen":5,"score_rejected":4.5}` + "\n"
	if err := os.WriteFile(jl, []byte(record), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	// The extension picks the reader.
	for _, path := range []string{pq, jl} {
		pairs, err := prefdata.ReadFile(path)
		fmt.Println(filepath.Base(path), len(pairs), pairs[0].ID, pairs[0].Margin(), err)
	}
	// Output:
	// pairs.parquet 1 a 4 <nil>
	// pairs.jsonl 1 b 0.5 <nil>
}

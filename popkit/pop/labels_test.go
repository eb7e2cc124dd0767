package pop_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// labelIDs are the ids of three preferences, used by most label tests.
var labelIDs = []string{"p0", "p1", "p2"}

func TestParseLabelsAccepts(t *testing.T) {
	tests := []struct {
		name  string
		input string
		ids   []string
		want  []pop.Comparison
	}{
		// Each line is "stronger,weaker": p1 > p0 is {1, 0}, p2 > p1 is {2, 1}.
		{"plain", "stronger,weaker\np1,p0\np2,p1\n", labelIDs,
			[]pop.Comparison{{Stronger: 1, Weaker: 0}, {Stronger: 2, Weaker: 1}}},
		{"no final newline", "stronger,weaker\np1,p0", labelIDs,
			[]pop.Comparison{{Stronger: 1, Weaker: 0}}},
		{"CRLF", "stronger,weaker\r\np1,p0\r\np0,p2\r\n", labelIDs,
			[]pop.Comparison{{Stronger: 1, Weaker: 0}, {Stronger: 0, Weaker: 2}}},
		{"byte order mark", "\xef\xbb\xbfstronger,weaker\np1,p0\n", labelIDs,
			[]pop.Comparison{{Stronger: 1, Weaker: 0}}},
		{"byte order mark and CRLF", "\xef\xbb\xbfstronger,weaker\r\np2,p0\r\n", labelIDs,
			[]pop.Comparison{{Stronger: 2, Weaker: 0}}},
		// Empty lines and lines of spaces and tabs are skipped, before the header too.
		{"blank lines", "\n  \nstronger,weaker\n\np1,p0\n \t\n\np2,p0\n\n", labelIDs,
			[]pop.Comparison{{Stronger: 1, Weaker: 0}, {Stronger: 2, Weaker: 0}}},
		// Repeated and reversed labels are kept, in file order.
		{"repeats", "stronger,weaker\np1,p0\np1,p0\np0,p1\n", labelIDs,
			[]pop.Comparison{{1, 0, false}, {1, 0, false}, {0, 1, false}}},
		// The four accepted tie cells: 0 and false are ordinary labels, 1 and true ties.
		{"tie column", "stronger,weaker,tie\np1,p0,0\np2,p1,1\np0,p2,false\np1,p2,true\n",
			labelIDs, []pop.Comparison{{1, 0, false}, {2, 1, true}, {0, 2, false},
				{1, 2, true}}},
		// RFC 4180 quoting: "a,""b""" is the id a,"b".
		{"quoted ids", "stronger,weaker\n\"a,\"\"b\"\"\",c\nc,\"a,\"\"b\"\"\"\n",
			[]string{"c", `a,"b"`}, []pop.Comparison{{1, 0, false}, {0, 1, false}}},
		// A quoted cell may hold a line break.
		{"multi-line id", "stronger,weaker\n\"x\ny\",z\n", []string{"z", "x\ny"},
			[]pop.Comparison{{1, 0, false}}},
		// Ids are verbatim: " p1" is its own id, distinct from "p1".
		{"spaces are part of ids", "stronger,weaker\n p1,p1\n", []string{"p1", " p1"},
			[]pop.Comparison{{1, 0, false}}},
		{"unicode ids", "stronger,weaker\nпара-1,ペア2\n", []string{"ペア2", "пара-1"},
			[]pop.Comparison{{1, 0, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pop.ParseLabels(strings.NewReader(tc.input), "labels.csv", tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseLabelsErrors(t *testing.T) {
	// Every message is checked whole, as the documentation promises file, line, field and
	// what was expected. The header is line 1 unless blank lines come before it.
	const (
		header   = "stronger,weaker\n"
		expected = `; expected "stronger,weaker", or "stronger,weaker,tie" with a tie column`
		known    = `; expected one of the 3 preference ids, such as "p0"`
		quoting  = `; expected cells separated by commas, quoted as in RFC 4180 ("a,""b""")`
	)
	tests := []struct {
		name  string
		input string
		line  int
		field string
		want  string // the whole Error()
	}{
		{"empty file", "", 0, "", `labels.csv: empty file; expected the header ` +
			`"stronger,weaker" and one label per line`},
		{"only blank lines", "\n \r\n\t\n", 0, "", `labels.csv: empty file; expected the ` +
			`header "stronger,weaker" and one label per line`},
		{"only a byte order mark", "\xef\xbb\xbf", 0, "", `labels.csv: empty file; ` +
			`expected the header "stronger,weaker" and one label per line`},
		{"header but no labels", header + "\n\n", 0, "", `labels.csv: no labels after the ` +
			`header; expected one line per label, such as "p17,p3" for "preference p17 is ` +
			`the stronger preference"`},
		{"tie header but no labels", "stronger,weaker,tie\r\n", 0, "",
			`labels.csv: no labels after the header; expected one line per label, such as ` +
				`"p17,p3" for "preference p17 is the stronger preference"`},
		{"wrong header", "strong,weak\np1,p0\n", 1, "",
			`labels.csv:1: the header is "strong,weak"` + expected},
		{"header with a space", "stronger, weaker\np1,p0\n", 1, "",
			`labels.csv:1: the header is "stronger, weaker"` + expected},
		{"header in the wrong order", "weaker,stronger\np1,p0\n", 1, "",
			`labels.csv:1: the header is "weaker,stronger"` + expected},
		{"header in capitals", "Stronger,Weaker\np1,p0\n", 1, "",
			`labels.csv:1: the header is "Stronger,Weaker"` + expected},
		{"header of one column", "stronger\np1\n", 1, "",
			`labels.csv:1: the header is "stronger"` + expected},
		{"no header", "p1,p0\n", 1, "", `labels.csv:1: the header is "p1,p0"` + expected},
		// Two blank lines before the header put it on line 3.
		{"header after blank lines", "\n\nstronger,weaker,ties\n", 3, "",
			`labels.csv:3: the header is "stronger,weaker,ties"` + expected},
		{"three cells", header + "p1,p0\np1,p0,p2\n", 3, "",
			`labels.csv:3: 3 cells; expected 2, as in the header "stronger,weaker"`},
		{"one cell", header + "p1\n", 2, "",
			`labels.csv:2: 1 cells; expected 2, as in the header "stronger,weaker"`},
		{"tie cell missing", "stronger,weaker,tie\np1,p0\n", 2, "",
			`labels.csv:2: 2 cells; expected 3, as in the header "stronger,weaker,tie"`},
		{"empty stronger", header + ",p0\n", 2, "stronger",
			`labels.csv:2: field "stronger": empty cell; expected a preference id`},
		{"empty weaker", header + "p1,p0\r\np1,\r\n", 3, "weaker",
			`labels.csv:3: field "weaker": empty cell; expected a preference id`},
		{"empty quoted cell", header + `"",p0` + "\n", 2, "stronger",
			`labels.csv:2: field "stronger": empty cell; expected a preference id`},
		{"unknown stronger", header + "p9,p0\n", 2, "stronger",
			`labels.csv:2: field "stronger": unknown preference id "p9"` + known},
		// Blank lines count: the bad label is on line 4.
		{"unknown weaker after a blank line", header + "p1,p0\n\np1,P2\n", 4, "weaker",
			`labels.csv:4: field "weaker": unknown preference id "P2"` + known},
		{"unknown id with spaces around a known one", "\xef\xbb\xbf" + header + "p1, p0\n", 2,
			"weaker", `labels.csv:2: field "weaker": unknown preference id " p0"` + known +
				"; the cell has spaces around an id, and ids are taken verbatim"},
		{"self-comparison", header + "p1,p0\np2,p2\n", 3, "weaker",
			`labels.csv:3: field "weaker": "p2" is both the stronger and the weaker ` +
				`preference; expected two different preferences`},
		{"self-comparison in a tie", "stronger,weaker,tie\np0,p0,1\n", 2, "weaker",
			`labels.csv:2: field "weaker": "p0" is both the stronger and the weaker ` +
				`preference; expected two different preferences`},
		{"bad tie cell", "stronger,weaker,tie\np1,p0,yes\n", 2, "tie",
			`labels.csv:2: field "tie": got "yes"; expected 0, 1, false or true`},
		{"tie cell in capitals", "stronger,weaker,tie\np1,p0,TRUE\n", 2, "tie",
			`labels.csv:2: field "tie": got "TRUE"; expected 0, 1, false or true`},
		{"empty tie cell", "stronger,weaker,tie\np1,p0,0\np1,p0,\n", 3, "tie",
			`labels.csv:3: field "tie": empty cell; expected 0, 1, false or true`},
		{"invalid UTF-8", header + "p1,p\xff\n", 2, "weaker",
			`labels.csv:2: field "weaker": the cell "p\xff" is not valid UTF-8; expected a ` +
				`preference id`},
		// encoding/csv's column is 1-based, in bytes: the quote is the 2nd byte of `p"1`.
		{"bare quote", header + "p\"1,p0\n", 2, "",
			`labels.csv:2: invalid CSV at column 2: bare " in non-quoted-field` + quoting},
		// The quote opened on line 2 is never closed: encoding/csv reports the end of the
		// last line, line 3, after its 6 bytes "p2,p0\n".
		{"unterminated quote", header + "\"p1,p0\np2,p0\n", 3, "",
			`labels.csv:3: invalid CSV at column 7: extraneous or missing " in ` +
				`quoted-field` + quoting},
		// A byte order mark is accepted only at the start of the file.
		{"byte order mark later", header + "\xef\xbb\xbfp1,p0\n", 2, "stronger",
			`labels.csv:2: field "stronger": unknown preference id "\ufeffp1"` + known},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pop.ParseLabels(strings.NewReader(tc.input), "labels.csv", labelIDs)
			var pe *prefdata.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *prefdata.ParseError", err)
			}
			if pe.File != "labels.csv" || pe.Line != tc.line || pe.Field != tc.field {
				t.Errorf("file, line, field = %q, %d, %q; want labels.csv, %d, %q", pe.File,
					pe.Line, pe.Field, tc.line, tc.field)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n %s\nwant\n %s", err, tc.want)
			}
		})
	}
}

func TestParseLabelsBadIDs(t *testing.T) {
	const input = "stronger,weaker\np1,p0\n"
	tests := []struct {
		name string
		ids  []string
		want string
	}{
		{"nil", nil, "pop: ParseLabels: no preference ids given (ParseLabelsCollectIDs " +
			"takes them from the label file)"},
		{"empty list", []string{}, "pop: ParseLabels: no preference ids given"},
		{"empty id", []string{"p0", ""}, "pop: ParseLabels: ids[1] is empty"},
		{"repeated id", []string{"p0", "p1", "p0"}, `pop: ParseLabels: ids[2] = "p0" ` +
			`repeats ids[0]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pop.ParseLabels(strings.NewReader(input), "labels.csv", tc.ids)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want one starting with %q", err, tc.want)
			}
		})
	}
}

func TestParseLabelsReadFailure(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("stronger,weaker\np1,p0\n"), iotest.ErrReader(boom))
	_, err := pop.ParseLabels(r, "labels.csv", labelIDs)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "labels.csv") {
		t.Errorf("error %v; want one wrapping %v and naming labels.csv", err, boom)
	}
}

func TestReadLabels(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(path, []byte("stronger,weaker\np2,p1\np2,p2\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The error names the path given, and line 3 holds the self-comparison p2,p2.
	_, err := pop.ReadLabels(path, labelIDs)
	if want := path + `:3: field "weaker": "p2" is both`; err == nil ||
		!strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want one starting with %q", err, want)
	}
	_, _, err = pop.ReadLabelsCollectIDs(path)
	if want := path + `:3: field "weaker"`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("collecting ids: error %v, want one starting with %q", err, want)
	}

	missing := filepath.Join(dir, "missing.csv")
	if _, err := pop.ReadLabels(missing, labelIDs); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v, want fs.ErrNotExist", err)
	}
	if _, _, err := pop.ReadLabelsCollectIDs(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file, collecting ids: error %v, want fs.ErrNotExist", err)
	}
}

func TestParseLabelsCollectIDs(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantIDs []string
		want    []pop.Comparison
	}{
		// First appearances: b (line 2, stronger), a (line 2, weaker), c (line 3, stronger).
		{"order of first appearance", "stronger,weaker\nb,a\nc,b\na,c\n",
			[]string{"b", "a", "c"}, []pop.Comparison{{0, 1, false}, {2, 0, false},
				{1, 2, false}}},
		{"ties", "stronger,weaker,tie\nx,y,1\ny,z,0\n", []string{"x", "y", "z"},
			[]pop.Comparison{{0, 1, true}, {1, 2, false}}},
		{"one label", "\xef\xbb\xbfstronger,weaker\r\n7,3\r\n", []string{"7", "3"},
			[]pop.Comparison{{0, 1, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			comps, ids, err := pop.ParseLabelsCollectIDs(strings.NewReader(tc.input), "l.csv")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, tc.wantIDs) || !slices.Equal(comps, tc.want) {
				t.Errorf("got ids %q, comparisons %v; want %q, %v", ids, comps, tc.wantIDs,
					tc.want)
			}
		})
	}
}

func TestParseLabelsCollectIDsErrors(t *testing.T) {
	// The checks of ParseLabels apply, except the one for unknown ids.
	tests := []struct {
		name, input, want string
	}{
		{"empty file", "", "l.csv: empty file"},
		{"no labels", "stronger,weaker\n", "l.csv: no labels after the header"},
		{"wrong header", "a,b\n", `l.csv:1: the header is "a,b"`},
		{"self-comparison", "stronger,weaker\nx,y\ny,y\n", `l.csv:3: field "weaker": "y" is ` +
			"both the stronger and the weaker preference"},
		{"empty cell", "stronger,weaker\n,y\n", `l.csv:2: field "stronger": empty cell`},
		{"columns", "stronger,weaker\nx\n", "l.csv:2: 1 cells; expected 2"},
		{"tie", "stronger,weaker,tie\nx,y,2\n", `l.csv:2: field "tie": got "2"`},
		{"UTF-8", "stronger,weaker\n\xc3,y\n", `l.csv:2: field "stronger": the cell "\xc3" ` +
			"is not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := pop.ParseLabelsCollectIDs(strings.NewReader(tc.input), "l.csv")
			var pe *prefdata.ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want a *prefdata.ParseError starting with %q", err, tc.want)
			}
		})
	}
}

func TestWriteLabels(t *testing.T) {
	tests := []struct {
		name  string
		comps []pop.Comparison
		ids   []string
		want  string
	}{
		{"no ties", []pop.Comparison{{1, 0, false}, {2, 1, false}}, labelIDs,
			"stronger,weaker\np1,p0\np2,p1\n"},
		// One tie puts a tie cell on every line.
		{"ties", []pop.Comparison{{1, 0, false}, {2, 1, true}}, labelIDs,
			"stronger,weaker,tie\np1,p0,0\np2,p1,1\n"},
		// encoding/csv quotes a cell with a comma, a quote, a line break or a leading space.
		{"quoting", []pop.Comparison{{0, 1, false}, {2, 3, false}},
			[]string{`a,"b"`, " c", "d\ne", "f"},
			"stronger,weaker\n\"a,\"\"b\"\"\",\" c\"\n\"d\ne\",f\n"},
		{"no comparisons", nil, labelIDs, "stronger,weaker\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := pop.WriteLabels(&buf, tc.comps, tc.ids); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("wrote %q, want %q", buf.String(), tc.want)
			}
		})
	}
}

func TestWriteLabelsErrors(t *testing.T) {
	ok := []pop.Comparison{{1, 0, false}}
	tests := []struct {
		name  string
		comps []pop.Comparison
		ids   []string
		want  string
	}{
		{"index too large", []pop.Comparison{{1, 0, false}, {0, 3, false}}, labelIDs,
			"pop: WriteLabels: comparison 1 (0>3) has an index outside [0, 3)"},
		{"negative index", []pop.Comparison{{-1, 0, true}}, labelIDs,
			"pop: WriteLabels: comparison 0 (-1=0) has an index outside [0, 3)"},
		{"no ids", ok, nil, "pop: WriteLabels: comparison 0 (1>0) has an index outside [0, 0)"},
		{"self-comparison", []pop.Comparison{{2, 2, false}}, labelIDs,
			"pop: WriteLabels: comparison 0 (2>2) compares preference 2 with itself"},
		{"empty id", ok, []string{"p0", ""}, "pop: WriteLabels: ids[1] is empty"},
		{"repeated id", ok, []string{"p0", "p0"}, `pop: WriteLabels: ids[1] = "p0" repeats ` +
			"ids[0]"},
		{"invalid UTF-8", ok, []string{"p0", "\xff"}, `pop: WriteLabels: ids[1] = "\xff" is ` +
			"not valid UTF-8"},
		{"CRLF in an id", ok, []string{"p0", "a\r\nb"}, `pop: WriteLabels: ids[1] = ` +
			`"a\r\nb" holds a CRLF line break`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := pop.WriteLabels(&buf, tc.comps, tc.ids)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q before failing", buf.String())
			}
		})
	}

	boom := errors.New("disk full")
	err := pop.WriteLabels(failingWriter{boom}, ok, labelIDs)
	if !errors.Is(err, boom) {
		t.Errorf("failing writer: error %v, want one wrapping %v", err, boom)
	}
}

// failingWriter fails every write with err.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestLabelsRoundTrip(t *testing.T) {
	// Simulated labels with ties (equal margins) and ids that need quoting survive a write
	// and a read, both with the ids and with ids collected from the file.
	rng := rand.New(rand.NewPCG(5, 6))
	margins := make([]float64, 200)
	for i := range margins {
		margins[i] = float64(rng.IntN(5)) // few distinct values: many ties
	}
	comps, err := pop.SimulateRandom(margins, pop.SimConfig{K: 3, Noise: pop.FlipNoise(0.2)},
		rng)
	if err != nil {
		t.Fatal(err)
	}
	odd := []string{`a,"b`, " lead", "trail ", "line\nbreak", "ψ", `"`, "a\rb", "#c"}
	ids := make([]string, len(margins))
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%d", odd[i%len(odd)], i)
	}
	ties := 0
	for _, c := range comps {
		if c.Tie {
			ties++
		}
	}
	if ties == 0 {
		t.Fatal("the simulation produced no tie; the round trip would not cover them")
	}

	var buf bytes.Buffer
	if err := pop.WriteLabels(&buf, comps, ids); err != nil {
		t.Fatal(err)
	}
	got, err := pop.ParseLabels(bytes.NewReader(buf.Bytes()), "round.csv", ids)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, comps) {
		t.Errorf("read back %d comparisons, differing from the %d written", len(got),
			len(comps))
	}

	collected, gotIDs, err := pop.ParseLabelsCollectIDs(bytes.NewReader(buf.Bytes()), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range collected {
		w := comps[k]
		if gotIDs[c.Stronger] != ids[w.Stronger] || gotIDs[c.Weaker] != ids[w.Weaker] ||
			c.Tie != w.Tie {
			t.Fatalf("comparison %d: collected %v between %q and %q, want %v", k, c,
				gotIDs[c.Stronger], gotIDs[c.Weaker], w)
		}
	}
}

// FuzzParseLabels checks that the label readers never panic, fail only with a
// *prefdata.ParseError, and return valid comparisons that write and read back unchanged.
func FuzzParseLabels(f *testing.F) {
	seeds := []string{
		"stronger,weaker\np1,p0\np2,p1\n",
		"\xef\xbb\xbfstronger,weaker\r\np1,p0\r\n\r\n",
		"stronger,weaker,tie\np1,p0,1\np0,p2,false\n",
		"stronger,weaker\n\"p,1\",p0\n",
		"stronger,weaker\np1,p1\n",
		"stronger,weaker\np\"1,p0\n",
		"stronger,weaker\n\"a\r\nb\",c\n",
		"stronger,weaker\n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	ids := []string{"p0", "p1", "p2", "p,1", "a\nb", "c"}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(mode string, comps []pop.Comparison, ids []string, err error) {
			t.Helper()
			if err != nil {
				var pe *prefdata.ParseError
				if !errors.As(err, &pe) || pe.File != "fuzz" || pe.Line < 0 {
					t.Fatalf("%s: error %v is not a *ParseError for file fuzz", mode, err)
				}
				return
			}
			if len(comps) == 0 {
				t.Fatalf("%s: no comparisons and no error", mode)
			}
			for k, c := range comps {
				if c.Stronger < 0 || c.Stronger >= len(ids) || c.Weaker < 0 ||
					c.Weaker >= len(ids) || c.Stronger == c.Weaker {
					t.Fatalf("%s: comparison %d = %v is invalid for %d ids", mode, k, c,
						len(ids))
				}
			}
			var buf bytes.Buffer
			if err := pop.WriteLabels(&buf, comps, ids); err != nil {
				t.Fatalf("%s: writing back: %v", mode, err)
			}
			again, err := pop.ParseLabels(&buf, "again", ids)
			if err != nil || !slices.Equal(again, comps) {
				t.Fatalf("%s: read back %v, %v; want %v", mode, again, err, comps)
			}
		}

		comps, err := pop.ParseLabels(bytes.NewReader(data), "fuzz", ids)
		check("with ids", comps, ids, err)

		comps, got, err := pop.ParseLabelsCollectIDs(bytes.NewReader(data), "fuzz")
		if err == nil && !slices.Equal(pop.Touched(len(got), comps),
			slices.Repeat([]bool{true}, len(got))) {
			t.Fatalf("collected ids %q include one that no comparison touches", got)
		}
		check("collected ids", comps, got, err)
	})
}

func ExampleParseLabels() {
	// Ids of the preference data, such as prefdata.Pair.ID of each pair read from a file.
	ids := []string{"uf-001", "uf-002", "uf-003"}
	labels := "stronger,weaker\n" +
		"uf-003,uf-001\n" + // preference uf-003 is stronger than uf-001
		"uf-002,uf-001\n"
	comps, err := pop.ParseLabels(strings.NewReader(labels), "labels.csv", ids)
	fmt.Println(comps, err)

	// A label naming a preference that is not in the data.
	_, err = pop.ParseLabels(strings.NewReader(labels+"uf-003,uf-004\n"), "labels.csv", ids)
	var pe *prefdata.ParseError
	if errors.As(err, &pe) {
		fmt.Printf("%s, line %d, field %q:\n%s\n", pe.File, pe.Line, pe.Field, pe.Msg)
	}
	// Output:
	// [2>0 1>0] <nil>
	// labels.csv, line 4, field "weaker":
	// unknown preference id "uf-004"; expected one of the 3 preference ids, such as "uf-001"
}

func ExampleParseLabelsCollectIDs() {
	// With a tie column; the ids are numbered as they first appear.
	labels := "stronger,weaker,tie\n" +
		"b,a,0\n" +
		"c,b,1\n"
	comps, ids, err := pop.ParseLabelsCollectIDs(strings.NewReader(labels), "labels.csv")
	fmt.Println(ids, comps, err)
	// Output:
	// [b a c] [0>1 2=0] <nil>
}

func ExampleWriteLabels() {
	comps := []pop.Comparison{{Stronger: 2, Weaker: 0}, {Stronger: 1, Weaker: 2, Tie: true}}
	if err := pop.WriteLabels(os.Stdout, comps, []string{"a", "b", "c,d"}); err != nil {
		panic(err)
	}
	// Output:
	// stronger,weaker,tie
	// "c,d",a,0
	// b,"c,d",1
}

func ExampleReadLabels() {
	dir, err := os.MkdirTemp("", "labels")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "labels.csv")
	// Written by a spreadsheet: a byte order mark and CRLF line endings.
	err = os.WriteFile(path, []byte("\xef\xbb\xbfstronger,weaker\r\n1,0\r\n1,2\r\n"), 0o644)
	if err != nil {
		panic(err)
	}

	comps, err := pop.ReadLabels(path, []string{"0", "1", "2"})
	fmt.Println(comps, err)
	// Output:
	// [1>0 1>2] <nil>
}

func ExampleReadLabelsCollectIDs() {
	dir, err := os.MkdirTemp("", "labels")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(path, []byte("stronger,weaker\nq7,q2\nq2,q9\n"), 0o644); err != nil {
		panic(err)
	}

	comps, ids, err := pop.ReadLabelsCollectIDs(path)
	fmt.Println(ids, comps, err)
	// Output:
	// [q7 q2 q9] [0>1 1>2] <nil>
}

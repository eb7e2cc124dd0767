package pop

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// Label files: the CSV columns, and the two headers a file may start with.
const (
	labelStronger = "stronger"
	labelWeaker   = "weaker"
	labelTie      = "tie"
)

var (
	// labelHeader is the header of a file without a tie column.
	labelHeader = []string{labelStronger, labelWeaker}
	// labelHeaderTie is the header of a file with a tie column.
	labelHeaderTie = []string{labelStronger, labelWeaker, labelTie}
	// labelTieValues maps the accepted cells of the tie column to their value.
	labelTieValues = map[string]bool{"0": false, "1": true, "false": false, "true": true}
)

// ReadLabels reads PoP labels from the CSV file at path, as [ParseLabels] does with path as
// the file name in errors. A file that cannot be opened gives the *os.PathError, wrapped.
func ReadLabels(path string, ids []string) ([]Comparison, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pop: %w", err)
	}
	defer f.Close()
	return ParseLabels(f, path, ids)
}

// ParseLabels parses PoP labels, such as human or LLM-judge annotations, from the CSV text of
// r; name is the file name used in errors. ids, shaped [n], holds the id of each preference
// (for data read with prefdata, the pairs' [prefdata.Pair.ID] in order), and each label
// becomes a [Comparison] between the indices in [0, n) of its two ids, in file order.
//
// The file starts with a header, exactly one of
//
//	stronger,weaker
//	stronger,weaker,tie
//
// and has one label per line after it: the id of the preference that expresses the stronger
// preference, then the id of the weaker one. With the tie column, the third cell is 0 or false
// for an ordinary label and 1 or true for a tie (the two preferences were judged equally
// strong: half a win each way, see [Comparison]). For example,
//
//	stronger,weaker
//	p17,p3
//	p3,p8
//
// Cells are ids taken verbatim (no spaces are trimmed) and follow RFC 4180 quoting, so the
// cell "a,""b""" is the id a,"b" (a comma and quotes). The same two preferences may be compared
// any number of times, in either order (repeated annotations). A UTF-8 byte order mark at the
// start of the file, CRLF line endings and blank lines (empty or only spaces and tabs) are
// accepted; line numbers in errors count every line, the header's included (line 1 in a file
// that starts with it).
//
// ids must hold at least one id, and no id may be empty or repeated; otherwise ParseLabels
// returns an error before reading. Use [ParseLabelsCollectIDs] to take the ids from the file
// instead.
//
// A file that cannot be used stops the parse with a *[prefdata.ParseError] naming the file,
// the 1-based line, the field ("stronger", "weaker" or "tie") and what was expected: an empty
// cell, a cell that is not valid UTF-8, an unknown id (one not in ids), a self-comparison (the
// same id twice, reported on field "weaker"), a tie cell other than 0, 1, false or true, a
// line whose number of cells differs from the header's, a wrong header, invalid CSV quoting,
// an empty file, and a file with a header but no labels (the last two with Line 0). A failure
// of r itself is returned wrapped, with the name.
//
// This file format, the tie column included, is our own: the paper publishes none.
func ParseLabels(r io.Reader, name string, ids []string) ([]Comparison, error) {
	if len(ids) == 0 {
		return nil, errors.New("pop: ParseLabels: no preference ids given " +
			"(ParseLabelsCollectIDs takes them from the label file)")
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		if id == "" {
			return nil, fmt.Errorf("pop: ParseLabels: ids[%d] is empty", i)
		}
		if j, dup := index[id]; dup {
			return nil, fmt.Errorf("pop: ParseLabels: ids[%d] = %q repeats ids[%d]", i, id, j)
		}
		index[id] = i
	}

	p := labelParser{name: name, resolve: func(id string) (int, string) {
		if i, ok := index[id]; ok {
			return i, ""
		}
		msg := fmt.Sprintf("unknown preference id %q; expected one of the %d preference "+
			"ids, such as %q", id, len(ids), ids[0])
		if trimmed := strings.TrimSpace(id); trimmed != id {
			if _, ok := index[trimmed]; ok {
				msg += "; the cell has spaces around an id, and ids are taken verbatim"
			}
		}
		return -1, msg
	}}
	return p.parse(r)
}

// ReadLabelsCollectIDs reads PoP labels from the CSV file at path, as [ParseLabelsCollectIDs]
// does with path as the file name in errors. A file that cannot be opened gives the
// *os.PathError, wrapped.
func ReadLabelsCollectIDs(path string) ([]Comparison, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("pop: %w", err)
	}
	defer f.Close()
	return ParseLabelsCollectIDs(f, path)
}

// ParseLabelsCollectIDs parses PoP labels as [ParseLabels] does, but without a list of ids:
// the preferences are the distinct ids that appear in the file, numbered in order of first
// appearance (reading each line's stronger cell before its weaker one). It returns the
// comparisons and ids, where ids[i] is the id of preference i; every preference is touched by
// some comparison. For example, the labels "b,a" then "c,b" give ids [b a c] and comparisons
// [0>1 2>0].
//
// The errors are those of ParseLabels, except that no id is unknown.
func ParseLabelsCollectIDs(r io.Reader, name string) ([]Comparison, []string, error) {
	var ids []string
	index := map[string]int{}
	p := labelParser{name: name, resolve: func(id string) (int, string) {
		i, ok := index[id]
		if !ok {
			i = len(ids)
			index[id] = i
			ids = append(ids, id)
		}
		return i, ""
	}}
	comps, err := p.parse(r)
	if err != nil {
		return nil, nil, err
	}
	return comps, ids, nil
}

// labelParser holds the state of one parse of a label file.
type labelParser struct {
	name string
	// resolve returns the index of an id, or -1 and what was expected.
	resolve func(id string) (int, string)
}

// errf returns a *prefdata.ParseError for the given line and field.
func (p *labelParser) errf(line int, field, format string, args ...any) error {
	return &prefdata.ParseError{File: p.name, Line: line, Field: field,
		Msg: fmt.Sprintf(format, args...)}
}

// utf8BOM is the byte order mark some editors write at the start of UTF-8 files.
var utf8BOM = []byte("\xef\xbb\xbf")

// parse reads the header and the labels.
func (p *labelParser) parse(r io.Reader) ([]Comparison, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(head, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // the count is checked here, with a message that says more

	var (
		header []string
		comps  []Comparison
	)
	for {
		record, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return nil, p.errf(perr.Line, "", "invalid CSV at column %d: %v; expected "+
					"cells separated by commas, quoted as in RFC 4180 (\"a,\"\"b\"\"\")",
					perr.Column, perr.Err)
			}
			return nil, fmt.Errorf("pop: reading %s: %w", p.name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(record) == 1 && strings.Trim(record[0], " \t") == "" {
			continue // a line of spaces and tabs
		}

		if header == nil {
			if !slices.Equal(record, labelHeader) && !slices.Equal(record, labelHeaderTie) {
				return nil, p.errf(line, "", "the header is %q; expected %q, or %q with a "+
					"tie column", strings.Join(record, ","), strings.Join(labelHeader, ","),
					strings.Join(labelHeaderTie, ","))
			}
			header = record
			continue
		}

		if len(record) != len(header) {
			return nil, p.errf(line, "", "%d cells; expected %d, as in the header %q",
				len(record), len(header), strings.Join(header, ","))
		}
		c, err := p.label(record, line)
		if err != nil {
			return nil, err
		}
		comps = append(comps, c)
	}

	switch {
	case header == nil:
		return nil, p.errf(0, "", "empty file; expected the header %q and one label per line",
			strings.Join(labelHeader, ","))
	case len(comps) == 0:
		return nil, p.errf(0, "", "no labels after the header; expected one line per label, "+
			"such as \"p17,p3\" for \"preference p17 is the stronger preference\"")
	}
	return comps, nil
}

// label turns the cells of one label line into a comparison.
func (p *labelParser) label(record []string, line int) (Comparison, error) {
	var idx [2]int
	for k, field := range labelHeader {
		cell := record[k]
		switch {
		case cell == "":
			return Comparison{}, p.errf(line, field, "empty cell; expected a preference id")
		case !utf8.ValidString(cell):
			return Comparison{}, p.errf(line, field, "the cell %q is not valid UTF-8; "+
				"expected a preference id", cell)
		case strings.Contains(cell, "\r\n"):
			// A CSV writer cannot keep "\r\n" inside a cell (readers turn it into "\n"), so
			// such an id could not be written back; WriteLabels refuses it too.
			return Comparison{}, p.errf(line, field, "the cell %q holds a CRLF line break; "+
				"expected a preference id", cell)
		}
		i, msg := p.resolve(cell)
		if i < 0 {
			return Comparison{}, p.errf(line, field, "%s", msg)
		}
		idx[k] = i
	}
	if idx[0] == idx[1] {
		return Comparison{}, p.errf(line, labelWeaker, "%q is both the stronger and the weaker "+
			"preference; expected two different preferences", record[1])
	}

	c := Comparison{Stronger: idx[0], Weaker: idx[1]}
	if len(record) == len(labelHeaderTie) {
		tie, ok := labelTieValues[record[2]]
		if record[2] == "" {
			return Comparison{}, p.errf(line, labelTie, "empty cell; expected 0, 1, false or "+
				"true")
		}
		if !ok {
			return Comparison{}, p.errf(line, labelTie, "got %q; expected 0, 1, false or true",
				record[2])
		}
		c.Tie = tie
	}
	return c, nil
}

// WriteLabels writes comps as a label file that [ParseLabels] reads back to the same
// comparisons, given the same ids: ids[i] is the id of preference i. The header is
// "stronger,weaker", or "stronger,weaker,tie" when some comparison is a tie, in which case
// every line gets a tie cell of 0 or 1. Ids are quoted where CSV needs it; lines end in "\n".
//
// It returns an error, before writing anything, for an index outside [0, len(ids)), a
// self-comparison, or an id that could not be read back: an empty or repeated id, one that is
// not valid UTF-8, or one holding the line break "\r\n" (CSV readers turn it into "\n").
// Otherwise it returns the error of w, if any.
func WriteLabels(w io.Writer, comps []Comparison, ids []string) error {
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		switch {
		case id == "":
			return fmt.Errorf("pop: WriteLabels: ids[%d] is empty", i)
		case !utf8.ValidString(id):
			return fmt.Errorf("pop: WriteLabels: ids[%d] = %q is not valid UTF-8", i, id)
		case strings.Contains(id, "\r\n"):
			return fmt.Errorf("pop: WriteLabels: ids[%d] = %q holds a CRLF line break", i, id)
		}
		if j, dup := index[id]; dup {
			return fmt.Errorf("pop: WriteLabels: ids[%d] = %q repeats ids[%d]", i, id, j)
		}
		index[id] = i
	}
	ties := false
	for k, c := range comps {
		if c.Stronger < 0 || c.Stronger >= len(ids) || c.Weaker < 0 || c.Weaker >= len(ids) {
			return fmt.Errorf("pop: WriteLabels: comparison %d (%v) has an index outside "+
				"[0, %d)", k, c, len(ids))
		}
		if c.Stronger == c.Weaker {
			return fmt.Errorf("pop: WriteLabels: comparison %d (%v) compares preference %d "+
				"with itself", k, c, c.Stronger)
		}
		ties = ties || c.Tie
	}

	cw := csv.NewWriter(w)
	header := labelHeader
	if ties {
		header = labelHeaderTie
	}
	cw.Write(header)
	for _, c := range comps {
		record := []string{ids[c.Stronger], ids[c.Weaker]}
		if ties {
			tie := "0"
			if c.Tie {
				tie = "1"
			}
			record = append(record, tie)
		}
		cw.Write(record) // a failure of w is kept and reported by cw.Error
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("pop: WriteLabels: %w", err)
	}
	return nil
}

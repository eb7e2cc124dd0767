package prefdata

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ReadParquet reads the preference pairs of a Parquet file with the default [Options].
// See [Options.ParseParquet] for the accepted columns and the errors.
func ReadParquet(path string) ([]Pair, error) {
	return Options{}.ReadParquet(path)
}

// ParseParquet parses preference pairs from the Parquet file of size bytes in r with the
// default [Options]; name is the file name used in errors.
func ParseParquet(r io.ReaderAt, size int64, name string) ([]Pair, error) {
	return Options{}.ParseParquet(r, size, name)
}

// ReadParquet opens path and parses it as [Options.ParseParquet] does, with path as the name.
// A file that cannot be opened gives the *os.PathError, wrapped.
func (o Options) ReadParquet(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("prefdata: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("prefdata: %w", err)
	}
	return o.ParseParquet(f, info.Size(), path)
}

// ParseParquet parses one preference pair per row of the Parquet file of size bytes in r, in
// file order, reading one row group at a time and a few rows at a time within it, so memory
// grows with the pairs returned and the Parquet pages in flight, not with the file.
//
// Columns are matched by their top-level names, as the fields of a JSON Lines record are (see
// the package documentation), and follow the same rules with null in place of an absent field:
//
//   - chosen, rejected (required columns): a string column, or a list of structs with string
//     fields role and content (other struct fields are ignored), a conversation; the response
//     and the prompt are taken from conversations exactly as in the JSON Lines chat form;
//   - prompt (optional column): a string column or a list of messages;
//   - score_chosen, score_rejected (required columns): numeric columns (DOUBLE, FLOAT or
//     integers; the types may differ between the two);
//   - id, prompt_id, source_index (optional columns): string or numeric columns; the first one
//     that is present and not null in a row gives the ID, a string verbatim, an integer in
//     decimal and a float as strconv.FormatFloat(v, 'g', -1, bits) writes it; a row with none
//     gets its 0-based row number.
//
// Other columns (messages, for example) are ignored, and the scores are looked for at the top
// level only: a metadata column is not read. This reads the Parquet files of the Hugging Face
// datasets HuggingFaceH4/ultrafeedback_binarized and trl-lib/ultrafeedback_binarized as they
// are.
//
// A row that cannot be used stops the parse with a [*ParseError] whose Line is the 1-based row
// number, counted across row groups, and whose Field names the column, such as "score_chosen"
// or "chosen[2].content" (0-based message index). The checks are those of the JSON Lines
// reader: a null where a value is required, a non-finite score or score gap, a chosen score
// below the rejected one, text that is not valid UTF-8, an empty string ID, a duplicate ID,
// and an empty response according to [Options.Empty]. Problems with the whole file are a
// *ParseError with Line 0: data that is not a readable Parquet file, a missing required column
// or a column of the wrong type (Field names it: a score stored as strings is an error), and a
// file without pairs (no rows, or every row skipped), a footer whose lists or strings claim
// more than it holds, and a file whose page headers claim
// sizes it cannot hold or more decoded bytes than [Options.ParquetExpansion] allows (checked
// before any page is decoded, so a small corrupt file cannot take gigabytes of memory). A
// Parquet page that cannot be decoded is
// a *ParseError on the first row of the batch being read. An Options value with an unknown
// Empty policy is an error.
func (o Options) ParseParquet(r io.ReaderAt, size int64, name string) ([]Pair, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	p := &parser{name: name, opts: o, seen: map[string]int{}, unit: "row"}

	var f *parquet.File
	err := safely(func() (err error) {
		if err := checkParquetFooter(r, size); err != nil {
			return err
		}
		f, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true),
			parquet.SkipBloomFilters(true))
		return err
	})
	if err != nil {
		return nil, &ParseError{File: name, Msg: "expected a Parquet file: " + err.Error()}
	}
	// parquet-go v0.32.1 allocates what the footer and page headers claim before reading
	// what they describe: the footer was checked above (checkParquetFooter), and the page
	// headers are checked against the file here.
	expansion := o.ParquetExpansion
	if expansion == 0 {
		expansion = DefaultParquetExpansion
	}
	var serr error
	if err := safely(func() error {
		serr = p.checkParquetSizes(f, r, size, expansion)
		return nil
	}); err != nil {
		return nil, &ParseError{File: name, Msg: "expected a Parquet file: " + err.Error()}
	}
	if serr != nil {
		return nil, serr
	}
	lay, err := p.layout(f.Root())
	if err != nil {
		return nil, err
	}

	var (
		pairs   []Pair
		skipped int
		rowNo   int
		buf     = make([]parquet.Row, parquetBatch)
		cols    = make([][]parquet.Value, len(f.Schema().Columns()))
	)
	for _, rg := range f.RowGroups() {
		var rows parquet.Rows
		if err := safely(func() error { rows = rg.Rows(); return nil }); err != nil {
			return nil, p.errf(rowNo+1, "", "cannot decode the Parquet data: %v", err)
		}
		for {
			var n int
			rerr := safely(func() (err error) {
				n, err = rows.ReadRows(buf)
				return err
			})
			if rerr != nil && rerr != io.EOF {
				rows.Close()
				return nil, p.errf(rowNo+1, "", "cannot decode the Parquet data: %v", rerr)
			}
			for _, row := range buf[:n] {
				rowNo++
				clear(cols)
				row.Range(func(i int, vs []parquet.Value) bool {
					if i < len(cols) {
						cols[i] = vs
					}
					return true
				})
				pair, keep, perr := p.parseRow(lay, cols, rowNo)
				if perr != nil {
					rows.Close()
					return nil, perr
				}
				if keep {
					pairs = append(pairs, pair)
				} else {
					skipped++
				}
			}
			if rerr == io.EOF || n == 0 {
				break
			}
		}
		if err := safely(rows.Close); err != nil {
			return nil, p.errf(rowNo, "", "cannot decode the Parquet data: %v", err)
		}
	}

	if len(pairs) == 0 {
		msg := "no preference pairs in the file"
		switch {
		case skipped > 0:
			msg += fmt.Sprintf(" (%d skipped for an empty response)", skipped)
		case rowNo == 0:
			msg += " (no rows)"
		}
		return nil, &ParseError{File: name, Msg: msg}
	}
	return pairs, nil
}

// safely returns the error of f, a call into the Parquet library, or the panic it raised as
// an error: the library panics on some corrupt files.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the Parquet decoder failed: %v", r)
		}
	}()
	return f()
}

// parquetBatch is the number of rows read from a row group at a time.
const parquetBatch = 64

// pqKind is the kind of value a top-level column holds.
type pqKind int

const (
	pqString   pqKind = iota // BYTE_ARRAY, plain or STRING
	pqSigned                 // INT32 or INT64, signed
	pqUnsigned               // INT32 or INT64 annotated as unsigned integers
	pqFloat                  // FLOAT
	pqDouble                 // DOUBLE
	pqChat                   // list of structs with string fields role and content
)

// pqColumn is a top-level column the reader uses, with what it needs to decode its values.
type pqColumn struct {
	name string
	kind pqKind
	leaf *parquet.Column // the column itself for scalars; the content leaf for pqChat

	// For pqChat: the list column, its repeated child, the element and the role leaf.
	list, repeated, elem, role *parquet.Column
}

// pqLayout is where a file keeps the fields of a pair; prompt and ids may be absent (nil).
type pqLayout struct {
	prompt, chosen, rejected, scoreChosen, scoreRejected *pqColumn
	ids                                                  []*pqColumn
}

// layout finds and checks the columns the reader uses under the schema root.
func (p *parser) layout(root *parquet.Column) (*pqLayout, error) {
	var lay pqLayout
	text := []pqKind{pqString, pqChat}
	number := []pqKind{pqSigned, pqUnsigned, pqFloat, pqDouble}
	idKinds := append([]pqKind{pqString}, number...)
	for _, c := range [...]struct {
		dst      **pqColumn
		name     string
		required bool
		kinds    []pqKind
		want     string
	}{
		{&lay.chosen, "chosen", true, text, "a string column or a list of chat messages"},
		{&lay.rejected, "rejected", true, text, "a string column or a list of chat messages"},
		{&lay.prompt, "prompt", false, text, "a string column or a list of chat messages"},
		{&lay.scoreChosen, "score_chosen", true, number, "a numeric column"},
		{&lay.scoreRejected, "score_rejected", true, number, "a numeric column"},
	} {
		col, err := p.column(root, c.name, c.required, c.kinds, c.want)
		if err != nil {
			return nil, err
		}
		*c.dst = col
	}
	for _, name := range idFields {
		col, err := p.column(root, name, false, idKinds, "a string or numeric column")
		if err != nil {
			return nil, err
		}
		if col != nil {
			lay.ids = append(lay.ids, col)
		}
	}
	return &lay, nil
}

// column returns the top-level column name, nil if it is absent and not required, checking
// that it holds one of kinds; want describes those kinds for errors.
func (p *parser) column(root *parquet.Column, name string, required bool, kinds []pqKind,
	want string) (*pqColumn, error) {

	c := root.Column(name)
	if c == nil {
		if !required {
			return nil, nil
		}
		return nil, p.errf(0, name, "missing column: expected %s", want)
	}
	col, got := classify(c)
	if col != nil {
		for _, k := range kinds {
			if col.kind == k {
				return col, nil
			}
		}
	}
	return nil, p.errf(0, name, "expected %s, got %s", want, got)
}

// classify returns the decoding of the top-level column c, or nil and a description of the
// column for errors.
func classify(c *parquet.Column) (*pqColumn, string) {
	if c.Repeated() {
		return nil, "a repeated column"
	}
	if c.Leaf() {
		k, ok := leafKind(c)
		if !ok {
			return nil, "a column of type " + c.Type().String()
		}
		return &pqColumn{name: c.Name(), kind: k, leaf: c}, describeKind(k)
	}
	lt := c.Type().LogicalType()
	if lt == nil || lt.Value == nil {
		return nil, "a struct column"
	}
	if _, ok := lt.Value.(*format.ListType); !ok {
		return nil, "a group column of type " + lt.String()
	}
	const notChat = "a list column whose elements are not structs with string fields role " +
		"and content"
	kids := c.Columns()
	if len(kids) != 1 || !kids[0].Repeated() || kids[0].Leaf() {
		return nil, notChat
	}
	rep := kids[0]
	// The standard layout nests the element in the repeated group; an older one makes the
	// repeated group the element.
	elem := rep
	if gk := rep.Columns(); len(gk) == 1 && !gk[0].Leaf() {
		elem = gk[0]
	}
	role, content := elem.Column("role"), elem.Column("content")
	for _, leaf := range [...]*parquet.Column{elem, role, content} {
		if leaf == nil || (leaf != elem && leaf.Repeated()) {
			return nil, notChat
		}
	}
	if elem != rep && elem.Repeated() {
		return nil, notChat
	}
	for _, leaf := range [...]*parquet.Column{role, content} {
		if k, ok := leafKind(leaf); !ok || k != pqString {
			return nil, notChat
		}
	}
	return &pqColumn{name: c.Name(), kind: pqChat, leaf: content, list: c, repeated: rep,
		elem: elem, role: role}, "a list of chat messages"
}

// leafKind returns the kind of values of the leaf column c, if the reader can use them.
func leafKind(c *parquet.Column) (pqKind, bool) {
	if !c.Leaf() {
		return 0, false
	}
	var lv format.LogicalTypeValue
	if lt := c.Type().LogicalType(); lt != nil {
		lv = lt.Value
	}
	switch lv.(type) {
	case nil, *format.StringType, *format.IntType:
	default:
		// Only these are read; the types of some others (LIST on a leaf, in a corrupt
		// schema) panic on Kind.
		return 0, false
	}
	switch c.Type().Kind() {
	case parquet.ByteArray:
		switch lv.(type) {
		case nil, *format.StringType:
			return pqString, true
		}
	case parquet.Int32, parquet.Int64:
		switch lt := lv.(type) {
		case nil:
			return pqSigned, true
		case *format.IntType:
			if lt.IsSigned {
				return pqSigned, true
			}
			return pqUnsigned, true
		}
	case parquet.Float:
		if lv == nil {
			return pqFloat, true
		}
	case parquet.Double:
		if lv == nil {
			return pqDouble, true
		}
	}
	return 0, false
}

// describeKind names a kind of column for error messages.
func describeKind(k pqKind) string {
	switch k {
	case pqString:
		return "a string column"
	case pqChat:
		return "a list of chat messages"
	default:
		return "a numeric column"
	}
}

// errCorrupt is the message for values whose levels do not match the schema.
const errCorrupt = "the values do not match the column's schema: expected a valid Parquet file"

// parseRow decodes the row rowNo, whose values are cols[leaf column index]. keep is false when
// the pair is skipped.
func (p *parser) parseRow(lay *pqLayout, cols [][]parquet.Value, rowNo int) (Pair, bool,
	error) {

	id, idField, err := p.pqID(lay, cols, rowNo)
	if err != nil {
		return Pair{}, false, err
	}
	chosen, err := p.pqResponse(lay.chosen, cols, rowNo)
	if err != nil {
		return Pair{}, false, err
	}
	rejected, err := p.pqResponse(lay.rejected, cols, rowNo)
	if err != nil {
		return Pair{}, false, err
	}
	prompt, err := p.pqPrompt(lay.prompt, chosen, rejected, cols, rowNo)
	if err != nil {
		return Pair{}, false, err
	}
	sc, err := p.pqScore(lay.scoreChosen, cols, rowNo)
	if err != nil {
		return Pair{}, false, err
	}
	sr, err := p.pqScore(lay.scoreRejected, cols, rowNo)
	if err != nil {
		return Pair{}, false, err
	}
	return p.pair(rowNo, id, idField, prompt, chosen.text, rejected.text, sc, sr,
		"score_chosen")
}

// scalar returns the value of the scalar column c in the row; ok is false for a null.
func (p *parser) scalar(c *pqColumn, cols [][]parquet.Value, rowNo int) (parquet.Value, bool,
	error) {

	vs := cols[c.leaf.Index()]
	if len(vs) != 1 {
		return parquet.Value{}, false, p.errf(rowNo, c.name, "%s", errCorrupt)
	}
	v := vs[0]
	if v.DefinitionLevel() < c.leaf.MaxDefinitionLevel() || v.IsNull() {
		return v, false, nil
	}
	return v, true, nil
}

// pqText decodes a string value of field, checking that it is UTF-8.
func (p *parser) pqText(v parquet.Value, field string, rowNo int) (string, error) {
	if v.Kind() != parquet.ByteArray {
		return "", p.errf(rowNo, field, "%s", errCorrupt)
	}
	b := v.ByteArray()
	if err := p.checkUTF8(b, field, rowNo); err != nil {
		return "", err
	}
	return string(b), nil
}

// pqID returns the row's ID and the column it came from ("" for the row-number fallback).
func (p *parser) pqID(lay *pqLayout, cols [][]parquet.Value, rowNo int) (string, string,
	error) {

	for _, c := range lay.ids {
		v, ok, err := p.scalar(c, cols, rowNo)
		if err != nil {
			return "", "", err
		}
		if !ok {
			continue
		}
		switch c.kind {
		case pqString:
			s, err := p.pqText(v, c.name, rowNo)
			if err != nil {
				return "", "", err
			}
			if s == "" {
				return "", "", p.errf(rowNo, c.name, "expected a non-empty string or a "+
					"number, got an empty string")
			}
			return s, c.name, nil
		default:
			f, text, err := p.pqNumber(c, v, rowNo)
			if err != nil {
				return "", "", err
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return "", "", p.errf(rowNo, c.name, "expected a finite number, got %g", f)
			}
			return text, c.name, nil
		}
	}
	return strconv.Itoa(rowNo - 1), "", nil
}

// pqNumber returns the value v of the numeric column c as a float and as decimal text: an
// integer in full, a float as strconv.FormatFloat(v, 'g', -1, bits) writes it.
func (p *parser) pqNumber(c *pqColumn, v parquet.Value, rowNo int) (float64, string, error) {
	unsigned := c.kind == pqUnsigned
	switch v.Kind() {
	case parquet.Int32:
		if unsigned {
			u := uint32(v.Int32())
			return float64(u), strconv.FormatUint(uint64(u), 10), nil
		}
		return float64(v.Int32()), strconv.FormatInt(int64(v.Int32()), 10), nil
	case parquet.Int64:
		if unsigned {
			u := uint64(v.Int64())
			return float64(u), strconv.FormatUint(u, 10), nil
		}
		return float64(v.Int64()), strconv.FormatInt(v.Int64(), 10), nil
	case parquet.Float:
		return float64(v.Float()), strconv.FormatFloat(float64(v.Float()), 'g', -1, 32), nil
	case parquet.Double:
		return v.Double(), strconv.FormatFloat(v.Double(), 'g', -1, 64), nil
	}
	return 0, "", p.errf(rowNo, c.name, "%s", errCorrupt)
}

// pqScore returns the finite score in column c.
func (p *parser) pqScore(c *pqColumn, cols [][]parquet.Value, rowNo int) (float64, error) {
	v, ok, err := p.scalar(c, cols, rowNo)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, p.errf(rowNo, c.name, "expected a number, got null")
	}
	f, _, err := p.pqNumber(c, v, rowNo)
	if err != nil {
		return 0, err
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, p.errf(rowNo, c.name, "expected a finite number, got %g", f)
	}
	return f, nil
}

// pqResponse decodes the chosen or rejected column, a string or a conversation.
func (p *parser) pqResponse(c *pqColumn, cols [][]parquet.Value, rowNo int) (response,
	error) {

	if c.kind == pqString {
		v, ok, err := p.scalar(c, cols, rowNo)
		if err != nil {
			return response{}, err
		}
		if !ok {
			return response{}, p.errf(rowNo, c.name,
				"missing: expected a string or a list of chat messages, got null")
		}
		s, err := p.pqText(v, c.name, rowNo)
		return response{text: s}, err
	}
	msgs, ok, err := p.pqMessages(c, cols, rowNo)
	if err != nil {
		return response{}, err
	}
	if !ok {
		return response{}, p.errf(rowNo, c.name,
			"missing: expected a string or a list of chat messages, got null")
	}
	return p.chatResponse(msgs, c.name, rowNo)
}

// pqPrompt returns the prompt: the prompt column if present and not null, else the user turns
// of chosen.
func (p *parser) pqPrompt(c *pqColumn, chosen, rejected response, cols [][]parquet.Value,
	rowNo int) (string, error) {

	switch {
	case c == nil:
	case c.kind == pqString:
		v, ok, err := p.scalar(c, cols, rowNo)
		if err != nil {
			return "", err
		}
		if ok {
			return p.pqText(v, c.name, rowNo)
		}
	default:
		msgs, ok, err := p.pqMessages(c, cols, rowNo)
		if err != nil {
			return "", err
		}
		if ok {
			return p.chatPrompt(msgs, rowNo)
		}
	}
	return p.promptFromResponses(chosen, rejected, rowNo)
}

// pqMessages decodes the conversation in the list column c; ok is false for a null list.
//
// The values of a leaf under the list carry definition levels d that say how far down the
// path the row is defined: below the list's level the list is null, below the repeated
// group's level it is empty, below the element's it holds a null element, and below the
// leaf's own the element's field is null. Each value at or above the repeated group's level is
// one element.
func (p *parser) pqMessages(c *pqColumn, cols [][]parquet.Value, rowNo int) ([]message, bool,
	error) {

	roles, contents := cols[c.role.Index()], cols[c.leaf.Index()]
	if len(roles) == 0 || len(roles) != len(contents) {
		return nil, false, p.errf(rowNo, c.name, "%s", errCorrupt)
	}
	if d := roles[0].DefinitionLevel(); d < c.repeated.MaxDefinitionLevel() {
		if len(roles) != 1 || contents[0].DefinitionLevel() != d {
			return nil, false, p.errf(rowNo, c.name, "%s", errCorrupt)
		}
		if d < c.list.MaxDefinitionLevel() {
			return nil, false, nil
		}
		return []message{}, true, nil
	}

	msgs := make([]message, len(roles))
	for i := range msgs {
		at := fmt.Sprintf("%s[%d]", c.name, i)
		for _, f := range [...]struct {
			leaf *parquet.Column
			v    parquet.Value
			dst  *string
			name string
		}{{c.role, roles[i], &msgs[i].role, "role"}, {c.leaf, contents[i], &msgs[i].content,
			"content"}} {
			switch d := f.v.DefinitionLevel(); {
			case d < c.repeated.MaxDefinitionLevel():
				return nil, false, p.errf(rowNo, c.name, "%s", errCorrupt)
			case d < c.elem.MaxDefinitionLevel():
				return nil, false, p.errf(rowNo, at, "expected a message object with string "+
					"fields \"role\" and \"content\", got null")
			case d < f.leaf.MaxDefinitionLevel() || f.v.IsNull():
				return nil, false, p.errf(rowNo, at+"."+f.name, "missing: expected a string, "+
					"got null")
			}
			s, err := p.pqText(f.v, at+"."+f.name, rowNo)
			if err != nil {
				return nil, false, err
			}
			*f.dst = s
		}
	}
	return msgs, true, nil
}

package prefdata

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EmptyPolicy says what the readers do with a pair whose chosen or rejected text is empty or
// only whitespace.
type EmptyPolicy int

const (
	// EmptyKeep keeps the pair unchanged (the default). An empty response is a legitimate,
	// if bad, response: a model scores it by its end-of-sequence token alone.
	EmptyKeep EmptyPolicy = iota
	// EmptyReject makes an empty response a *ParseError.
	EmptyReject
	// EmptySkip drops the pair. The rest of its line is still validated, and its ID still
	// counts when looking for duplicates.
	EmptySkip
)

// emptyPolicyNames are the names of the policies, indexed by EmptyPolicy.
var emptyPolicyNames = [...]string{EmptyKeep: "keep", EmptyReject: "reject", EmptySkip: "skip"}

// EmptyPolicies lists every policy in a stable order.
func EmptyPolicies() []EmptyPolicy {
	all := make([]EmptyPolicy, len(emptyPolicyNames))
	for i := range all {
		all[i] = EmptyPolicy(i)
	}
	return all
}

// String returns the policy's name ("keep", "reject", "skip").
func (e EmptyPolicy) String() string {
	if e < 0 || int(e) >= len(emptyPolicyNames) {
		return fmt.Sprintf("EmptyPolicy(%d)", int(e))
	}
	return emptyPolicyNames[e]
}

// ParseEmptyPolicy returns the policy with the given name.
func ParseEmptyPolicy(name string) (EmptyPolicy, error) {
	for i, n := range emptyPolicyNames {
		if n == name {
			return EmptyPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("prefdata: unknown empty-response policy %q (valid: %s)", name,
		strings.Join(emptyPolicyNames[:], ", "))
}

// Options configures the readers. The zero value means the documented defaults.
type Options struct {
	// Empty is what to do with an empty (or whitespace-only) chosen or rejected text.
	// Default EmptyKeep.
	Empty EmptyPolicy
	// ParquetExpansion bounds how much a Parquet file may claim to decode to, as a multiple of
	// its size (with 16 MiB allowed to any file): its page headers are checked against it
	// before any page is read (see [Options.ParseParquet]). Default DefaultParquetExpansion;
	// it must not be negative. JSON Lines files are not affected.
	ParquetExpansion int
}

// ReadJSONL reads the preference pairs of a JSON Lines file with the default [Options].
// See the package documentation for the accepted formats and [Options.ParseJSONL] for errors.
func ReadJSONL(path string) ([]Pair, error) {
	return Options{}.ReadJSONL(path)
}

// ParseJSONL parses preference pairs from r with the default [Options]; name is the file name
// used in errors.
func ParseJSONL(r io.Reader, name string) ([]Pair, error) {
	return Options{}.ParseJSONL(r, name)
}

// ReadJSONL opens path and parses it as [Options.ParseJSONL] does, with path as the name.
// A file that cannot be opened gives the *os.PathError, wrapped.
func (o Options) ReadJSONL(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("prefdata: %w", err)
	}
	defer f.Close()
	return o.ParseJSONL(f, path)
}

// ParseJSONL parses one preference pair per non-blank line of r, in file order. A record that
// cannot be used stops the parse with a [*ParseError] (see the package documentation for the
// checks); a file without pairs is a *ParseError with Line 0; a failure of r itself is returned
// wrapped, with the name and line. An Options value with an unknown Empty policy is an error.
func (o Options) ParseJSONL(r io.Reader, name string) ([]Pair, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	p := parser{name: name, opts: o, seen: map[string]int{}, unit: "line"}
	br := bufio.NewReaderSize(r, 64<<10)

	var (
		pairs   []Pair
		buf     []byte
		skipped int
	)
	for lineNo := 1; ; lineNo++ {
		var err error
		buf, err = readLine(br, buf[:0])
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("prefdata: %s:%d: %w", name, lineNo, err)
		}
		line := buf
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))

		if len(bytes.TrimSpace(line)) > 0 {
			pair, keep, perr := p.parseLine(line, lineNo)
			if perr != nil {
				return nil, perr
			}
			if keep {
				pairs = append(pairs, pair)
			} else {
				skipped++
			}
		}
		if err == io.EOF {
			break
		}
	}

	if len(pairs) == 0 {
		msg := "no preference pairs in the file"
		if skipped > 0 {
			msg += fmt.Sprintf(" (%d skipped for an empty response)", skipped)
		}
		return nil, &ParseError{File: name, Msg: msg}
	}
	return pairs, nil
}

// check returns an error if o has an unknown Empty policy.
func (o Options) check() error {
	if o.Empty < 0 || int(o.Empty) >= len(emptyPolicyNames) {
		return fmt.Errorf("prefdata: unknown empty-response policy %d (valid: %s)",
			int(o.Empty), strings.Join(emptyPolicyNames[:], ", "))
	}
	if o.ParquetExpansion < 0 {
		return fmt.Errorf("prefdata: ParquetExpansion must be >= 0 (0: %d), got %d",
			DefaultParquetExpansion, o.ParquetExpansion)
	}
	return nil
}

// utf8BOM is the byte order mark some editors write at the start of UTF-8 files.
var utf8BOM = []byte("\xef\xbb\xbf")

// readLine appends the next line of br, newline included, to buf. Unlike bufio.Scanner it has
// no length limit. The error is io.EOF after the last line.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}

// idFields are the fields an ID is taken from, in order of preference.
var idFields = [...]string{"id", "prompt_id", "source_index"}

// parser holds the state of one ParseJSONL or ParseParquet call.
type parser struct {
	name string
	opts Options
	seen map[string]int // ID -> line (or row) where it was first seen
	unit string         // what a line number counts in messages: "line" or "row"
}

// errf returns a *ParseError for the given line and field.
func (p *parser) errf(line int, field, format string, args ...any) error {
	return &ParseError{File: p.name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// response is a chosen or rejected field once decoded.
type response struct {
	text      string
	chat      bool     // the field was a conversation
	userTurns []string // chat only: user contents before the response
}

// parseLine decodes one non-blank line. keep is false when the pair is skipped.
func (p *parser) parseLine(line []byte, lineNo int) (pair Pair, keep bool, err error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return pair, false, p.errf(lineNo, "", "invalid JSON near byte %d of the line: %v",
				syn.Offset, syn)
		}
		return pair, false, p.errf(lineNo, "", "expected a JSON object, got %s",
			describe(bytes.TrimSpace(line)))
	}
	if obj == nil {
		return pair, false, p.errf(lineNo, "", "expected a JSON object, got null")
	}

	id, idField, err := p.id(obj, lineNo)
	if err != nil {
		return pair, false, err
	}
	chosen, err := p.response(obj, "chosen", lineNo)
	if err != nil {
		return pair, false, err
	}
	rejected, err := p.response(obj, "rejected", lineNo)
	if err != nil {
		return pair, false, err
	}
	prompt, err := p.prompt(obj, chosen, rejected, lineNo)
	if err != nil {
		return pair, false, err
	}
	sc, fc, err := p.score(obj, "score_chosen", lineNo)
	if err != nil {
		return pair, false, err
	}
	sr, _, err := p.score(obj, "score_rejected", lineNo)
	if err != nil {
		return pair, false, err
	}
	return p.pair(lineNo, id, idField, prompt, chosen.text, rejected.text, sc, sr, fc)
}

// pair checks the decoded fields of the record on lineNo and builds its Pair: the scores must
// be in order with a finite gap, the ID new, and an empty response is handled by Options.Empty.
// fc is the field score_chosen came from. keep is false when the pair is skipped.
func (p *parser) pair(lineNo int, id, idField, prompt, chosen, rejected string,
	sc, sr float64, fc string) (pair Pair, keep bool, err error) {

	if math.IsInf(sc-sr, 0) {
		return pair, false, p.errf(lineNo, fc, "the margin score_chosen - score_rejected = "+
			"%g - (%g) is not finite: expected scores on a rating scale", sc, sr)
	}
	if sc < sr {
		return pair, false, p.errf(lineNo, fc,
			"score_chosen %g is below score_rejected %g: expected chosen >= rejected "+
				"(if the labels are reversed, swap chosen and rejected with their scores)", sc, sr)
	}

	if first, dup := p.seen[id]; dup {
		return pair, false, p.errf(lineNo, idField, "duplicate id %q, first used on %s %d",
			id, p.unit, first)
	}
	p.seen[id] = lineNo

	pair = Pair{ID: id, Prompt: prompt, Chosen: chosen, Rejected: rejected,
		ScoreChosen: sc, ScoreRejected: sr}
	for _, r := range [...]struct {
		field, text string
	}{{"chosen", chosen}, {"rejected", rejected}} {
		if strings.TrimSpace(r.text) != "" {
			continue
		}
		switch p.opts.Empty {
		case EmptySkip:
			return pair, false, nil
		case EmptyReject:
			return pair, false, p.errf(lineNo, r.field, "empty response (no text besides "+
				"whitespace), which Options.Empty = EmptyReject forbids")
		}
	}
	return pair, true, nil
}

// get returns the value of key in obj; a null value counts as absent.
func get(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	raw, ok := obj[key]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// id returns the record's ID and the field it came from ("" for the line-number fallback).
func (p *parser) id(obj map[string]json.RawMessage, lineNo int) (string, string, error) {
	for _, key := range idFields {
		raw, ok := get(obj, key)
		if !ok {
			continue
		}
		switch {
		case raw[0] == '"':
			s, err := p.text(raw, key, lineNo)
			if err != nil {
				return "", "", err
			}
			if s == "" {
				return "", "", p.errf(lineNo, key, "expected a non-empty string or a number, "+
					"got an empty string")
			}
			return s, key, nil
		case isNumber(raw):
			return string(raw), key, nil
		default:
			return "", "", p.errf(lineNo, key, "expected a string or a number, got %s",
				describe(raw))
		}
	}
	return strconv.Itoa(lineNo - 1), "", nil
}

// response decodes the chosen or rejected field, a string or a conversation.
func (p *parser) response(obj map[string]json.RawMessage, field string, lineNo int) (
	response, error) {

	raw, ok := get(obj, field)
	if !ok {
		return response{}, p.errf(lineNo, field,
			"missing: expected a string or a list of chat messages")
	}
	switch raw[0] {
	case '"':
		s, err := p.text(raw, field, lineNo)
		return response{text: s}, err
	case '[':
		msgs, err := p.messages(raw, field, lineNo)
		if err != nil {
			return response{}, err
		}
		return p.chatResponse(msgs, field, lineNo)
	default:
		return response{}, p.errf(lineNo, field,
			"expected a string or a list of chat messages, got %s", describe(raw))
	}
}

// prompt returns the prompt: the top-level field if present, else the user turns of chosen.
func (p *parser) prompt(obj map[string]json.RawMessage, chosen, rejected response,
	lineNo int) (string, error) {

	raw, ok := get(obj, "prompt")
	if ok {
		switch raw[0] {
		case '"':
			return p.text(raw, "prompt", lineNo)
		case '[':
			msgs, err := p.messages(raw, "prompt", lineNo)
			if err != nil {
				return "", err
			}
			return p.chatPrompt(msgs, lineNo)
		default:
			return "", p.errf(lineNo, "prompt",
				"expected a string or a list of chat messages, got %s", describe(raw))
		}
	}
	return p.promptFromResponses(chosen, rejected, lineNo)
}

// chatResponse returns the response of the conversation msgs, decoded from field: the content
// of its last "assistant" message, with the user turns before it.
func (p *parser) chatResponse(msgs []message, field string, lineNo int) (response, error) {
	last := -1
	for i, m := range msgs {
		if m.role == "assistant" {
			last = i
		}
	}
	if last < 0 {
		return response{}, p.errf(lineNo, field,
			"expected a conversation with a message of role \"assistant\", found none")
	}
	return response{text: msgs[last].content, chat: true, userTurns: userContents(
		msgs[:last])}, nil
}

// chatPrompt returns the prompt given as the conversation msgs: its user turns, joined.
func (p *parser) chatPrompt(msgs []message, lineNo int) (string, error) {
	users := userContents(msgs)
	if len(users) == 0 {
		return "", p.errf(lineNo, "prompt",
			"expected a conversation with a message of role \"user\", found none")
	}
	return strings.Join(users, promptSeparator), nil
}

// promptFromResponses returns the prompt of a record without a prompt field: the user turns
// before the response in chosen, which must match those in rejected when it is a conversation.
func (p *parser) promptFromResponses(chosen, rejected response, lineNo int) (string, error) {
	if !chosen.chat || len(chosen.userTurns) == 0 {
		return "", p.errf(lineNo, "prompt", "missing: expected a string or a list of chat "+
			"messages, or a conversation in chosen with a user message before the response")
	}
	if rejected.chat && !slices.Equal(chosen.userTurns, rejected.userTurns) {
		return "", p.errf(lineNo, "rejected", "the user messages before the response differ "+
			"from those in chosen; give a top-level prompt or align the conversations")
	}
	return strings.Join(chosen.userTurns, promptSeparator), nil
}

// promptSeparator joins the user turns of a conversation into one prompt.
const promptSeparator = "\n\n"

// message is one chat message.
type message struct {
	role, content string
}

// messages decodes a conversation, raw being a JSON array.
func (p *parser) messages(raw json.RawMessage, field string, lineNo int) ([]message, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, p.errf(lineNo, field, "expected a list of chat messages: %v", err)
	}
	msgs := make([]message, len(items))
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", field, i)
		if item[0] != '{' {
			return nil, p.errf(lineNo, at, "expected a message object with string fields "+
				"\"role\" and \"content\", got %s", describe(item))
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(item, &m); err != nil {
			return nil, p.errf(lineNo, at, "expected a message object: %v", err)
		}
		for _, key := range [...]string{"role", "content"} {
			v, ok := get(m, key)
			if !ok {
				return nil, p.errf(lineNo, at+"."+key, "missing: expected a string")
			}
			s, err := p.text(v, at+"."+key, lineNo)
			if err != nil {
				return nil, err
			}
			if key == "role" {
				msgs[i].role = s
			} else {
				msgs[i].content = s
			}
		}
	}
	return msgs, nil
}

// userContents returns the contents of the "user" messages, in order.
func userContents(msgs []message) []string {
	var out []string
	for _, m := range msgs {
		if m.role == "user" {
			out = append(out, m.content)
		}
	}
	return out
}

// score returns the score named key (score_chosen or score_rejected) and the path of the field
// it came from, looking at the top level and under "metadata".
func (p *parser) score(obj map[string]json.RawMessage, key string, lineNo int) (
	float64, string, error) {

	var meta map[string]json.RawMessage
	if raw, ok := get(obj, "metadata"); ok {
		if raw[0] != '{' {
			return 0, "", p.errf(lineNo, "metadata", "expected an object, got %s",
				describe(raw))
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			return 0, "", p.errf(lineNo, "metadata", "expected an object: %v", err)
		}
	}
	top, inTop := get(obj, key)
	nested, inMeta := get(meta, key)
	metaKey := "metadata." + key

	switch {
	case inTop && inMeta:
		a, err := p.number(top, key, lineNo)
		if err != nil {
			return 0, "", err
		}
		b, err := p.number(nested, metaKey, lineNo)
		if err != nil {
			return 0, "", err
		}
		if a != b {
			return 0, "", p.errf(lineNo, key, "given as %g at the top level and as %g under "+
				"metadata: expected one value", a, b)
		}
		return a, key, nil
	case inTop:
		v, err := p.number(top, key, lineNo)
		return v, key, err
	case inMeta:
		v, err := p.number(nested, metaKey, lineNo)
		return v, metaKey, err
	default:
		return 0, "", p.errf(lineNo, key,
			"missing: expected a number at the top level or under \"metadata\"")
	}
}

// number decodes a finite JSON number.
func (p *parser) number(raw json.RawMessage, field string, lineNo int) (float64, error) {
	if !isNumber(raw) {
		msg := "expected a number, got " + describe(raw)
		var s string
		if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				msg += " (write the number without quotes)"
			}
		}
		return 0, p.errf(lineNo, field, "%s", msg)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, p.errf(lineNo, field, "expected a finite number, got %s", raw)
	}
	return v, nil
}

// text decodes a JSON string, rejecting invalid UTF-8 and unpaired surrogate escapes, which the
// JSON decoder would otherwise silently replace by U+FFFD.
func (p *parser) text(raw json.RawMessage, field string, lineNo int) (string, error) {
	if raw[0] != '"' {
		return "", p.errf(lineNo, field, "expected a string, got %s", describe(raw))
	}
	if err := p.checkUTF8(raw, field, lineNo); err != nil {
		return "", err
	}
	if at := unpairedSurrogate(raw); at >= 0 {
		return "", p.errf(lineNo, field, "expected UTF-8 text, found an unpaired UTF-16 "+
			"surrogate escape %s at byte %d of the value", raw[at:at+6], at)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", p.errf(lineNo, field, "expected a string: %v", err)
	}
	return s, nil
}

// checkUTF8 returns a *ParseError if b, the value of field, is not valid UTF-8.
func (p *parser) checkUTF8(b []byte, field string, lineNo int) error {
	if utf8.Valid(b) {
		return nil
	}
	return p.errf(lineNo, field, "expected UTF-8 text, found an invalid byte sequence at "+
		"byte %d of the value", invalidUTF8At(b))
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence in b, or -1.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// unpairedSurrogate returns the offset in the JSON string literal raw of the first \uXXXX
// escape of a UTF-16 surrogate that is not part of a high-low pair, or -1.
func unpairedSurrogate(raw []byte) int {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 >= len(raw) || raw[i+1] != 'u' {
			i++ // a two-byte escape such as \\ or \"
			continue
		}
		hi, ok := hex4(raw, i+2)
		switch {
		case !ok:
			return -1 // not reached for a literal the decoder accepted
		case hi >= 0xdc00 && hi <= 0xdfff:
			return i
		case hi >= 0xd800 && hi <= 0xdbff:
			lo, ok := hex4(raw, i+8)
			if !ok || raw[i+6] != '\\' || raw[i+7] != 'u' || lo < 0xdc00 || lo > 0xdfff {
				return i
			}
			i += 11
		default:
			i += 5
		}
	}
	return -1
}

// hex4 decodes the four hexadecimal digits at b[at:at+4].
func hex4(b []byte, at int) (int, bool) {
	if at < 0 || at+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return int(v), err == nil
}

// isNumber reports whether raw, a valid JSON value, is a number.
func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))
}

// describe names the kind of a JSON value for error messages, quoting short strings.
func describe(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '"':
		const maxQuote = 40
		var s string
		if json.Unmarshal(raw, &s) != nil || utf8.RuneCountInString(s) > maxQuote {
			return "a string"
		}
		return "the string " + strconv.Quote(s)
	case c == '{':
		return "an object"
	case c == '[':
		return "a list"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "the number " + string(raw)
	}
}

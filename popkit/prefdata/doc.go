// Package prefdata holds preference pairs, reads UltraFeedback-style JSON Lines and Parquet
// files ([ReadFile] picks the reader by extension), validates them and splits them into train
// and test sets. In Parquet errors, "line" is the 1-based row; the Parquet rules are at
// [Options.ParseParquet].
//
// # Pairs
//
// A [Pair] says that, for the prompt x, the response Chosen (y_w) was preferred to the
// response Rejected (y_l). Both responses carry a score on UltraFeedback's 1-10 scale
// (GPT-4 "overall" ratings; halves occur), and the gap between them is the pair's
// ground-truth margin:
//
//	m* = ScoreChosen - ScoreRejected >= 0
//
// The readers require ScoreChosen >= ScoreRejected; they check that the scores and their gap
// are finite but not that they lie on the 1-10 scale, so other rating scales load unchanged.
//
// # Ties
//
// A pair whose two scores are equal is a tie (m* = 0, [Pair.Tie]). Ties are kept: UltraFeedback's
// binarization picks a chosen response even when the ratings are equal, and about one pair in
// nine of the public sample is a tie. Evaluation reports ties separately (a tie has no correct
// side), and the PoP label code decides how ties compare; this package only marks them.
//
// # IDs
//
// Every pair has an ID, unique within a file. It is the text of the first of these fields that
// the record has (a null value counts as absent):
//
//	id, prompt_id, source_index
//
// A string is taken verbatim (it must not be empty); a number is taken as written in the file
// ("27808" stays "27808", "1e3" stays "1e3"). A record with none of the three gets its 0-based
// line number in decimal, so the record on line 5 of a file (line numbers in errors are
// 1-based, blank lines count) has ID "4". Two records with the same ID are an error.
//
// # Formats
//
// A file holds one JSON object per line, in one of two shapes, which may be mixed line by
// line. Unknown fields are ignored, and so is a null field (it counts as absent).
//
// Flat form (binarized UltraFeedback flattened to strings, as in the shared sample):
//
//	{"prompt": "...", "chosen": "...", "rejected": "...",
//	 "score_chosen": 8, "score_rejected": 6.5}
//
// The two scores may also sit under "metadata" ({"metadata": {"score_chosen": 8, ...}}). When a
// score is given in both places the two values must agree.
//
// Chat form (HuggingFaceH4/ultrafeedback_binarized, trl-lib/ultrafeedback_binarized): "chosen"
// and "rejected" are conversations, lists of {"role": ..., "content": ...} messages whose
// fields are strings. From a conversation this package takes exactly:
//
//   - the response: the content of the last message whose role is "assistant";
//   - the prompt: the top-level "prompt" field when present, either a string (verbatim) or a
//     conversation, of which the contents of the "user" messages are joined with a blank line
//     ("\n\n"). Without a top-level prompt, the prompt is the contents of the "user" messages
//     that come before the response in "chosen", joined the same way; if "rejected" is also a
//     conversation, its user messages before its response must be the same.
//
// System messages, earlier assistant turns and roles other than "user" and "assistant" are not
// part of the prompt: this package flattens a multi-turn conversation to its user turns. The
// fields "chosen" and "rejected" may each be a string or a conversation independently.
//
// Texts are kept verbatim: leading and trailing spaces and line endings inside a text are not
// touched. An empty prompt is allowed, and so, by default, is an empty response (see
// Validation). Around the records, the readers accept blank lines (skipped), CRLF line endings,
// a UTF-8 byte order mark at the start of the file, and lines of any length (a single response
// of tens of megabytes is fine).
//
// # Validation
//
// A record that cannot be used stops the reader with a [*ParseError] naming the file, the
// 1-based line, the field and what was expected: invalid JSON (with the byte offset), a line
// that is not an object, a missing field, a value of the wrong kind (a score written as a
// string, even "7.5", is an error), a score or score gap that is not finite (1e400 parses to
// infinity), a chosen score below the rejected one, text that is not valid UTF-8 (including
// JSON escapes of unpaired UTF-16 surrogates, which cannot be converted to UTF-8), a duplicate
// ID, and a file with no pairs.
// A chosen or rejected text that is empty or only whitespace is handled by [Options.Empty]:
// kept by default ([EmptyKeep]), or an error ([EmptyReject]), or skipped ([EmptySkip]). An empty
// response is a legitimate, if bad, response: a model scores it by its end-of-sequence token
// alone. The shared 1,000-pair UltraFeedback sample has two such pairs (an empty rejected text
// on line 479, an empty chosen one on line 834), so it reads with the default options.
//
// Field names in errors are paths into the record: "score_chosen", "metadata.score_rejected",
// "chosen[2].content" (0-based message index).
package prefdata

package hubtest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// Message is a chat message as HuggingFaceH4/ultrafeedback_binarized stores it.
type Message struct {
	Content string `parquet:"content"`
	Role    string `parquet:"role"`
}

// BinarizedRow has the columns of HuggingFaceH4/ultrafeedback_binarized.
type BinarizedRow struct {
	Prompt        string    `parquet:"prompt"`
	PromptID      string    `parquet:"prompt_id"`
	Chosen        []Message `parquet:"chosen,list"`
	Rejected      []Message `parquet:"rejected,list"`
	Messages      []Message `parquet:"messages,list"`
	ScoreChosen   float64   `parquet:"score_chosen"`
	ScoreRejected float64   `parquet:"score_rejected"`
}

// BinarizedRows returns n rows with ids PREFIX-0 .. PREFIX-(n-1): short prompts and
// responses, chosen score 4 + (i mod 3) / 2 and rejected score 2 + (i mod 2) / 2, so margins
// vary between 1 and 3.
func BinarizedRows(prefix string, n int) []BinarizedRow {
	rows := make([]BinarizedRow, n)
	for i := range rows {
		prompt := fmt.Sprintf("Name a colour (%s %d).", prefix, i)
		chosen := fmt.Sprintf("Blue, number %d.", i)
		rejected := fmt.Sprintf("I do not know %d", i)
		user := Message{Content: prompt, Role: "user"}
		rows[i] = BinarizedRow{
			Prompt: prompt, PromptID: fmt.Sprintf("%s-%d", prefix, i),
			Chosen:        []Message{user, {Content: chosen, Role: "assistant"}},
			Rejected:      []Message{user, {Content: rejected, Role: "assistant"}},
			Messages:      []Message{user, {Content: chosen, Role: "assistant"}},
			ScoreChosen:   4 + float64(i%3)/2,
			ScoreRejected: 2 + float64(i%2)/2,
		}
	}
	return rows
}

// Parquet encodes rows as a Parquet file.
func Parquet[T any](rows []T) ([]byte, error) {
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BinarizedRepo returns the files of a small stand-in for HuggingFaceH4/ultrafeedback_binarized
// in its layout: a README, train_prefs in two shards (trainRows rows in all), test_prefs in
// one, and a train_sft shard that a preference fetch must leave alone. Parquet files are
// listed as Git LFS files, the README as a plain blob.
func BinarizedRepo(trainRows, testRows int) (map[string]*File, error) {
	half := trainRows / 2
	files := map[string]*File{"README.md": {Data: []byte("# stand-in\n")}}
	for path, rows := range map[string][]BinarizedRow{
		"data/train_prefs-00000-of-00002.parquet": BinarizedRows("train", trainRows)[:half],
		"data/train_prefs-00001-of-00002.parquet": BinarizedRows("train", trainRows)[half:],
		"data/test_prefs-00000-of-00001.parquet":  BinarizedRows("test", testRows),
		"data/train_sft-00000-of-00001.parquet":   BinarizedRows("sft", 2),
	} {
		b, err := Parquet(rows)
		if err != nil {
			return nil, err
		}
		files[path] = &File{Data: b, LFS: true}
	}
	return files, nil
}

// RawCompletion is one completion of a raw UltraFeedback record; ratings are strings as
// upstream writes them ("1".."5" or "N/A").
type RawCompletion struct {
	Response string
	Overall  float64
	// Ratings of helpfulness, honesty, instruction_following, truthfulness.
	Ratings [4]string
}

// RawLine returns one line of openbmb/UltraFeedback's JSON Lines for the completions.
func RawLine(instruction string, cs ...RawCompletion) ([]byte, error) {
	type rating struct {
		Rating    string `json:"Rating"`
		Rationale string `json:"Rationale"`
	}
	type completion struct {
		Model        string            `json:"model"`
		Response     string            `json:"response"`
		OverallScore float64           `json:"overall_score"`
		Critique     string            `json:"critique"`
		Annotations  map[string]rating `json:"annotations"`
	}
	rec := struct {
		Source      string       `json:"source"`
		Instruction string       `json:"instruction"`
		Models      []string     `json:"models"`
		Completions []completion `json:"completions"`
	}{Source: "stand-in", Instruction: instruction}
	for i, c := range cs {
		ann := map[string]rating{}
		for k, a := range []string{"helpfulness", "honesty", "instruction_following",
			"truthfulness"} {
			ann[a] = rating{Rating: c.Ratings[k], Rationale: "r"}
		}
		rec.Models = append(rec.Models, fmt.Sprintf("model-%d", i))
		rec.Completions = append(rec.Completions, completion{Model: rec.Models[i],
			Response: c.Response, OverallScore: c.Overall, Critique: "c", Annotations: ann})
	}
	b, err := json.Marshal(rec)
	return append(b, '\n'), err
}

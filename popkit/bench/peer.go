package bench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/train"
)

// peerScript is the PyTorch peer, run with the Python that [FindPython] finds.
//
//go:embed peer/pytorch_step.py
var peerScript []byte

// ErrNoTorch is returned by [FindPython] when no Python interpreter can import torch.
var ErrNoTorch = errors.New("bench: no Python with PyTorch found")

// FindPython returns the first of $POPKIT_PYTHON, python3 and /usr/bin/python3 that can
// import torch, or an error wrapping [ErrNoTorch] that lists what was tried and how to fix it.
func FindPython(ctx context.Context) (string, error) {
	var tried []string
	candidates := []string{"python3", "/usr/bin/python3"}
	if env := os.Getenv("POPKIT_PYTHON"); env != "" {
		candidates = append([]string{env}, candidates...)
	}
	for _, py := range candidates {
		if err := exec.CommandContext(ctx, py, "-c", "import torch").Run(); err == nil {
			return py, nil
		}
		tried = append(tried, py)
	}
	return "", fmt.Errorf("%w (tried %s); install python3-torch (Debian: apt-get install -y "+
		"python3-torch) or set POPKIT_PYTHON to an interpreter that has torch", ErrNoTorch,
		strings.Join(tried, ", "))
}

// writePeerScript writes the embedded peer script into dir and returns its path.
func writePeerScript(dir string) (string, error) {
	path := filepath.Join(dir, "pytorch_step.py")
	if err := os.WriteFile(path, peerScript, 0o644); err != nil {
		return "", fmt.Errorf("bench: writing the peer script: %w", err)
	}
	return path, nil
}

// peer is a running PyTorch peer in serve mode.
type peer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Scanner
	stderr bytes.Buffer
}

// startPeer starts the peer for setup s with threads threads and waits until it is warm.
func startPeer(ctx context.Context, python, dir string, s Setup, threads int) (*peer, error) {
	s = s.Normalized()
	script, err := writePeerScript(dir)
	if err != nil {
		return nil, err
	}
	c := s.Policy
	args := []string{script, "serve"}
	for _, kv := range []struct {
		name  string
		value int
	}{
		{"rows", s.Rows()}, {"seq", s.SeqLen}, {"prompt", s.PromptLen}, {"vocab", c.VocabSize},
		{"embed", c.EmbedDim}, {"layers", c.NumLayers}, {"heads", c.NumHeads},
		{"ffn", c.FFNDim}, {"threads", threads},
	} {
		args = append(args, "--"+kv.name, strconv.Itoa(kv.value))
	}
	p := &peer{cmd: exec.CommandContext(ctx, python, args...)}
	p.cmd.Stderr = &p.stderr
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = bufio.NewScanner(out)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting the PyTorch peer: %w", err)
	}
	if line, err := p.readLine(); err != nil || line != "ready" {
		p.close()
		return nil, fmt.Errorf("bench: PyTorch peer did not start (%q, %v): %s", line, err,
			lastLines(p.stderr.String(), 5))
	}
	return p, nil
}

func (p *peer) readLine() (string, error) {
	if !p.stdout.Scan() {
		if err := p.stdout.Err(); err != nil {
			return "", err
		}
		return "", io.EOF
	}
	return strings.TrimSpace(p.stdout.Text()), nil
}

// run times steps preference steps in the peer and returns the seconds they took.
func (p *peer) run(steps int) (float64, error) {
	if _, err := fmt.Fprintf(p.stdin, "run %d\n", steps); err != nil {
		return 0, fmt.Errorf("bench: PyTorch peer: %w", err)
	}
	line, err := p.readLine()
	if err != nil {
		return 0, fmt.Errorf("bench: PyTorch peer stopped: %v: %s", err,
			lastLines(p.stderr.String(), 5))
	}
	secs, ok := strings.CutPrefix(line, "seconds ")
	if !ok {
		return 0, fmt.Errorf("bench: PyTorch peer answered %q, want \"seconds S\"", line)
	}
	return strconv.ParseFloat(secs, 64)
}

func (p *peer) close() {
	_ = p.stdin.Close()
	_ = p.cmd.Wait()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// PeerCheck is the comparison of our preference loss with the PyTorch peer's on identical
// weights and batch.
type PeerCheck struct {
	// OursLoss and PeerLoss are the two losses; MaxLogProbDiff is the largest absolute
	// difference of the per-row log-probs, and MaxLogProb the largest |log-prob| (for scale).
	OursLoss, PeerLoss         float64
	MaxLogProbDiff, MaxLogProb float64
}

// Pass reports whether the peer agrees with us: losses within 1e-4 and log-probs within 1e-5
// relative to their size (float32 sums of a few hundred terms of size ~5 agree to about
// 1e-6 relative; the tolerance leaves a factor 10 for the different summation orders).
func (c PeerCheck) Pass() bool {
	return math.Abs(c.OursLoss-c.PeerLoss) <= 1e-4 && c.MaxLogProbDiff <= 1e-5*c.MaxLogProb+1e-4
}

// CheckPeer evaluates the preference loss of setup s at its initial weights on backend b and
// in the PyTorch peer (run by python), on the same weights and batch, and compares them.
func CheckPeer(ctx context.Context, b compute.Backend, python string, s Setup) (PeerCheck, error) {
	s = s.Normalized()
	var res PeerCheck
	m := s.model()
	store := m.Store
	bt := s.makeBatch()
	logp, loss, err := evalLoss(b, m, bt)
	if err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "popkit-peer-check-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	if err := exportForPeer(dir, store, s, bt); err != nil {
		return res, err
	}
	script, err := writePeerScript(dir)
	if err != nil {
		return res, err
	}
	out, err := exec.CommandContext(ctx, python, script, "check", dir).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, lastLines(string(ee.Stderr), 5))
		}
		return res, fmt.Errorf("bench: PyTorch peer check: %w", err)
	}
	var got struct {
		LogP []float64 `json:"logp"`
		Loss float64   `json:"loss"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		return res, fmt.Errorf("bench: PyTorch peer check printed %q: %w", out, err)
	}
	if len(got.LogP) != len(logp) {
		return res, fmt.Errorf("bench: PyTorch peer returned %d log-probs, want %d",
			len(got.LogP), len(logp))
	}
	res.OursLoss, res.PeerLoss = loss, got.Loss
	for i, v := range logp {
		res.MaxLogProbDiff = max(res.MaxLogProbDiff, math.Abs(v-got.LogP[i]))
		res.MaxLogProb = max(res.MaxLogProb, math.Abs(v))
	}
	return res, nil
}

// exportForPeer writes the decoder's weights (weights.json: name -> shape and offset;
// weights.bin: float32 little-endian) and the batch with the decoder's config (batch.json)
// into dir, in the format peer/pytorch_step.py reads.
func exportForPeer(dir string, store *model.Store, s Setup, bt batch) error {
	type entry struct {
		Shape  []int `json:"shape"`
		Offset int   `json:"offset"`
	}
	manifest := map[string]entry{}
	var flat []float32
	for v := range store.IterVariables() {
		if v.DType() != dtypes.Float32 || !strings.HasPrefix(v.Path(), "/"+train.PolicyScope+"/") {
			continue
		}
		value, err := v.Value()
		if err != nil {
			return err
		}
		manifest[shortName(v.Path())] = entry{Shape: v.Shape().Dimensions, Offset: len(flat)}
		flat = append(flat, tensors.MustCopyFlatData[float32](value)...)
	}
	raw := make([]byte, 4*len(flat))
	for i, x := range flat {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), raw, 0o644); err != nil {
		return err
	}
	c := s.Policy
	doc := map[string]any{
		"config": map[string]any{"vocab": c.VocabSize, "embed": c.EmbedDim,
			"layers": c.NumLayers, "heads": c.NumHeads, "ffn": c.FFNDim,
			"rope_base": c.RoPEBase, "eps": c.NormEpsilon},
		"tokens": bt.tokens, "mask": bt.mask,
		"ref_chosen": bt.refChosen, "ref_rejected": bt.refRejected, "offsets": bt.offset,
		"beta": dpoBeta,
	}
	for name, value := range map[string]any{"weights.json": manifest, "batch.json": doc} {
		data, err := json.Marshal(value)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

package notebook_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserNotebook is the notebook the browser test runs: short, and it draws figures.
const browserNotebook = "notebooks/03_dpo_and_margins.ipynb"

// TestNotebookInBrowser starts a Jupyter notebook server on localhost, opens a notebook in
// headless Chromium, runs all its cells as a person would (Cell > Run All, with the kernel the
// notebook names), and checks that every cell ran without an error and that a plot rendered
// as SVG in the page, with hover texts on its points. It keeps a screenshot of the page in
// $POPKIT_BROWSER_ARTEFACTS (or the test's temporary folder).
//
// It runs only with POPKIT_BROWSER_TEST=1 (.ci/run sets it), and needs jupyter-notebook, the
// popkit kernel (popkit kernel install) and Chromium on PATH (chromium or
// $POPKIT_CHROMIUM).
func TestNotebookInBrowser(t *testing.T) {
	if os.Getenv("POPKIT_BROWSER_TEST") != "1" {
		t.Skip("set POPKIT_BROWSER_TEST=1 to run the notebook in a headless browser")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	browser := os.Getenv("POPKIT_CHROMIUM")
	if browser == "" {
		if browser, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("chromium not found on PATH: install it (apt-get install chromium) or set " +
				"POPKIT_CHROMIUM")
		}
	}
	shots := os.Getenv("POPKIT_BROWSER_ARTEFACTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	base, token := startJupyter(t, root)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser),
			chromedp.NoSandbox, chromedp.WindowSize(1280, 2000))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 8*time.Minute)
	defer cancelTimeout()

	// The kernel is started when the page loads; Run All then queues every cell.
	const ready = `typeof Jupyter !== "undefined" && Jupyter.notebook &&
		Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()`
	// done: no cell waiting or running ("In [*]") and every code cell numbered.
	const done = `(() => {
		const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
		return cells.every(c => c.input_prompt_number !== undefined &&
			c.input_prompt_number !== null && c.input_prompt_number !== "*");
	})()`
	var errors, svgs, tips int
	steps := func() error {
		poll := func(expr string, limit time.Duration) error {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
				chromedp.WithPollingInterval(time.Second), chromedp.WithPollingTimeout(limit)))
			return err
		}
		if _, err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/notebooks/"+browserNotebook+"?token="+token)); err != nil {
			return err
		}
		if err := poll(ready, 2*time.Minute); err != nil {
			return fmt.Errorf("kernel not connected: %w", err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
			`Jupyter.notebook.execute_all_cells(), null`)); err != nil {
			return err
		}
		if err := poll(done, 6*time.Minute); err != nil {
			return fmt.Errorf("cells did not finish: %w", err)
		}
		var err error
		if errors, err = chromedp.Run(ctx, chromedp.Evaluate[int](
			`document.querySelectorAll(".output_error, .output_stderr").length`)); err != nil {
			return err
		}
		if svgs, err = chromedp.Run(ctx, chromedp.Evaluate[int](
			`document.querySelectorAll(".output_area svg").length`)); err != nil {
			return err
		}
		// The figures' hover texts: SVG titles the browser shows under the pointer.
		tips, err = chromedp.Run(ctx, chromedp.Evaluate[int](
			`document.querySelectorAll(".output_area svg circle > title").length`))
		return err
	}
	err = steps()
	shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if len(shot) > 0 {
		path := filepath.Join(shots, "notebook.png")
		if werr := os.WriteFile(path, shot, 0o644); werr != nil {
			t.Error(werr)
		}
		t.Logf("screenshot: %s", path)
	}
	if err != nil {
		t.Fatalf("running %s in the browser: %v", browserNotebook, err)
	}
	if errors > 0 {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(
			".output_error, .output_stderr")).map(e => e.innerText).join("\n---\n")`))
		t.Errorf("%d cell outputs are errors:\n%s", errors, text)
	}
	if svgs == 0 {
		t.Error("no SVG plot rendered in the page")
	}
	if tips == 0 {
		t.Error("the plots in the page have no hover texts")
	}
}

// startJupyter starts a notebook server on a free localhost port with the repository as its
// root and quick mode on, and returns its URL and login token; the server stops with the
// test.
func startJupyter(t *testing.T, root string) (base, token string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	token = hex.EncodeToString(tok)
	cmd := exec.Command("jupyter", "notebook", "--no-browser", "--ip=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--NotebookApp.token="+token,
		"--notebook-dir="+root, "--allow-root")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// The server starts kernels that inherit its output: stop them all as one process group,
	// and do not wait for output once the group is gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "POPKIT_QUICK=1", "POPKIT_ARTEFACTS="+t.TempDir(),
		"POPKIT_RESULTS="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting jupyter notebook: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("jupyter's log:\n%s", logs.String())
		}
	})
	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := http.Get(base + "/api/status?token=" + token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("jupyter notebook did not answer on %s within 60 s:\n%s", base,
				logs.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	return base, token
}

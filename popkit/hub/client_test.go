package hub_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/hub"
	"github.com/poprlhf/sandbox/popkit/hub/hubtest"
)

// blob returns n deterministic bytes.
func blob(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

var modelRepo = hub.Repo{Kind: hub.Model, ID: "acme/tiny"}

func serve(t *testing.T, files map[string]*hubtest.File) (*hubtest.Server, *hub.Client) {
	t.Helper()
	srv := hubtest.New(map[string]map[string]*hubtest.File{"models/acme/tiny": files})
	t.Cleanup(srv.Close)
	t.Setenv("HF_ENDPOINT", srv.URL+"/")
	t.Setenv("HF_TOKEN", "")
	c := hub.NewClient()
	if c.Endpoint != srv.URL {
		t.Fatalf("NewClient().Endpoint = %q, want HF_ENDPOINT without the slash %q",
			c.Endpoint, srv.URL)
	}
	return srv, c
}

func list(t *testing.T, c *hub.Client) map[string]hub.File {
	t.Helper()
	files, err := c.ListFiles(context.Background(), modelRepo)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]hub.File{}
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

func TestListFilesPagesAndChecksums(t *testing.T) {
	data := blob(1000)
	srv, c := serve(t, map[string]*hubtest.File{
		"a/model.safetensors": {Data: data, LFS: true},
		"config.json":         {Data: []byte(`{}`)},
		"b/c/tokenizer.json":  {Data: []byte(`{"model":{}}`)},
	})
	srv.PageSize = 2 // five entries (two directories) over three pages
	got := list(t, c)
	if len(got) != 3 {
		t.Fatalf("ListFiles: %d files %v, want 3 (directories left out)", len(got), got)
	}
	// The LFS oid is the content's SHA-256; a plain file's oid is its Git blob id, which for
	// "{}" is 9e26dfeeb6e641a33dae4961196235bdb965b21b (git hash-object on a file holding {}).
	if f := got["a/model.safetensors"]; f.SHA256 != hubtest.SHA256(data) || f.Size != 1000 {
		t.Errorf("LFS file listed as %+v", f)
	}
	if f := got["config.json"]; f.BlobID != "9e26dfeeb6e641a33dae4961196235bdb965b21b" ||
		f.SHA256 != "" || f.Size != 2 {
		t.Errorf("plain file listed as %+v", f)
	}
}

func TestDownloadResumesACutTransfer(t *testing.T) {
	data := blob(100_000)
	srv, c := serve(t, map[string]*hubtest.File{"w.bin": {Data: data, LFS: true, CutAfter: 30_000}})
	var progress []int64
	c.Progress = func(_ string, done, total int64) {
		if total != int64(len(data)) {
			t.Errorf("progress total %d, want %d", total, len(data))
		}
		progress = append(progress, done)
	}
	dst := filepath.Join(t.TempDir(), "sub", "w.bin")
	if err := c.Download(context.Background(), modelRepo, list(t, c)["w.bin"], dst); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file differs from the served one (err %v)", err)
	}
	var ranges []string
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/w.bin") {
			ranges = append(ranges, r.Range)
		}
	}
	// First request: no Range; the server cuts it after 30,000 bytes; the retry asks for the
	// rest only.
	if want := []string{"", "bytes=30000-"}; strings.Join(ranges, "|") != strings.Join(want, "|") {
		t.Errorf("Range headers %q, want %q", ranges, want)
	}
	if last := progress[len(progress)-1]; last != int64(len(data)) {
		t.Errorf("last progress %d, want %d", last, len(data))
	}
	if _, err := os.Stat(dst + ".part"); !os.IsNotExist(err) {
		t.Errorf("%s.part left behind: %v", dst, err)
	}

	// A second download finds the verified file and sends no request.
	n := len(srv.Requests())
	if err := c.Download(context.Background(), modelRepo, list(t, c)["w.bin"], dst); err != nil {
		t.Fatal(err)
	}
	if extra := len(srv.Requests()) - n; extra != 1 { // the listing only
		t.Errorf("second download made %d requests, want 1 (the listing)", extra)
	}
}

func TestDownloadResumesAPartialFileFromAnEarlierRun(t *testing.T) {
	data := []byte(strings.Repeat("tokenizer ", 50))
	srv, c := serve(t, map[string]*hubtest.File{"tokenizer.json": {Data: data}})
	dst := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := os.WriteFile(dst+".part", data[:123], 0o644); err != nil {
		t.Fatal(err)
	}
	f := list(t, c)["tokenizer.json"]
	if err := c.Download(context.Background(), modelRepo, f, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatal("resumed file differs from the served one")
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Range != "bytes=123-" {
		t.Errorf("resume asked for %q, want bytes=123-", last.Range)
	}
}

func TestDownloadChecksumMismatch(t *testing.T) {
	for _, lfs := range []bool{true, false} {
		data := blob(5000)
		listed := bytes.Clone(data)
		listed[4000] ^= 1 // same size, one bit differs
		_, c := serve(t, map[string]*hubtest.File{"x.bin": {Data: data, LFS: lfs, Listed: listed}})
		dst := filepath.Join(t.TempDir(), "x.bin")
		err := c.Download(context.Background(), modelRepo, list(t, c)["x.bin"], dst)
		if !errors.Is(err, hub.ErrChecksum) {
			t.Fatalf("lfs=%v: err = %v, want ErrChecksum", lfs, err)
		}
		for _, want := range []string{"x.bin", hubtest.SHA256(listed)[:16]} {
			if lfs && !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
		for _, p := range []string{dst, dst + ".part"} {
			if _, serr := os.Stat(p); !os.IsNotExist(serr) {
				t.Errorf("lfs=%v: %s exists after a checksum mismatch", lfs, p)
			}
		}
	}
}

func TestTokenAndErrors(t *testing.T) {
	srv, c := serve(t, map[string]*hubtest.File{"a": {Data: []byte("a")}})
	srv.Token = "secret"
	_, err := c.ListFiles(context.Background(), modelRepo)
	if err == nil || !strings.Contains(err.Error(), "HF_TOKEN") {
		t.Fatalf("without a token: err = %v, want a 401 that mentions HF_TOKEN", err)
	}
	c.Token = "secret"
	if _, err := c.ListFiles(context.Background(), modelRepo); err != nil {
		t.Fatalf("with the token: %v", err)
	}
	_, err = c.ListFiles(context.Background(), hub.Repo{Kind: hub.Model, ID: "acme/none"})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown repo: err = %v, want a 404", err)
	}
}

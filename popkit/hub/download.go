package hub

import (
	"context"
	"crypto/sha1" //nolint:gosec // Git blob ids are SHA-1; used as a checksum, not for security.
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// checksum returns a fresh hash for f's checksum, its expected hex value and its name.
func (f File) checksum() (hash.Hash, string, string) {
	if f.SHA256 != "" {
		return sha256.New(), f.SHA256, "sha256 (Git LFS oid)"
	}
	h := sha1.New() //nolint:gosec // see the import.
	fmt.Fprintf(h, "blob %d\x00", f.Size)
	return h, f.BlobID, "git blob sha1"
}

// Verify reports whether the file at path has f's size and checksum; a mismatch wraps
// [ErrChecksum].
func (f File) Verify(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	h, want, name := f.checksum()
	n, err := io.Copy(h, fh)
	if err != nil {
		return fmt.Errorf("hub: reading %s: %w", path, err)
	}
	if n != f.Size {
		return fmt.Errorf("%w: %s has %d bytes, the hub lists %d for %s", ErrChecksum, path, n,
			f.Size, f.Path)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: %s: %s is %s, the hub lists %s for %s", ErrChecksum, path, name,
			got, want, f.Path)
	}
	return nil
}

// errCut marks a transfer that ended before the whole file arrived; it is resumed.
var errCut = errors.New("transfer cut short")

// Download fetches f from r to dst, resuming from dst+".part" when a previous download left
// one, and verifies its size and checksum before renaming it to dst. A dst that already
// exists with the right checksum is kept without a request. On a checksum mismatch the
// partial file is removed (the next call starts over) and the error wraps [ErrChecksum].
func (c *Client) Download(ctx context.Context, r Repo, f File, dst string) error {
	if err := f.Verify(dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	part := dst + ".part"
	retries := c.Retries
	if retries <= 0 {
		retries = 3
	}
	var err error
	for attempt := 0; attempt <= retries; attempt++ {
		if err = c.fetchPart(ctx, r, f, part); err == nil || !errors.Is(err, errCut) ||
			ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		if errors.Is(err, errCut) {
			return fmt.Errorf("hub: downloading %s from %s: %w after %d attempts; run again "+
				"to resume from %s", f.Path, r, err, retries+1, part)
		}
		return err
	}
	if err := f.Verify(part); err != nil {
		os.Remove(part)
		return fmt.Errorf("%w (downloaded from %s; the partial file was removed, so the next "+
			"download starts over)", err, c.ResolveURL(r, f.Path))
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

// fetchPart brings part up to f.Size bytes, asking only for the missing tail. It returns an
// error wrapping errCut when the connection ends early.
func (c *Client) fetchPart(ctx context.Context, r Repo, f File, part string) error {
	have := int64(0)
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	if have > f.Size {
		have = 0 // longer than the file: not ours, start over
	}
	if have == f.Size {
		return nil
	}
	u := c.ResolveURL(r, f.Path)
	header := http.Header{}
	if have > 0 {
		header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := c.get(ctx, u, header)
	if err != nil {
		return fmt.Errorf("%w: %w", errCut, err)
	}
	defer resp.Body.Close()

	flags := os.O_WRONLY | os.O_CREATE
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		start, ok := rangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			return fmt.Errorf("hub: GET %s: asked for bytes %d-, got Content-Range %q", u, have,
				resp.Header.Get("Content-Range"))
		}
		flags |= os.O_APPEND
	case resp.StatusCode == http.StatusOK:
		have = 0 // the server sent the whole file
		flags |= os.O_TRUNC
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// The partial file does not fit what the server has: start over.
		if err := os.Remove(part); err != nil {
			return fmt.Errorf("hub: %w", err)
		}
		return fmt.Errorf("%w: %s answered %s to a resume from byte %d", errCut, u,
			resp.Status, have)
	default:
		return statusError(u, resp)
	}

	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	w := io.Writer(out)
	if c.Progress != nil {
		w = &progressWriter{w: out, path: f.Path, done: have, total: f.Size, fn: c.Progress}
	}
	n, copyErr := io.Copy(w, io.LimitReader(resp.Body, f.Size-have))
	if err := out.Close(); err != nil && copyErr == nil {
		copyErr = err
	}
	if copyErr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %d of %d bytes: %w", errCut, f.Path, have+n, f.Size, copyErr)
	}
	if have+n < f.Size {
		return fmt.Errorf("%w: %s: %d of %d bytes", errCut, f.Path, have+n, f.Size)
	}
	return nil
}

// rangeStart parses the first byte of "bytes START-END/SIZE".
func rangeStart(cr string) (int64, bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	s, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

type progressWriter struct {
	w           io.Writer
	path        string
	done, total int64
	fn          func(string, int64, int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	p.fn(p.path, p.done, p.total)
	return n, err
}

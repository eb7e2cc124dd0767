// Package hub downloads files from the Hugging Face hub: it lists a repository's files with
// their checksums, and downloads each one with resume and checksum verification.
//
// Endpoints (the hub's public HTTP layout, which [Client.Endpoint] may point elsewhere):
//
//	GET {endpoint}/api/{models|datasets}/{repo}/tree/{revision}?recursive=true
//	    JSON list of {type, path, size, oid, lfs: {oid, size}}; pages follow Link rel="next"
//	GET {endpoint}/[datasets/]{repo}/resolve/{revision}/{path}
//	    the file's bytes (usually a redirect to a content server); honours Range
//
// Checksums: a file stored with Git LFS has lfs.oid, the SHA-256 of its content (the hub
// also sends it as the X-Linked-Etag header of the resolve URL); any other file has oid,
// its Git blob id, SHA-1("blob <size>\x00" + content). [Client.Download] checks the one that
// applies and refuses a file that does not match.
//
// Resume: bytes go to DST.part; a later download of the same file asks for the rest with
// "Range: bytes=N-" and appends, or starts over when the server answers with the whole file.
// A transfer cut short is retried (resuming) up to [Client.Retries] times before Download
// gives up, leaving DST.part for the next call. The finished file is renamed into place, so
// DST exists only when complete and verified.
//
// Environment: HF_ENDPOINT overrides the endpoint (default https://huggingface.co), HF_TOKEN
// is sent as a bearer token (needed for gated or private repositories).
//
// github.com/gomlx/go-huggingface v0.3.1 was evaluated for this job: it honours HF_ENDPOINT
// and tokens, but its downloader truncates any partial file (no resume) and verifies no
// checksum, so this package keeps its own small client on net/http.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// DefaultEndpoint is the hub's address when HF_ENDPOINT is unset.
const DefaultEndpoint = "https://huggingface.co"

// Kind is the kind of a hub repository.
type Kind int

const (
	// Model is a model repository: huggingface.co/{id}.
	Model Kind = iota
	// Dataset is a dataset repository: huggingface.co/datasets/{id}.
	Dataset
)

// Repo names a repository at a revision.
type Repo struct {
	Kind Kind
	// ID is "owner/name", e.g. "HuggingFaceH4/ultrafeedback_binarized".
	ID string
	// Revision is a branch, tag or commit. Default "main".
	Revision string
}

func (r Repo) revision() string {
	if r.Revision == "" {
		return "main"
	}
	return r.Revision
}

// String returns "datasets/ID@REV" or "ID@REV".
func (r Repo) String() string {
	if r.Kind == Dataset {
		return "datasets/" + r.ID + "@" + r.revision()
	}
	return r.ID + "@" + r.revision()
}

// File is one file of a repository listing.
type File struct {
	// Path is the file's path inside the repository, with forward slashes.
	Path string
	// Size is its length in bytes.
	Size int64
	// SHA256 is the hex SHA-256 of the content for files stored with Git LFS, else empty.
	SHA256 string
	// BlobID is the hex Git blob id (SHA-1 of "blob <size>\x00" + content).
	BlobID string
}

// Client talks to the hub. The zero value is not usable; see [NewClient].
type Client struct {
	// Endpoint is the hub's base URL, without a trailing slash.
	Endpoint string
	// Token, when not empty, is sent as "Authorization: Bearer TOKEN".
	Token string
	// HTTP does the requests.
	HTTP *http.Client
	// Retries is how many times a cut transfer is resumed within one Download. Default 3.
	Retries int
	// Progress, when set, is called as bytes arrive: path in the repository, bytes on disk,
	// file size.
	Progress func(path string, done, total int64)
}

// NewClient returns a client configured from the environment: HF_ENDPOINT (default
// [DefaultEndpoint]) and HF_TOKEN. Requests time out when no byte arrives for a minute.
func NewClient() *Client {
	ep := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/")
	if ep == "" {
		ep = DefaultEndpoint
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = time.Minute
	return &Client{Endpoint: ep, Token: os.Getenv("HF_TOKEN"), HTTP: &http.Client{Transport: tr},
		Retries: 3}
}

func (c *Client) prefix(r Repo) string {
	if r.Kind == Dataset {
		return "datasets/"
	}
	return "models/"
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// ResolveURL returns the download address of path in r.
func (c *Client) ResolveURL(r Repo, path string) string {
	pre := ""
	if r.Kind == Dataset {
		pre = "datasets/"
	}
	return fmt.Sprintf("%s/%s%s/resolve/%s/%s", c.Endpoint, pre, escapePath(r.ID),
		url.PathEscape(r.revision()), escapePath(path))
}

func (c *Client) get(ctx context.Context, u string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	// Checksums cover the stored bytes: ask for them without transfer encoding.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hub: GET %s: %w", u, err)
	}
	return resp, nil
}

// statusError reads the body of a failed response into an error that says what to do.
func statusError(u string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := strings.TrimSpace(string(body))
	if m := resp.Header.Get("X-Error-Message"); m != "" {
		msg = m
	}
	hint := ""
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = " (set HF_TOKEN to a token with access to this repository)"
	case http.StatusNotFound:
		hint = " (check the repository name, revision and path)"
	}
	return fmt.Errorf("hub: GET %s: %s%s: %s", u, resp.Status, hint, msg)
}

// treeEntry is one element of the tree API's answer.
type treeEntry struct {
	Type string `json:"type"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	OID  string `json:"oid"`
	LFS  *struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	} `json:"lfs"`
}

var nextLink = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="next"`)

var hexDigest = regexp.MustCompile(`^[0-9a-f]+$`)

// ListFiles returns every file of r (directories left out), following the API's pages.
func (c *Client) ListFiles(ctx context.Context, r Repo) ([]File, error) {
	u := fmt.Sprintf("%s/api/%s%s/tree/%s?recursive=true", c.Endpoint, c.prefix(r),
		escapePath(r.ID), url.PathEscape(r.revision()))
	var files []File
	for u != "" {
		resp, err := c.get(ctx, u, nil)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			err := statusError(u, resp)
			resp.Body.Close()
			return nil, err
		}
		var entries []treeEntry
		err = json.NewDecoder(resp.Body).Decode(&entries)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("hub: listing %s: %s is not the expected JSON list of "+
				"files: %w", r, u, err)
		}
		for _, e := range entries {
			if e.Type != "file" {
				continue
			}
			f := File{Path: e.Path, Size: e.Size, BlobID: e.OID}
			if e.LFS != nil {
				f.SHA256, f.Size = e.LFS.OID, e.LFS.Size
			}
			if (f.SHA256 != "" && (len(f.SHA256) != 64 || !hexDigest.MatchString(f.SHA256))) ||
				(f.SHA256 == "" && (len(f.BlobID) != 40 || !hexDigest.MatchString(f.BlobID))) {
				return nil, fmt.Errorf("hub: listing %s: file %q has no usable checksum "+
					"(lfs.oid %q, oid %q)", r, e.Path, f.SHA256, f.BlobID)
			}
			files = append(files, f)
		}
		u = ""
		if m := nextLink.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			u = m[1]
		}
	}
	return files, nil
}

// ErrChecksum is wrapped by the error of a download whose content does not match the
// listing's checksum.
var ErrChecksum = errors.New("hub: checksum mismatch")

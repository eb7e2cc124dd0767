// Package hubtest serves files in the Hugging Face hub's URL layout from memory, for tests
// that must not reach the network: the tree API with checksums, and the resolve URLs with
// Range support. Faults can be injected: a transfer cut after some bytes, and content that
// does not match its listed checksum.
package hubtest

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // Git blob ids are SHA-1.
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// File is one file of a served repository.
type File struct {
	Data []byte
	// LFS lists the file as stored with Git LFS (with a SHA-256), else as a plain Git blob.
	LFS bool
	// CutAfter, when > 0, makes the first download of the file send only that many bytes
	// and then drop the connection.
	CutAfter int
	// Listed, when not nil, is listed (size and checksum) instead of Data, while Data is
	// what is served: a checksum mismatch.
	Listed []byte
}

// Server is a stand-in hub. Repos maps "datasets/OWNER/NAME" or "models/OWNER/NAME" to the
// repository's files by path; every revision serves the same files.
type Server struct {
	*httptest.Server
	// Token, when not empty, is required as "Authorization: Bearer TOKEN".
	Token string
	// PageSize, when > 0, splits tree listings into pages linked by Link rel="next".
	PageSize int

	mu    sync.Mutex
	repos map[string]map[string]*File
	cut   map[string]bool
	log   []Request
}

// Request is one request the server answered.
type Request struct {
	Path  string
	Range string
}

// New starts a server for repos; close it with Close.
func New(repos map[string]map[string]*File) *Server {
	s := &Server{repos: repos, cut: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, Request{Path: r.URL.Path, Range: r.Header.Get("Range")})
	s.mu.Unlock()
	if s.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		w.Header().Set("X-Error-Message", "Invalid credentials")
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/api/"); ok {
		s.tree(w, r, rest)
		return
	}
	s.resolve(w, r, strings.TrimPrefix(p, "/"))
}

// splitRepo splits "KIND/OWNER/NAME/REST" (KIND datasets or models) into the repo key and
// REST.
func splitRepo(p string) (repo, rest string, ok bool) {
	parts := strings.SplitN(p, "/", 4)
	if len(parts) < 4 {
		return "", "", false
	}
	return strings.Join(parts[:3], "/"), parts[3], true
}

func (s *Server) tree(w http.ResponseWriter, r *http.Request, p string) {
	repo, rest, ok := splitRepo(p)
	files, known := s.repos[repo]
	if !ok || !known || !strings.HasPrefix(rest, "tree/") {
		http.Error(w, "Repository not found", http.StatusNotFound)
		return
	}
	paths := make([]string, 0, len(files))
	for path := range files {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	// Directories appear in real listings too; list each parent once.
	type entry struct {
		Type string `json:"type"`
		OID  string `json:"oid"`
		Size int    `json:"size"`
		Path string `json:"path"`
		LFS  *struct {
			OID         string `json:"oid"`
			Size        int    `json:"size"`
			PointerSize int    `json:"pointerSize"`
		} `json:"lfs,omitempty"`
	}
	var entries []entry
	dirs := map[string]bool{}
	for _, path := range paths {
		if i := strings.LastIndex(path, "/"); i > 0 && !dirs[path[:i]] {
			dirs[path[:i]] = true
			entries = append(entries, entry{Type: "directory", OID: strings.Repeat("0", 40),
				Path: path[:i]})
		}
		f := files[path]
		listed := f.Data
		if f.Listed != nil {
			listed = f.Listed
		}
		e := entry{Type: "file", Size: len(listed), Path: path, OID: BlobID(listed)}
		if f.LFS {
			e.OID = BlobID([]byte("version https://git-lfs.github.com/spec/v1\n"))
			e.LFS = &struct {
				OID         string `json:"oid"`
				Size        int    `json:"size"`
				PointerSize int    `json:"pointerSize"`
			}{SHA256(listed), len(listed), 134}
		}
		entries = append(entries, e)
	}
	start := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		fmt.Sscan(c, &start)
	}
	end := len(entries)
	if s.PageSize > 0 && start+s.PageSize < end {
		end = start + s.PageSize
		next := *r.URL
		q := next.Query()
		q.Set("cursor", fmt.Sprint(end))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.URL, next.RequestURI()))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(entries[start:end])
}

func (s *Server) resolve(w http.ResponseWriter, r *http.Request, p string) {
	if !strings.HasPrefix(p, "datasets/") {
		p = "models/" + p
	}
	repo, rest, ok := splitRepo(p)
	files, known := s.repos[repo]
	// rest is resolve/REVISION/PATH
	parts := strings.SplitN(rest, "/", 3)
	if !ok || !known || len(parts) < 3 || parts[0] != "resolve" {
		http.Error(w, "Entry not found", http.StatusNotFound)
		return
	}
	f, found := files[parts[2]]
	if !found {
		w.Header().Set("X-Error-Message", "Entry not found")
		http.Error(w, "Entry not found", http.StatusNotFound)
		return
	}
	if f.LFS {
		w.Header().Set("X-Linked-Etag", `"`+SHA256(f.Data)+`"`)
	}
	s.mu.Lock()
	cut := f.CutAfter > 0 && !s.cut[p]
	s.cut[p] = true
	s.mu.Unlock()
	if cut {
		// Promise the whole file, send part of it, and let the server drop the connection.
		w.Header().Set("Content-Length", fmt.Sprint(len(f.Data)))
		w.WriteHeader(http.StatusOK)
		w.Write(f.Data[:f.CutAfter])
		return
	}
	http.ServeContent(w, r, parts[2], time.Time{}, bytes.NewReader(f.Data))
}

// SHA256 returns the hex SHA-256 of data, the hub's LFS oid.
func SHA256(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// BlobID returns the hex Git blob id of data.
func BlobID(data []byte) string {
	h := sha1.New() //nolint:gosec // Git blob ids are SHA-1.
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Package atomicfile writes files so that a reader, or a process killed midway, sees either
// the old content or the new, never a part.
//
// The content goes to a temporary file in the destination's directory (named
// ".<base>.tmp<random>"), which is synced to stable storage, closed and renamed over the
// destination; the directory is then synced so that the rename itself survives a power loss.
// Files are left readable by everyone and writable by their owner (0644), as os.WriteFile
// leaves them under the usual umask, not 0600 as os.CreateTemp makes them. On any error the
// temporary file is removed and the destination keeps its old content (or stays absent).
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Mode is the permission of every file this package writes.
const Mode fs.FileMode = 0o644

// Write writes data to path atomically, replacing any file there. Errors name path.
func Write(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort() // a no-op after Commit
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// File is a file being written atomically: what is written to it appears at its path only
// when [File.Commit] succeeds. Call [File.Abort] (or defer it) on every path that does not
// commit, so that the temporary file is removed.
type File struct {
	path string   // destination
	tmp  *os.File // temporary file beside path; nil once committed or aborted
}

// Create starts writing the file at path. Nothing changes at path until [File.Commit].
func Create(path string) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(Mode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &File{path: path, tmp: tmp}, nil
}

// Write appends p to the file's temporary content. It implements io.Writer.
func (f *File) Write(p []byte) (int, error) {
	if f.tmp == nil {
		return 0, fmt.Errorf("writing %s: %w", f.path, os.ErrClosed)
	}
	n, err := f.tmp.Write(p)
	if err != nil {
		err = fmt.Errorf("writing %s: %w", f.path, err)
	}
	return n, err
}

// Commit syncs and closes the temporary file and renames it over the destination. After a
// failed Commit the temporary file is gone and the destination is unchanged.
func (f *File) Commit() error {
	if f.tmp == nil {
		return fmt.Errorf("writing %s: %w", f.path, os.ErrClosed)
	}
	tmp := f.tmp
	f.tmp = nil
	err := tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	// The file is in place; a directory that cannot be synced loses only durability across a
	// power loss, so its error is not reported.
	_ = Sync(filepath.Dir(f.path))
	return nil
}

// Abort discards what was written and removes the temporary file. It does nothing after
// [File.Commit] or a previous Abort, so it can be deferred unconditionally.
func (f *File) Abort() {
	if f.tmp == nil {
		return
	}
	f.tmp.Close()
	os.Remove(f.tmp.Name())
	f.tmp = nil
}

// Sync flushes the file or directory at path to stable storage. File systems that cannot
// sync a directory (the error wraps fs.ErrInvalid) are not an error: a rename in such a
// directory is atomic all the same.
func Sync(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && errors.Is(err, fs.ErrInvalid) {
		return nil
	}
	return err
}

// Package atomicfile replaces files so that a crash leaves either the old or
// the new content, never a torn file. The wallet's key and state files and
// the name operation journal are written through it: each is the only
// record of something that cannot be recomputed (keys, signed transactions
// already broadcast).
//
// It owns only the write itself; what the files hold belongs to their
// packages.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write replaces path with data: the data goes to a temporary file in the
// same directory (created 0600, as keys are in the clear), is synced, then
// renamed over path, and the directory is synced so that the new entry is
// durable. The directory is created (0700) if missing.
func Write(path string, data []byte) error {
	return write(path, data, false)
}

// Create is Write for a file that must not exist yet: the temporary file is
// hard-linked to path instead of renamed, which fails (with an error
// matching fs.ErrExist) when path exists, so nothing is ever overwritten.
func Create(path string, data []byte) error {
	return write(path, data, true)
}

func write(path string, data []byte, exclusive bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// After a rename this finds nothing; after a link or a failure it
	// removes the temporary name.
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if exclusive {
		err = os.Link(tmp.Name(), path)
	} else {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The new directory entry is durable only once the directory is.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

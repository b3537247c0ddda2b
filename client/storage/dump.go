package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
)

// A dump is a folder holding a bucket's files as they are stored (an
// encrypted file stays encrypted, a .sig file is a file like another) under
// files/, and manifest.json, which lists each with its size, SHA-256 and
// content type. It is the hub-independent form of a bucket: Restore puts it
// in a bucket on any hub.

// DumpEntry is one file of a dump's manifest.
type DumpEntry struct {
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// Manifest is a dump's manifest.json.
type Manifest struct {
	Version int         `json:"version"`
	Bucket  string      `json:"bucket"` // the address the files were read from
	Files   []DumpEntry `json:"files"`
}

const (
	manifestVersion = 1
	manifestName    = "manifest.json"
	filesDir        = "files"
)

// Dump copies every file of the bucket into dir (made if missing), and
// writes the manifest last: a dump without one is unfinished. A file
// already in dir with the hash the bucket's copy has is not written again,
// so a dump stopped midway continues where it was. progress, if set, hears
// of each file copied.
func (h *Hub) Dump(ctx context.Context, dir string, progress func(path string)) (*Manifest, error) {
	var paths []string
	if _, err := h.ListFiles(ctx, func(p string) bool { paths = append(paths, p); return true }); err != nil {
		return nil, fmt.Errorf("storage: dump: %w", err)
	}
	m := &Manifest{Version: manifestVersion, Bucket: h.address}
	for _, p := range paths {
		local, err := localPath(dir, p)
		if err != nil {
			return nil, err
		}
		e, err := h.dumpFile(ctx, p, local)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, e)
		if progress != nil {
			progress(p)
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, manifestName), append(data, '\n')); err != nil {
		return nil, fmt.Errorf("storage: dump: %w", err)
	}
	return m, nil
}

// localPath is where the bucket path p goes in dir; a path that would
// leave it (a hostile hub can list anything) is refused.
func localPath(dir, p string) (string, error) {
	rel := filepath.FromSlash(p)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("storage: dump: the hub lists %q, which is not a path inside the bucket", p)
	}
	return filepath.Join(dir, filesDir, rel), nil
}

// dumpFile copies the bucket's file p to local, atomically.
func (h *Hub) dumpFile(ctx context.Context, p, local string) (DumpEntry, error) {
	body, ctype, err := h.open(ctx, h.BucketURL(), p, false)
	if err != nil {
		return DumpEntry{}, err
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		return DumpEntry{}, fmt.Errorf("storage: dump %s: %w", p, err)
	}
	sum := sha256.Sum256(data)
	e := DumpEntry{Path: p, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), ContentType: ctype}
	if have, err := os.ReadFile(local); err == nil && bytes.Equal(have, data) {
		return e, nil // copied by an earlier, interrupted run
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		return DumpEntry{}, fmt.Errorf("storage: dump %s: %w", p, err)
	}
	if err := atomicfile.Write(local, data); err != nil {
		return DumpEntry{}, fmt.Errorf("storage: dump %s: %w", p, err)
	}
	return e, nil
}

// ReadManifest reads a finished dump's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("storage: %s holds no finished dump (no %s)", dir, manifestName)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("storage: %s: %w", manifestName, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("storage: %s: version %d, want %d", manifestName, m.Version, manifestVersion)
	}
	return &m, nil
}

// Restore stores every file of the dump in dir in this hub's bucket, with
// its content type, and reads each back to check it arrived whole. A file
// the bucket already holds with the dump's bytes is left as it is, so a
// restore stopped midway continues where it was. It returns how many
// files it stored and how many were there already.
func (h *Hub) Restore(ctx context.Context, dir string, progress func(path string)) (stored, present int, err error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range m.Files {
		local, err := localPath(dir, e.Path)
		if err != nil {
			return stored, present, err
		}
		data, err := os.ReadFile(local)
		if err != nil {
			return stored, present, fmt.Errorf("storage: restore %s: %w", e.Path, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.SHA256 || int64(len(data)) != e.Size {
			return stored, present, fmt.Errorf("storage: restore %s: the dump's copy is not what the manifest lists (changed or truncated)", e.Path)
		}
		if have, err := h.read(ctx, h.BucketURL(), e.Path, true, int64(len(data))); err == nil && bytes.Equal(have, data) {
			present++
			continue
		}
		if _, err := h.PutFile(ctx, e.Path, data, PutOptions{ContentType: e.ContentType, IgnoreETag: true}); err != nil {
			return stored, present, fmt.Errorf("storage: restore %s: %w", e.Path, err)
		}
		back, err := h.read(ctx, h.BucketURL(), e.Path, true, int64(len(data)))
		if err != nil || !bytes.Equal(back, data) {
			return stored, present, fmt.Errorf("storage: restore %s: the hub does not give back what was stored (%v)", e.Path, err)
		}
		stored++
		if progress != nil {
			progress(e.Path)
		}
	}
	return stored, present, nil
}

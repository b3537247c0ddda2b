package disk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
)

const bucket = "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU"

func TestHeaderRoundTrip(t *testing.T) {
	for _, m := range []meta{{}, {ContentType: "text/plain", ETag: "abc"}, {ContentType: strings.Repeat("x", 1024), ETag: strings.Repeat("0", 32)}} {
		h, err := encodeHeader(m)
		if err != nil {
			t.Fatal(err)
		}
		got, off, err := readHeader(bytes.NewReader(append(h, "content"...)))
		if err != nil || got != m || off != int64(len(h)) {
			t.Errorf("%+v: got %+v %d %v", m, got, off, err)
		}
	}
	if _, err := encodeHeader(meta{ContentType: strings.Repeat("x", maxMeta)}); err == nil {
		t.Error("oversized metadata encoded")
	}
}

func FuzzReadHeader(f *testing.F) {
	h, _ := encodeHeader(meta{ContentType: "text/plain", ETag: "e"})
	f.Add(append(h, 1, 2, 3))
	f.Add([]byte("GAIA\x01\xff\xff{"))
	f.Add([]byte("GAIA\x01\x00\x02{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, off, err := readHeader(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v is not errCorrupt", err)
			}
			return
		}
		if off > int64(len(b)) || off < int64(len(magic)+2) {
			t.Fatalf("offset %d of %d bytes", off, len(b))
		}
		if _, err := encodeHeader(m); err != nil && len(b) <= maxMeta {
			t.Fatalf("accepted header cannot be re-encoded: %v", err)
		}
	})
}

func newTest(t *testing.T) (*Driver, string) {
	dir := t.TempDir()
	d, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, dir
}

func TestFileDirectoryConflicts(t *testing.T) {
	d, _ := newTest(t)
	ctx := context.Background()
	if _, err := d.Put(ctx, bucket, "a/b", strings.NewReader("x"), gaia.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(ctx, bucket, "a", strings.NewReader("x"), gaia.PutOptions{}); !errors.Is(err, gaia.ErrConflict) {
		t.Errorf("file over a directory: %v", err)
	}
	if _, err := d.Put(ctx, bucket, "a/b/c", strings.NewReader("x"), gaia.PutOptions{}); !errors.Is(err, gaia.ErrConflict) {
		t.Errorf("directory through a file: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(d.root.Name(), tmpDir))
	if len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestNoEscapeThroughSymlink: a symbolic link planted in the storage tree
// (by another program) does not let the driver read or write outside it.
func TestNoEscapeThroughSymlink(t *testing.T) {
	d, dir := newTest(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, bucket), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, bucket, "link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Get(ctx, bucket, "link/secret"); err == nil {
		t.Error("read through a symlink out of the root")
	}
	if _, err := d.Put(ctx, bucket, "link/planted", strings.NewReader("x"), gaia.PutOptions{}); err == nil {
		t.Error("wrote through a symlink out of the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !os.IsNotExist(err) {
		t.Errorf("file planted outside the root: %v", err)
	}
}

func TestLeftoverTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tmpDir, "put-crashed"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if entries, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(entries) != 0 {
		t.Errorf("leftovers: %v", entries)
	}
}

// TestNestedStoreDeleteRace: stores and deletes of neighbouring nested
// paths race, a delete pruning the directories it empties while a store
// creates them and a listing walks them. No store or listing may fail for
// it (issue 22, item 9).
func TestNestedStoreDeleteRace(t *testing.T) {
	d, _ := newTest(t)
	ctx := context.Background()
	const workers, rounds = 8, 60
	dir := "race/a/b/c/d/e/f/g/h"
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	done := make(chan struct{})
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := d.List(ctx, bucket, gaia.ListOptions{Limit: 100}); err != nil {
				errs <- fmt.Errorf("List: %w", err)
				return
			}
		}
	}()
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := fmt.Sprintf("%s/w%d", dir, i)
			for r := 0; r < rounds; r++ {
				if _, err := d.Put(ctx, bucket, p, strings.NewReader("x"), gaia.PutOptions{}); err != nil {
					errs <- fmt.Errorf("Put %s, round %d: %w", p, r, err)
					return
				}
				if err := d.Delete(ctx, bucket, p); err != nil {
					errs <- fmt.Errorf("Delete %s, round %d: %w", p, r, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(done)
	<-listed
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

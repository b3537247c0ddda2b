// Package disk is the Gaia hub's local-disk storage driver (gaia.Driver).
//
// It owns one directory tree: <root>/<bucket>/<path> holds each object,
// <root>/.gaia-tmp holds writes in progress. It must not touch anything
// outside that root: every file operation goes through an os.Root, which
// refuses paths (and symbolic links) that leave it, on top of
// gaia.ValidatePath.
//
// Writes are atomic and durable: the object goes to a temporary file that
// is flushed to disk and renamed over the old one, and the rename is
// flushed before the answer (flush.go: on Linux, concurrent writes share
// one syncfs), so
// a reader or a crash sees the old object or the new one, never a mix, and
// concurrent writers to one path never interleave (the last rename wins).
//
// Preconditions (gaia.PutOptions) are checked and the object renamed into
// place under a per-path lock that every write, delete and rename of the
// path takes. That lock is this process's: one directory is for one hub
// process (hubs that share storage use a shared backend: S3, Google Cloud
// Storage, Azure).
//
// Object file format. The content type and ETag must change in the same
// rename as the content, so they are kept in the object file itself rather
// than in a side file (the reference hub's .gaia-metadata tree, which a crash
// between two renames can leave out of step): the magic "GAIA\x01", a
// big-endian uint16 length n, n bytes of JSON {"contentType","etag"}, then
// the content. The ETag is the hex MD5 of the content, unquoted, as the
// reference disk driver reports it.
package disk

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/internal/spool"
	"github.com/go-blockstack/go-blockstack/internal/keylock"
)

const (
	tmpDir   = ".gaia-tmp"
	magic    = "GAIA\x01"
	maxMeta  = 4096
	dirPerm  = 0o700
	filePerm = 0o600
)

// Driver stores objects under one directory.
type Driver struct {
	root  *os.Root
	flush flusher
	// tree orders directory creation against pruning: a store holds it
	// shared from creating its file's directories to renaming the file
	// into them, a prune holds it alone, so a prune never removes a
	// directory in between (issue 22, item 9: such a store used to fail).
	tree sync.RWMutex
	// paths orders each path's writes, deletes and renames, so that a
	// precondition checked still holds when the object is renamed in.
	paths *keylock.Set
}

// pathStripes is the number of stripes of Driver.paths.
const pathStripes = 1024

var _ gaia.Driver = (*Driver)(nil)

// New opens (creating if needed) the storage directory dir. Leftover
// temporary files of an earlier run are removed.
func New(dir string) (*Driver, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("disk driver: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("disk driver: %w", err)
	}
	if err := root.RemoveAll(tmpDir); err != nil {
		root.Close()
		return nil, fmt.Errorf("disk driver: clear %s: %w", tmpDir, err)
	}
	if err := root.Mkdir(tmpDir, dirPerm); err != nil {
		root.Close()
		return nil, fmt.Errorf("disk driver: %w", err)
	}
	fl, err := newFlusher(dir)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("disk driver: %w", err)
	}
	return &Driver{root: root, flush: fl, paths: keylock.New(pathStripes)}, nil
}

// Close releases the root directory.
func (d *Driver) Close() error { return errors.Join(d.flush.close(), d.root.Close()) }

type meta struct {
	ContentType string `json:"contentType"`
	ETag        string `json:"etag"`
}

func encodeHeader(m meta) ([]byte, error) {
	js, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(js) > maxMeta {
		return nil, fmt.Errorf("object metadata is %d bytes, more than %d", len(js), maxMeta)
	}
	b := make([]byte, 0, len(magic)+2+len(js))
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(js)))
	return append(b, js...), nil
}

var errCorrupt = errors.New("not a gaia object file")

// readHeader reads an object file's header and returns its metadata and
// the offset where the content starts.
func readHeader(r io.Reader) (meta, int64, error) {
	var m meta
	var pre [len(magic) + 2]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return m, 0, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if string(pre[:len(magic)]) != magic {
		return m, 0, fmt.Errorf("%w: bad magic", errCorrupt)
	}
	n := int(binary.BigEndian.Uint16(pre[len(magic):]))
	if n > maxMeta {
		return m, 0, fmt.Errorf("%w: metadata length %d", errCorrupt, n)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return m, 0, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if err := json.Unmarshal(js, &m); err != nil {
		return m, 0, fmt.Errorf("%w: metadata: %v", errCorrupt, err)
	}
	return m, int64(len(pre) + n), nil
}

// name is the slash-separated path of an object relative to the root.
func name(bucket, p string) (string, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return "", err
	}
	if err := gaia.ValidatePath(p); err != nil {
		return "", err
	}
	return bucket + "/" + p, nil
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// Put writes body to a temporary file with a placeholder ETag, fills in
// the ETag once the MD5 is known, fsyncs and renames it into place.
func (d *Driver) Put(ctx context.Context, bucket, p string, body io.Reader, opts gaia.PutOptions) (gaia.ObjectInfo, error) {
	target, err := name(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	hdr, err := encodeHeader(meta{ContentType: opts.ContentType, ETag: strings.Repeat("0", md5.Size*2)})
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	tmp, f, err := d.createTemp()
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	renamed := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !renamed {
			_ = d.root.Remove(tmp)
		}
	}()
	if _, err := f.Write(hdr); err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("write %s: %w", target, err)
	}
	sum := md5.New()
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, sum), spool.WithContext(ctx, body), *buf)
	copyBufs.Put(buf)
	if err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("write %s: %w", target, err)
	}
	m := meta{ContentType: opts.ContentType, ETag: hex.EncodeToString(sum.Sum(nil))}
	if hdr, err = encodeHeader(m); err != nil {
		return gaia.ObjectInfo{}, err
	}
	if _, err := f.WriteAt(hdr, 0); err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("write %s: %w", target, err)
	}
	if err := d.flush.file(f); err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("fsync %s: %w", target, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	if err := f.Close(); err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("close %s: %w", target, err)
	}
	f = nil
	unlock, err := d.paths.Lock(ctx, target)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	defer unlock()
	if err := d.checkPreconditions(bucket, p, opts); err != nil {
		return gaia.ObjectInfo{}, err
	}
	if err := d.moveInto(tmp, target, false); err != nil {
		return gaia.ObjectInfo{}, err
	}
	renamed = true
	return gaia.ObjectInfo{Name: p, ETag: m.ETag, Size: n, ContentType: m.ContentType, LastModified: fi.ModTime()}, nil
}

// checkPreconditions compares opts with the object now at bucket/p. The
// caller holds the path's lock.
func (d *Driver) checkPreconditions(bucket, p string, opts gaia.PutOptions) error {
	if opts.IfMatch == "" && !opts.IfNoneMatch {
		return nil
	}
	f, cur, _, err := d.open(bucket, p)
	if err != nil && !errors.Is(err, gaia.ErrNotFound) {
		return err
	}
	exists := err == nil
	if exists {
		f.Close()
	}
	switch {
	case opts.IfNoneMatch && exists:
		return fmt.Errorf("%w: %s/%s exists", gaia.ErrPreconditionFailed, bucket, p)
	case opts.IfMatch != "" && (!exists || !gaia.ETagsMatch(opts.IfMatch, cur.ETag)):
		return fmt.Errorf("%w: %s/%s is not at ETag %s", gaia.ErrPreconditionFailed, bucket, p, opts.IfMatch)
	}
	return nil
}

func (d *Driver) createTemp() (string, *os.File, error) {
	var rnd [12]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", nil, err
	}
	tmp := tmpDir + "/put-" + hex.EncodeToString(rnd[:])
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return "", nil, fmt.Errorf("create temporary file: %w", err)
	}
	return tmp, f, nil
}

// moveInto renames src to dst, creating dst's directories, and fsyncs the
// directories whose entries changed (src's only when syncSrc: the temporary
// directory's entries do not matter after a crash).
func (d *Driver) moveInto(src, dst string, syncSrc bool) error {
	created, err := d.place(src, dst)
	if err != nil {
		return err
	}
	dirs := append([]string{path.Dir(dst)}, parents(created)...)
	if syncSrc {
		dirs = append(dirs, path.Dir(src))
	}
	return d.flush.dirs(d, dirs...)
}

// place creates dst's directories and renames src into them, with no
// prune in between, and returns the directories it created.
func (d *Driver) place(src, dst string) ([]string, error) {
	d.tree.RLock()
	defer d.tree.RUnlock()
	created, err := d.mkdirs(path.Dir(dst))
	if err != nil {
		return nil, err
	}
	if err := d.root.Rename(src, dst); err != nil {
		switch {
		case isConflict(err):
			return nil, fmt.Errorf("%w: %s: %v", gaia.ErrConflict, dst, err)
		case errors.Is(err, fs.ErrNotExist): // dst's directory exists: src is gone
			return nil, fmt.Errorf("%w: %s", gaia.ErrNotFound, src)
		}
		return nil, fmt.Errorf("rename into %s: %w", dst, err)
	}
	return created, nil
}

func parents(dirs []string) []string {
	out := make([]string, len(dirs))
	for i, d := range dirs {
		out[i] = path.Dir(d)
	}
	return out
}

func isConflict(err error) bool {
	return errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY)
}

// mkdirs creates dir and its missing parents and returns the ones it made.
// A file where a directory must be is a conflict.
func (d *Driver) mkdirs(dir string) ([]string, error) {
	if fi, err := d.root.Stat(dir); err == nil {
		if !fi.IsDir() {
			return nil, fmt.Errorf("%w: %s is a file", gaia.ErrConflict, dir)
		}
		return nil, nil
	}
	var created []string
	parts := strings.Split(dir, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		err := d.root.Mkdir(sub, dirPerm)
		switch {
		case err == nil:
			created = append(created, sub)
		case errors.Is(err, fs.ErrExist):
			fi, serr := d.root.Stat(sub)
			if serr == nil && !fi.IsDir() {
				return nil, fmt.Errorf("%w: %s is a file", gaia.ErrConflict, sub)
			}
		case isConflict(err):
			return nil, fmt.Errorf("%w: %s: %v", gaia.ErrConflict, sub, err)
		default:
			return nil, fmt.Errorf("mkdir %s: %w", sub, err)
		}
	}
	return created, nil
}

func (d *Driver) syncDir(dir string) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// open opens a regular object file and reads its header. Directories and
// missing files are ErrNotFound.
func (d *Driver) open(bucket, p string) (*os.File, gaia.ObjectInfo, int64, error) {
	n, err := name(bucket, p)
	if err != nil {
		return nil, gaia.ObjectInfo{}, 0, err
	}
	f, err := d.root.Open(n)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, gaia.ObjectInfo{}, 0, fmt.Errorf("%w: %s", gaia.ErrNotFound, n)
		}
		return nil, gaia.ObjectInfo{}, 0, fmt.Errorf("open %s: %w", n, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, gaia.ObjectInfo{}, 0, fmt.Errorf("stat %s: %w", n, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, gaia.ObjectInfo{}, 0, fmt.Errorf("%w: %s is not a file", gaia.ErrNotFound, n)
	}
	m, off, err := readHeader(f)
	if err != nil {
		f.Close()
		return nil, gaia.ObjectInfo{}, 0, fmt.Errorf("read %s: %w", n, err)
	}
	info := gaia.ObjectInfo{Name: p, ETag: m.ETag, Size: fi.Size() - off, ContentType: m.ContentType, LastModified: fi.ModTime()}
	return f, info, off, nil
}

// Get opens an object; its Body seeks within the content.
func (d *Driver) Get(ctx context.Context, bucket, p string) (*gaia.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, info, off, err := d.open(bucket, p)
	if err != nil {
		return nil, err
	}
	return &gaia.Object{ObjectInfo: info, Body: &section{SectionReader: io.NewSectionReader(f, off, info.Size), f: f}}, nil
}

type section struct {
	*io.SectionReader
	f *os.File
}

func (s *section) Close() error { return s.f.Close() }

// Stat describes an object.
func (d *Driver) Stat(ctx context.Context, bucket, p string) (gaia.ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return gaia.ObjectInfo{}, err
	}
	f, info, _, err := d.open(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	f.Close()
	return info, nil
}

// regular reports whether n is an existing regular file (not following a
// final symbolic link).
func (d *Driver) regular(n string) error {
	fi, err := d.root.Lstat(n)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("%w: %s", gaia.ErrNotFound, n)
		}
		return fmt.Errorf("stat %s: %w", n, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a file", gaia.ErrNotFound, n)
	}
	return nil
}

// Delete removes an object and the directories it leaves empty.
func (d *Driver) Delete(ctx context.Context, bucket, p string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := name(bucket, p)
	if err != nil {
		return err
	}
	unlock, err := d.paths.Lock(ctx, n)
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.regular(n); err != nil {
		return err
	}
	if err := d.root.Remove(n); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", gaia.ErrNotFound, n)
		}
		return fmt.Errorf("remove %s: %w", n, err)
	}
	if err := d.flush.dirs(d, path.Dir(n)); err != nil {
		return err
	}
	d.prune(bucket, path.Dir(n))
	return nil
}

// Rename moves an object within its bucket.
func (d *Driver) Rename(ctx context.Context, bucket, from, to string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	src, err := name(bucket, from)
	if err != nil {
		return err
	}
	dst, err := name(bucket, to)
	if err != nil {
		return err
	}
	unlock, err := d.paths.Lock(ctx, src, dst)
	if err != nil {
		return err
	}
	defer unlock()
	if err := d.regular(src); err != nil {
		return err
	}
	if err := d.moveInto(src, dst, true); err != nil {
		return err
	}
	d.prune(bucket, path.Dir(src))
	return nil
}

// prune removes empty directories from dir up to (not including) the
// bucket directory, so that a later object may take a pruned name. Failure
// (a directory not empty) just stops it.
func (d *Driver) prune(bucket, dir string) {
	if top := d.removeEmpty(bucket, dir); top != "" {
		_ = d.flush.dirs(d, path.Dir(top))
	}
}

// removeEmpty is prune's removal, apart from stores placing files (see
// Driver.tree); it returns the last directory removed ("" if none), whose
// parent's entries changed.
func (d *Driver) removeEmpty(bucket, dir string) string {
	d.tree.Lock()
	defer d.tree.Unlock()
	top := ""
	for dir != bucket && strings.HasPrefix(dir, bucket+"/") {
		if d.root.Remove(dir) != nil {
			break
		}
		top, dir = dir, path.Dir(dir)
	}
	return top
}

// List walks the bucket in path order, component by component (the order
// of fs.WalkDir). The page token is the last name of the previous page; the
// walk skips whole directories that sort before it.
func (d *Driver) List(ctx context.Context, bucket string, opts gaia.ListOptions) (gaia.ListResult, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return gaia.ListResult{}, err
	}
	if opts.Limit < 1 {
		return gaia.ListResult{}, fmt.Errorf("disk list: limit %d < 1", opts.Limit)
	}
	var after []string
	if opts.Page != "" {
		if err := gaia.ValidatePath(opts.Page); err != nil {
			return gaia.ListResult{}, fmt.Errorf("%w: %v", gaia.ErrBadPage, err)
		}
		after = strings.Split(opts.Page, "/")
	}
	var names []string
	more := false
	err := fs.WalkDir(d.root.FS(), bucket, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			switch {
			case p == bucket && errors.Is(err, fs.ErrNotExist):
				return fs.SkipAll // no bucket yet: empty
			case errors.Is(err, fs.ErrNotExist):
				return nil // pruned during the walk: nothing left in it
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == bucket {
			return nil
		}
		rel := strings.Split(strings.TrimPrefix(p, bucket+"/"), "/")
		if de.IsDir() {
			if after != nil && !isPrefix(rel, after) && compare(rel, after) < 0 {
				return fs.SkipDir
			}
			return nil
		}
		if !de.Type().IsRegular() || after != nil && compare(rel, after) <= 0 {
			return nil
		}
		if len(names) == opts.Limit {
			more = true
			return fs.SkipAll
		}
		names = append(names, strings.Join(rel, "/"))
		return nil
	})
	if err != nil {
		return gaia.ListResult{}, fmt.Errorf("list %s: %w", bucket, err)
	}
	res := gaia.ListResult{Entries: make([]gaia.ObjectInfo, 0, len(names))}
	for _, n := range names {
		info := gaia.ObjectInfo{Name: n}
		if opts.Stat {
			if info, err = d.Stat(ctx, bucket, n); err != nil {
				if errors.Is(err, gaia.ErrNotFound) {
					continue // deleted since the walk
				}
				return gaia.ListResult{}, err
			}
		}
		res.Entries = append(res.Entries, info)
	}
	if more {
		res.NextPage = names[len(names)-1]
	}
	return res, nil
}

func isPrefix(dir, p []string) bool {
	return len(dir) < len(p) && slices.Equal(dir, p[:len(dir)])
}

// compare orders paths component by component, as fs.WalkDir visits them.
func compare(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// Package store keeps zone files on disk, addressed by their hash: the
// local replica that Atlas fills from peers and serves to them, that
// put_zonefiles writes to and that the REST API and the subdomain indexer
// read.
//
// It owns one folder. A zone file with hash abcdef… lives at
// <dir>/ab/cd/abcdef….txt (Blockstack v1's layout, so a v1 node's zonefiles
// folder can be opened as it is), and files that fail their hash check are
// moved to <dir>/corrupt/. It guarantees that
//
//   - only zone files whose hash the chain has named are stored: Put asks
//     the caller's NameSet first, so a peer cannot fill the disk with
//     unannounced data;
//   - a write is atomic and durable (temporary file, fsync, rename, fsync
//     of the folder): a crash leaves the old state or the new one, never a
//     partial file under a final name;
//   - every read is checked against the hash: a corrupt file is reported
//     (logged, and an error wrapping ErrCorrupt), moved aside rather than
//     deleted, and from then on treated as missing (the error also wraps
//     ErrNotFound), so Atlas fetches a good copy again;
//   - one process at a time uses the folder (an exclusive lock on
//     <dir>/LOCK), and within it every method is safe for concurrent use.
//
// It lives beside package zonefile, not in the atlas package, because more
// than Atlas reads and writes zone files, and none of those readers should
// depend on the peer network. It must not touch anything else: it does not
// parse zone files (Atlas replicates bytes, valid DNS or not), does not
// know the chain order of hashes (the name database does; Missing takes
// the list) and does no networking.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// NameSet tells whether the chain has named a zone file hash (some name
// operation set it as its value hash). The name database implements it over
// its zonefile_hashes table; an error means the answer is unknown, and Put
// then stores nothing.
type NameSet interface {
	Named(ctx context.Context, h zonefile.Hash) (bool, error)
}

// NameSetFunc adapts a function to NameSet.
type NameSetFunc func(ctx context.Context, h zonefile.Hash) (bool, error)

// Named calls f.
func (f NameSetFunc) Named(ctx context.Context, h zonefile.Hash) (bool, error) { return f(ctx, h) }

var (
	// ErrNotFound is wrapped when the store has no good copy of a zone file.
	ErrNotFound = errors.New("zone file not in store")
	// ErrCorrupt is wrapped, together with ErrNotFound, when the copy on
	// disk did not match its hash and was moved aside.
	ErrCorrupt = errors.New("zone file corrupt on disk")
	// ErrNotNamed is wrapped when Put refuses a zone file whose hash the
	// chain has not named.
	ErrNotNamed = errors.New("zone file hash not named on chain")
	// ErrClosed is returned by a closed store.
	ErrClosed = errors.New("zone file store closed")
)

const (
	lockName    = "LOCK"
	corruptDir  = "corrupt"
	fileSuffix  = ".txt"
	tempSuffix  = ".tmp"
	stripeCount = 256
)

// Store is an open zone file folder.
type Store struct {
	dir   string
	names NameSet
	log   *slog.Logger
	lock  *os.File

	mu      sync.RWMutex
	present map[zonefile.Hash]struct{} // nil once closed
	// stripes serialise the writes, repairs and quarantines of one hash
	// (picked by its first byte), so that a read that finds a corrupt file
	// cannot move aside a good copy that a concurrent Put just wrote.
	stripes [stripeCount]sync.Mutex
}

// Open opens (creating if needed) the store in dir. names decides what Put
// accepts; log (nil for none) receives corruption reports and notes about
// unexpected files. Open indexes the folder by file name without reading
// the files, so it is fast on a large store; Verify checks the contents.
// Temporary files left by a crash are removed.
func Open(dir string, names NameSet, log *slog.Logger) (*Store, error) {
	if names == nil {
		return nil, errors.New("store: Open needs a NameSet")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dir, corruptDir), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", dir, err)
	}
	s := &Store{dir: dir, names: names, log: log, lock: lock, present: map[zonefile.Hash]struct{}{}}
	if err := s.scan(); err != nil {
		lock.Close()
		return nil, fmt.Errorf("store: %s: %w", dir, err)
	}
	return s, nil
}

// scan indexes <dir>/xx/yy/<hash>.txt.
func (s *Store) scan() error {
	tops, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, top := range tops {
		if !top.IsDir() || !isHexPair(top.Name()) {
			continue // LOCK, corrupt/, or an operator's file: not ours to judge
		}
		subs, err := os.ReadDir(filepath.Join(s.dir, top.Name()))
		if err != nil {
			return err
		}
		for _, sub := range subs {
			shard := filepath.Join(s.dir, top.Name(), sub.Name())
			if !sub.IsDir() || !isHexPair(sub.Name()) {
				s.log.Warn("zone file store: ignoring unexpected entry", "path", shard)
				continue
			}
			files, err := os.ReadDir(shard)
			if err != nil {
				return err
			}
			for _, f := range files {
				if err := s.scanFile(shard, top.Name()+sub.Name(), f); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *Store) scanFile(shard, prefix string, f fs.DirEntry) error {
	path := filepath.Join(shard, f.Name())
	name := f.Name()
	if strings.HasPrefix(name, ".") && strings.HasSuffix(name, tempSuffix) {
		// A write that crashed before its rename; we hold the lock, so no
		// one else is writing it.
		if err := os.Remove(path); err != nil {
			return err
		}
		s.log.Info("zone file store: removed an unfinished write", "path", path)
		return nil
	}
	// The name must be exactly <lowercase hash>.txt, in its own shard.
	h, err := zonefile.ParseHash(strings.TrimSuffix(name, fileSuffix))
	if err != nil || f.IsDir() || name != h.String()+fileSuffix || !strings.HasPrefix(name, prefix) {
		s.log.Warn("zone file store: ignoring unexpected entry", "path", path)
		return nil
	}
	s.present[h] = struct{}{}
	return nil
}

func isHexPair(s string) bool {
	return len(s) == 2 && isLowerHex(s[0]) && isLowerHex(s[1])
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// Close releases the folder. Afterwards Has reports nothing present and
// Get, Put and Verify return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.present == nil {
		return nil
	}
	s.present = nil
	if err := s.lock.Close(); err != nil {
		return fmt.Errorf("store: releasing the lock: %w", err)
	}
	return nil
}

// Has reports whether the store holds the zone file, from its index: no
// disk access, so Atlas can build its inventory from it. A file corrupted
// behind the store's back counts as present until Get or Verify reads it.
func (s *Store) Has(h zonefile.Hash) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.present[h]
	return ok
}

// Len is the number of zone files present.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.present)
}

// Missing returns the hashes of the list that the store lacks, each once,
// in the list's order. Given the chain-ordered hashes from the name
// database, that is what Atlas has to fetch.
func (s *Store) Missing(hashes []zonefile.Hash) []zonefile.Hash {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []zonefile.Hash
	seen := map[zonefile.Hash]bool{}
	for _, h := range hashes {
		if _, ok := s.present[h]; !ok && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Get returns the zone file's bytes, checked against h. A file that fails
// the check is moved aside and reported: the error wraps ErrCorrupt and
// ErrNotFound. A file that is gone wraps ErrNotFound.
func (s *Store) Get(h zonefile.Hash) ([]byte, error) {
	if s.closed() {
		return nil, ErrClosed
	}
	data, err := s.load(h)
	var bad *corruption
	if !errors.As(err, &bad) {
		return data, err
	}
	// Re-read under the hash's lock before acting: a concurrent Put may
	// have replaced the bad copy.
	mu := s.stripe(h)
	mu.Lock()
	defer mu.Unlock()
	data, err = s.load(h)
	if !errors.As(err, &bad) {
		return data, err
	}
	dst, err := s.quarantine(h, bad)
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("store: zone file %s (%s, moved to %s): %w: %w", h, bad.reason, dst, ErrCorrupt, ErrNotFound)
}

// Put stores a zone file if the chain has named its hash, and returns the
// hash and whether it was new (false when a good copy was already there,
// so that Atlas gossips only what it just learned). Refusals wrap
// ErrNotNamed or zonefile.ErrTooLarge and leave the disk untouched. A
// corrupt copy already on disk is moved aside and replaced.
func (s *Store) Put(ctx context.Context, data []byte) (h zonefile.Hash, added bool, err error) {
	h = zonefile.HashOf(data)
	if len(data) > zonefile.MaxSize {
		return h, false, fmt.Errorf("store: zone file %s is %d bytes: %w (limit %d)", h, len(data), zonefile.ErrTooLarge, zonefile.MaxSize)
	}
	if s.closed() {
		return h, false, ErrClosed
	}
	// A good copy means the hash was named when it was stored: answer
	// without asking the name database, which peers' pushes would load.
	if s.Has(h) {
		if have, err := s.haveGood(h); err != nil || have {
			return h, false, err
		}
	}
	named, err := s.names.Named(ctx, h)
	if err != nil {
		return h, false, fmt.Errorf("store: is zone file %s named on chain: %w", h, err)
	}
	if !named {
		return h, false, fmt.Errorf("store: zone file %s: %w", h, ErrNotNamed)
	}
	mu := s.stripe(h)
	mu.Lock()
	defer mu.Unlock()
	if _, err := s.load(h); err == nil {
		s.setPresent(h) // a concurrent Put won the race
		return h, false, nil
	}
	if err := s.write(h, data); err != nil {
		return h, false, err
	}
	s.setPresent(h)
	return h, true, nil
}

// haveGood checks an indexed copy, quarantining it if it is corrupt and
// unindexing it if it has vanished.
func (s *Store) haveGood(h zonefile.Hash) (bool, error) {
	mu := s.stripe(h)
	mu.Lock()
	defer mu.Unlock()
	_, err := s.load(h)
	var bad *corruption
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &bad):
		_, err := s.quarantine(h, bad)
		return false, err
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

// presentHashes lists the hashes the store holds.
func (s *Store) presentHashes() ([]zonefile.Hash, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.present == nil {
		return nil, ErrClosed
	}
	hashes := make([]zonefile.Hash, 0, len(s.present))
	for h := range s.present {
		hashes = append(hashes, h)
	}
	return hashes, nil
}

// Verify reads every indexed zone file and checks its hash, as Get does:
// corrupt files are moved aside and vanished ones unindexed. It returns the
// hashes that are no longer present, so that Atlas can fetch them again.
// It stops early, with ctx's error, when ctx is done.
func (s *Store) Verify(ctx context.Context) ([]zonefile.Hash, error) {
	hashes, err := s.presentHashes()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(hashes, func(a, b zonefile.Hash) int { return bytes.Compare(a[:], b[:]) })

	var lost []zonefile.Hash
	for _, h := range hashes {
		if err := ctx.Err(); err != nil {
			return lost, err
		}
		have, err := s.haveGood(h)
		if err != nil {
			return lost, err
		}
		if !have {
			lost = append(lost, h)
		}
	}
	return lost, nil
}

func (s *Store) closed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.present == nil
}

func (s *Store) setPresent(h zonefile.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.present != nil {
		s.present[h] = struct{}{}
	}
}

func (s *Store) unsetPresent(h zonefile.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.present, h)
}

func (s *Store) stripe(h zonefile.Hash) *sync.Mutex { return &s.stripes[h[0]] }

func (s *Store) shard(h zonefile.Hash) string {
	x := h.String()
	return filepath.Join(s.dir, x[0:2], x[2:4])
}

func (s *Store) path(h zonefile.Hash) string {
	return filepath.Join(s.shard(h), h.String()+fileSuffix)
}

// corruption says why a file failed its check.
type corruption struct{ reason string }

func (c *corruption) Error() string { return c.reason }

// load reads and checks one zone file. A missing file wraps ErrNotFound
// (and is unindexed); a bad one is a *corruption; anything else is an I/O
// error to pass on.
func (s *Store) load(h zonefile.Hash) ([]byte, error) {
	f, err := os.Open(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		if s.Has(h) {
			s.unsetPresent(h)
			s.log.Warn("zone file store: indexed zone file has vanished", "hash", h, "path", s.path(h))
		}
		return nil, fmt.Errorf("store: zone file %s: %w", h, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	// Read one byte past the limit, so an oversized file is caught without
	// reading all of it.
	data, err := io.ReadAll(io.LimitReader(f, zonefile.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("store: reading zone file %s: %w", h, err)
	}
	if len(data) > zonefile.MaxSize {
		return nil, &corruption{fmt.Sprintf("more than %d bytes", zonefile.MaxSize)}
	}
	if got := zonefile.HashOf(data); got != h {
		return nil, &corruption{fmt.Sprintf("its %d bytes hash to %s", len(data), got)}
	}
	return data, nil
}

// quarantine moves a corrupt file to <dir>/corrupt/ (keeping it for
// inspection rather than deleting evidence), unindexes it, logs it and
// returns where it went. The caller holds the hash's stripe.
func (s *Store) quarantine(h zonefile.Hash, bad *corruption) (string, error) {
	src := s.path(h)
	dst := filepath.Join(s.dir, corruptDir, fmt.Sprintf("%s.%d%s", h, time.Now().UnixNano(), fileSuffix))
	if err := os.Rename(src, dst); err != nil {
		s.log.Error("zone file store: corrupt zone file could not be moved aside", "hash", h, "path", src, "reason", bad.reason, "err", err)
		return "", fmt.Errorf("store: zone file %s is corrupt (%s) and could not be moved aside: %w", h, bad.reason, err)
	}
	s.unsetPresent(h)
	s.log.Error("zone file store: corrupt zone file moved aside", "hash", h, "reason", bad.reason, "moved_to", dst)
	return dst, nil
}

// write puts data at its final path atomically and durably. The caller
// holds the hash's stripe.
func (s *Store) write(h zonefile.Hash, data []byte) error {
	shard := s.shard(h)
	if err := mkdirSynced(filepath.Dir(shard)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := mkdirSynced(shard); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	tmp, err := os.CreateTemp(shard, "."+h.String()+".*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path(h))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store: writing zone file %s: %w", h, err)
	}
	if err := syncDir(shard); err != nil {
		return fmt.Errorf("store: writing zone file %s: %w", h, err)
	}
	return nil
}

// mkdirSynced creates a folder if it is missing and then syncs its parent,
// so that the new entry survives a crash along with the file inside it.
func mkdirSynced(path string) error {
	err := os.Mkdir(path, 0o700)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

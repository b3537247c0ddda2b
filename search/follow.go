package search

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-blockstack/go-blockstack/namedb"
)

// ErrNotReady is what Search answers (wrapped) before the first index is
// built.
var ErrNotReady = errors.New("the search index is being built")

// Names is the name database (namedb.DB implements it).
type Names interface {
	LastBlock(ctx context.Context) (namedb.Block, bool, error)
	BlockAt(ctx context.Context, height int64) (namedb.Block, error)
	BlockHistory(ctx context.Context, height int64) ([]namedb.HistoryEntry, error)
	CurrentName(ctx context.Context, name string) (*namedb.NameRecord, int64, error)
	EachName(ctx context.Context, fn func(name string, expireBlock int64, revoked bool) error) (namedb.Block, error)
}

// Subdomains is the subdomain index (subdomains.Indexer implements it).
type Subdomains interface {
	NamesAfter(ctx context.Context, after int64, limit int) ([]string, int64, error)
	Commits() uint64
	Removals() uint64
}

// rebuildBehind is how many blocks behind the follower builds a new index
// rather than reading each block's operations: past it, one scan of the
// names table is the cheaper.
const rebuildBehind = 1000

// subdomainPage is how many subdomains one query reads.
const subdomainPage = 10_000

// Follower keeps an Index current with a name database and a subdomain
// index, and answers searches from it.
type Follower struct {
	names Names
	subs  Subdomains // nil: none
	log   *slog.Logger

	ix atomic.Pointer[Index]

	mu sync.Mutex // held by a step (a build included: searches then use the last index)
	// profiles are the names in names' verified profiles (SetProfile),
	// kept so that a new index gets them too.
	profiles map[string]string
	block    namedb.Block
	subMark  int64  // NamesAfter's mark of the last subdomain indexed
	commits  uint64 // subs.Commits() when subMark was read
	subsRead bool   // subMark and commits are set
	removals uint64 // subs.Removals() when the index was built
}

// NewFollower returns a Follower of names and subs (nil: no subdomains);
// log may be nil.
func NewFollower(names Names, subs Subdomains, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Follower{names: names, subs: subs, log: log}
}

// Run builds the index, then keeps it current until ctx ends, so that a
// search seldom has more than a block to catch up. Failures are logged
// and retried.
func (f *Follower) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if err := f.Step(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("search: following the name database", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step brings the index up to the name database's last block and the
// subdomain index's last subdomain: the names each new block's accepted
// operations touched, then the subdomains accepted since. A
// reorganisation (the block it last read is gone), a subdomain taken away
// or a long way to catch up builds a new index instead.
func (f *Follower) Step(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.step(ctx, true)
}

// step is Step with f.mu held; without mayBuild it leaves the index as it
// is where Step would build a new one.
func (f *Follower) step(ctx context.Context, mayBuild bool) error {
	ix := f.ix.Load()
	last, ok, err := f.names.LastBlock(ctx)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	rebuild := ix == nil || last.Height < f.block.Height || last.Height-f.block.Height > rebuildBehind ||
		f.subs != nil && f.subs.Removals() != f.removals
	if !rebuild && ok && f.block.Height > 0 && last.Hash != f.block.Hash {
		b, err := f.names.BlockAt(ctx, f.block.Height)
		switch {
		case errors.Is(err, namedb.ErrNotFound):
			rebuild = true
		case err != nil:
			return fmt.Errorf("search: %w", err)
		default:
			rebuild = b.Hash != f.block.Hash
		}
	}
	if rebuild {
		if !mayBuild {
			return nil
		}
		return f.build(ctx)
	}
	if ok && last.Hash != f.block.Hash {
		for h := f.block.Height + 1; h <= last.Height; h++ {
			if err := f.addBlock(ctx, ix, h); err != nil {
				return err
			}
		}
		f.block = last
	}
	return f.readSubdomains(ctx, func(n string) { ix.Put(n, Subdomain, -1, false) })
}

// build builds a new index from scratch and puts it in place.
func (f *Follower) build(ctx context.Context) error {
	start := time.Now()
	ix := NewIndex()
	var removals uint64
	if f.subs != nil {
		// Read before the subdomains are: a removal meanwhile makes
		// the next step build again.
		removals = f.subs.Removals()
	}
	f.subMark, f.subsRead = 0, false
	var last namedb.Block
	err := ix.load(func(put func(string, Kind, int64, bool)) error {
		var err error
		last, err = f.names.EachName(ctx, func(name string, expireBlock int64, revoked bool) error {
			f.putName(put, name, expireBlock, revoked)
			return nil
		})
		if err != nil {
			return fmt.Errorf("search: building the index: %w", err)
		}
		return f.readSubdomains(ctx, func(n string) { put(n, Subdomain, -1, false) })
	})
	if err != nil {
		return err
	}
	f.block, f.removals = last, removals
	f.ix.Store(ix)
	f.log.Info("search: index built", "names", ix.Len(), "block", last.Height, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// addBlock indexes the names block height's accepted operations touched,
// as they stand now.
func (f *Follower) addBlock(ctx context.Context, ix *Index, height int64) error {
	ops, err := f.names.BlockHistory(ctx, height)
	if err != nil {
		return fmt.Errorf("search: block %d: %w", height, err)
	}
	for _, op := range ops {
		// Preorders are named by their hash, namespace operations by
		// the namespace's id: only name operations name a name.
		if !op.Accepted || !strings.HasPrefix(op.Op, "NAME_") || strings.HasSuffix(op.Op, "PREORDER") {
			continue
		}
		rec, _, err := f.names.CurrentName(ctx, op.Subject)
		if errors.Is(err, namedb.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("search: block %d: %w", height, err)
		}
		f.putName(ix.Put, rec.Name, rec.ExpireBlock, rec.Revoked)
	}
	return nil
}

// putName indexes an on-chain name with put and, if its profile gave one
// (SetProfile), its profile's name under the name's own state.
func (f *Follower) putName(put func(string, Kind, int64, bool), name string, expireBlock int64, revoked bool) {
	put(name, Name, expireBlock, revoked)
	if person, ok := f.profiles[name]; ok {
		put(ProfileKey(person, name), Profile, expireBlock, revoked)
	}
}

// SetProfile indexes the name in name's verified profile (person; "":
// none), in place of the one it had, under the name's own expiry and
// revocation, which follow the name's as blocks change it.
func (f *Follower) SetProfile(name, person string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, had := f.profiles[name]
	if had && old == person {
		return
	}
	ix := f.ix.Load()
	if had && ix != nil {
		ix.Put(ProfileKey(old, name), Profile, -1, true) // no longer listed
	}
	if person == "" {
		delete(f.profiles, name)
		return
	}
	if f.profiles == nil {
		f.profiles = map[string]string{}
	}
	f.profiles[name] = person
	if ix != nil {
		if expire, revoked, ok := ix.State(name); ok {
			ix.Put(ProfileKey(person, name), Profile, expire, revoked)
		}
	}
}

// readSubdomains calls put with each subdomain accepted since the last
// call.
func (f *Follower) readSubdomains(ctx context.Context, put func(name string)) error {
	if f.subs == nil {
		return nil
	}
	commits := f.subs.Commits()
	if f.subsRead && commits == f.commits {
		return nil
	}
	for {
		names, mark, err := f.subs.NamesAfter(ctx, f.subMark, subdomainPage)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for _, n := range names {
			put(n)
		}
		f.subMark = mark
		if len(names) < subdomainPage {
			f.commits, f.subsRead = commits, true
			return nil
		}
	}
}

// Search answers a query (any case) from an index caught up with the
// name database's last block, limit results from the offset-th, and
// whether more follow; live is as for Index.Query. It reads the blocks
// since the last step itself, but never builds a new index nor waits for
// a step in progress: those are Run's, on its own context, so that a
// client who leaves throws no build away and no search waits seconds.
// Until Run's index is in place it answers from the last one, or
// ErrNotReady if there is none yet.
func (f *Follower) Search(ctx context.Context, q string, offset, limit int, live func(expireBlock int64, revoked bool) bool) ([]Hit, bool, error) {
	if f.mu.TryLock() {
		err := func() error {
			defer f.mu.Unlock()
			return f.step(ctx, false)
		}()
		if err != nil {
			return nil, false, err
		}
	}
	ix := f.ix.Load()
	if ix == nil {
		return nil, false, ErrNotReady
	}
	hits, more := ix.Query(strings.ToLower(q), offset, limit, live)
	return hits, more, nil
}

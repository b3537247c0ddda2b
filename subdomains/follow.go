package subdomains

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Inventory is the chain's list of zone file hashes, in chain order
// (namedb.DB implements it).
type Inventory interface {
	ZonefileHashes(ctx context.Context, from int64, limit int) ([]namedb.ZonefileHash, error)
}

// Zonefiles is where a node keeps the zone files it holds
// (zonefile/store.Store implements it).
type Zonefiles interface {
	Has(h zonefile.Hash) bool
	Get(h zonefile.Hash) ([]byte, error)
}

// Follower feeds an Indexer a node's zone files: every inventory row whose
// zone file the node holds, as the rows appear and as the files arrive
// (Atlas brings them in any order, which the Indexer does not mind). When
// the inventory is cut back (a reorganisation rewinds the name database,
// which then reuses the row numbers), it rewinds the Indexer to the first
// row that changed.
type Follower struct {
	ix   *Indexer
	inv  Inventory
	zfs  Zonefiles
	log  *slog.Logger
	wake chan struct{}

	next    int64                         // the first row not looked at yet
	recent  []namedb.ZonefileHash         // the last rows looked at, to notice a rewind
	waiting map[int64]namedb.ZonefileHash // rows whose zone file is not here yet
	retried time.Time                     // when waiting rows were last tried
}

const (
	followPage   = 500
	followWindow = 2000 // rows kept to notice a rewind; a deeper one re-reads all
	followPoll   = time.Second
	retryEvery   = 10 * time.Second // waiting rows, without news of an arrival
)

// NewFollower makes a Follower; log may be nil.
func NewFollower(ix *Indexer, inv Inventory, zfs Zonefiles, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Follower{ix: ix, inv: inv, zfs: zfs, log: log, wake: make(chan struct{}, 1),
		next: 1, waiting: map[int64]namedb.ZonefileHash{}}
}

// Arrived tells the Follower that a zone file arrived, so that rows
// waiting for one are tried at once. It never blocks.
func (f *Follower) Arrived(zonefile.Hash) {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Run follows until ctx ends. Failures are logged and retried.
func (f *Follower) Run(ctx context.Context) {
	woken := true
	for {
		if err := f.Step(ctx, woken); err != nil && ctx.Err() == nil {
			f.log.Error("subdomains: following the zone file inventory", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
			woken = true
		case <-time.After(followPoll):
			woken = false
		}
	}
}

// Step does one round: notices a rewind, indexes the new rows whose zone
// files are here, and, if retry or a while has passed, the waiting ones.
func (f *Follower) Step(ctx context.Context, retry bool) error {
	if err := f.checkRewind(ctx); err != nil {
		return err
	}
	for {
		rows, err := f.inv.ZonefileHashes(ctx, f.next, followPage)
		if err != nil {
			return err
		}
		var indexed map[int64]zonefile.Hash
		if len(rows) > 0 {
			if indexed, err = f.ix.IndexedBetween(ctx, rows[0].Seq, rows[len(rows)-1].Seq); err != nil {
				return err
			}
		}
		for _, row := range rows {
			if err := f.take(ctx, row, indexed); err != nil {
				return err
			}
			f.recent = append(f.recent, row)
			f.next = row.Seq + 1
		}
		if over := len(f.recent) - followWindow; over > 0 {
			f.recent = append(f.recent[:0], f.recent[over:]...)
		}
		if len(rows) < followPage {
			break
		}
	}
	// Rows the indexer holds past the inventory's end were cut while we
	// were not looking (before a restart).
	if _, ok, err := f.ix.Indexed(ctx, f.next); err != nil {
		return err
	} else if ok {
		f.log.Warn("subdomains: the inventory ends before the indexed zone files; rewinding", "at", f.next)
		if err := f.ix.Rewind(ctx, f.next); err != nil {
			return err
		}
	}
	if retry || time.Since(f.retried) >= retryEvery {
		f.retried = time.Now()
		for _, row := range f.waiting {
			if err := f.take(ctx, row, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRewind compares the rows looked at last with the inventory now and
// rewinds the indexer from the first that changed.
func (f *Follower) checkRewind(ctx context.Context) error {
	if len(f.recent) == 0 {
		return nil
	}
	rows, err := f.inv.ZonefileHashes(ctx, f.recent[0].Seq, len(f.recent))
	if err != nil {
		return err
	}
	same := 0
	for same < len(f.recent) && same < len(rows) && rows[same] == f.recent[same] {
		same++
	}
	if same == len(f.recent) {
		return nil
	}
	from := f.recent[same].Seq
	if same == 0 {
		from = 1 // deeper than the window: start over
	}
	f.log.Warn("subdomains: the zone file inventory was rewound", "from", from)
	if err := f.ix.Rewind(ctx, from); err != nil {
		return err
	}
	if same == 0 {
		f.recent = f.recent[:0]
	} else {
		f.recent = f.recent[:same]
	}
	for seq := range f.waiting {
		if seq >= from {
			delete(f.waiting, seq)
		}
	}
	f.next = from
	return nil
}

// take indexes row if its zone file is here, or leaves it waiting.
// indexed, for a row not looked at before, holds what the indexer already
// has around it (from before a restart); it is nil for a waiting row.
func (f *Follower) take(ctx context.Context, row namedb.ZonefileHash, indexed map[int64]zonefile.Hash) error {
	h, err := zonefile.ParseHash(row.Hash)
	if err != nil {
		return fmt.Errorf("subdomains: inventory row %d: %w", row.Seq, err)
	}
	if have, ok := indexed[row.Seq]; ok && have == h {
		return nil
	}
	if !f.zfs.Has(h) {
		f.waiting[row.Seq] = row
		return nil
	}
	data, err := f.zfs.Get(h)
	if err != nil {
		f.log.Warn("subdomains: reading a zone file", "hash", row.Hash, "err", err)
		f.waiting[row.Seq] = row
		return nil
	}
	ref, err := RefOf(row, data)
	if err != nil {
		return err
	}
	err = f.ix.AddZonefile(ctx, ref)
	if errors.Is(err, ErrConflict) {
		// The indexer holds another zone file at this row: the chain
		// was reorganised while it was not followed.
		if err = f.ix.Rewind(ctx, row.Seq); err == nil {
			err = f.ix.AddZonefile(ctx, ref)
		}
	}
	if err != nil {
		return err
	}
	delete(f.waiting, row.Seq)
	return nil
}

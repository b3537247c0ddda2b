package namedb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
)

// TestReadersSeeCommittedNames: name look-ups answer the last commit while
// a transaction is open, after a rollback and after a rewind, the same
// from the writer's memory as from SQLite (a second handle, which has no
// writer).
func TestReadersSeeCommittedNames(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "names.db")
	db, err := namedb.Open(path)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	other, err := namedb.Open(path)
	must(t, err)
	t.Cleanup(func() { other.Close() })

	rec := func(name, value string, height int64) *namedb.NameRecord {
		return &namedb.NameRecord{Name: name, NamespaceID: "id", Address: "addr" + name, ValueHash: value, ExpireBlock: 1000, BlockNumber: height}
	}
	// want maps each name to its zone file hash ("" for no such name).
	check := func(step string, height int64, want map[string]string) {
		t.Helper()
		for _, h := range []struct {
			what string
			db   *namedb.DB
		}{{"writer", db}, {"other handle", other}} {
			for name, value := range want {
				r, at, err := h.db.CurrentName(ctx, name)
				switch {
				case value == "" && !errors.Is(err, namedb.ErrNotFound):
					t.Errorf("%s, %s: %s: got %+v, %v; want not found", step, h.what, name, r, err)
				case value == "":
				case err != nil:
					t.Errorf("%s, %s: %s: %v", step, h.what, name, err)
				case r.ValueHash != value || at != height:
					t.Errorf("%s, %s: %s: value %q at %d, want %q at %d", step, h.what, name, r.ValueHash, at, value, height)
				}
				if r, err := h.db.Name(ctx, name); value != "" && (err != nil || r.ValueHash != value) {
					t.Errorf("%s, %s: Name(%s) = %+v, %v; want value %q", step, h.what, name, r, err, value)
				}
			}
		}
		// Owners, committed: the writer's memory answers as SQLite does.
		for _, addr := range []string{"addralice.id", "addrbob.id", "addrcarol.id", "addrdave.id", "shared"} {
			mem, err := db.NamesOf(ctx, addr)
			must(t, err)
			sql, err := other.NamesOf(ctx, addr)
			must(t, err)
			if !slices.Equal(mem, sql) || mem == nil {
				t.Errorf("%s: NamesOf(%s) = %q from memory, %q from SQLite", step, addr, mem, sql)
			}
		}
	}
	// shared is rec with another owner.
	shared := func(name, value string, height int64) *namedb.NameRecord {
		r := rec(name, value, height)
		r.Address = "shared"
		return r
	}

	block(t, db, 1, func(tx *namedb.Tx) {
		must(t, tx.PutName(rec("alice.id", "a1", 1)))
		must(t, tx.PutName(rec("bob.id", "b1", 1)))
	})
	committed := map[string]string{"alice.id": "a1", "bob.id": "b1", "carol.id": ""}
	check("block 1", 1, committed)

	// Blocks 2 and 3 in one transaction: nothing shows before Finish.
	tx, err := db.Begin(ctx, 2)
	must(t, err)
	must(t, tx.PutName(rec("alice.id", "a2", 2)))
	must(t, tx.DeleteName("bob.id"))
	must(t, tx.PutName(rec("carol.id", "c2", 2)))
	must(t, tx.EndBlock(namedb.Block{Height: 2, Hash: "h2"}, nil))
	check("block 2 ended, not committed", 1, committed)
	must(t, tx.PutName(shared("alice.id", "a3", 3)))
	must(t, tx.EndBlock(namedb.Block{Height: 3, Hash: "h3"}, nil))
	check("block 3 ended, not committed", 1, committed)
	must(t, tx.Finish())
	committed = map[string]string{"alice.id": "a3", "bob.id": "", "carol.id": "c2"}
	check("blocks 2–3 committed", 3, committed)

	// A rolled-back block leaves no trace, and the next one is seen.
	tx, err = db.Begin(ctx, 4)
	must(t, err)
	must(t, tx.PutName(rec("alice.id", "a4", 4)))
	must(t, tx.PutName(shared("bob.id", "b4", 4)))
	check("block 4 open", 3, committed)
	must(t, tx.Rollback())
	check("block 4 rolled back", 3, committed)
	block(t, db, 4, func(tx *namedb.Tx) { must(t, tx.PutName(rec("bob.id", "b4", 4))) })
	check("block 4 committed", 4, map[string]string{"alice.id": "a3", "bob.id": "b4", "carol.id": "c2"})

	must(t, db.Rewind(ctx, 3))
	check("rewound to 3", 3, committed)
	block(t, db, 4, func(tx *namedb.Tx) { must(t, tx.PutName(rec("dave.id", "d4", 4))) })
	check("block 4 again", 4, map[string]string{"alice.id": "a3", "bob.id": "", "carol.id": "c2", "dave.id": "d4"})
}

// TestReadersNeverSeeHalfBlocks: every block rewrites every name with its
// height, so a look-up must find the record of exactly the block it
// reports as the last, while readers race the writer.
func TestReadersNeverSeeHalfBlocks(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	const names, blocks = 20, 60
	nameOf := func(i int) string { return fmt.Sprintf("n%02d.id", i) }
	write := func(tx *namedb.Tx, height int64) {
		for i := range names {
			must(t, tx.PutName(&namedb.NameRecord{Name: nameOf(i), NamespaceID: "id", Address: "a", BlockNumber: height}))
		}
	}
	block(t, db, 1, func(tx *namedb.Tx) { write(tx, 1) })

	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ctx.Err() == nil; i++ {
				r, height, err := db.CurrentName(ctx, nameOf(i%names))
				if err == nil && r.BlockNumber != height {
					err = fmt.Errorf("%s: record of block %d at block %d", r.Name, r.BlockNumber, height)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Two blocks per transaction: the first ended block must not show
	// either.
	for h := int64(2); h < blocks; h += 2 {
		tx, err := db.Begin(ctx, h)
		must(t, err)
		write(tx, h)
		must(t, tx.EndBlock(namedb.Block{Height: h}, nil))
		write(tx, h+1)
		must(t, tx.EndBlock(namedb.Block{Height: h + 1}, nil))
		must(t, tx.Finish())
	}
	stop()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

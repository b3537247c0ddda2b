package namedb_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// verifyProof checks a StateProof as a light client does and returns the
// name's record as of the proof's block (nil: unregistered).
func verifyProof(t *testing.T, p *namedb.StateProof, name string) *namedb.NameRecord {
	t.Helper()
	var root statetree.Hash
	if _, err := hex.Decode(root[:], []byte(p.Block.StateRoot)); err != nil {
		t.Fatal(err)
	}
	value, present, err := p.NameProof.Verify(root, consensus.NameKey(name))
	must(t, err)
	if present != (p.Name != nil) || present && value != consensus.RecordHash(p.Name) {
		t.Fatalf("%s at block %d: the proof (present %v) does not match the record %s", name, p.Block.Height, present, p.Name)
	}
	ns := name[strings.LastIndexByte(name, '.')+1:]
	if _, _, err := p.NamespaceProof.Verify(root, consensus.NamespaceKey(ns)); err != nil {
		t.Fatal(err)
	}
	if p.Name == nil {
		return nil
	}
	var r namedb.NameRecord
	must(t, json.Unmarshal(p.Name, &r))
	return &r
}

// TestStateProofs: a name's record, as of the last block and as of earlier
// ones, proved against each block's state root; its absence before it was
// registered and after it was removed; roots that survive a reopen and a
// rewind; a state that does not match its block's root refused at load.
func TestStateProofs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "names.db")
	db, err := namedb.Open(path)
	must(t, err)

	rec := func(owner string, block int64) *namedb.NameRecord {
		return &namedb.NameRecord{Name: "alice.id", NamespaceID: "id", Address: owner, ValueHash: "v", FirstRegistered: 2,
			LastRenewed: 2, ExpireBlock: 100, Op: "NAME_REGISTRATION", BlockNumber: block}
	}
	block(t, db, 1, func(tx *namedb.Tx) {
		must(t, tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "id", Lifetime: 100}))
	})
	block(t, db, 2, func(tx *namedb.Tx) { must(t, tx.PutName(rec("owner1", 2))) })
	block(t, db, 3, func(tx *namedb.Tx) {
		must(t, tx.PutName(rec("owner2", 3)))
		must(t, tx.PutName(rec("owner3", 3))) // twice in a block: the last counts
	})
	bob := func(tx *namedb.Tx) {
		must(t, tx.PutName(&namedb.NameRecord{Name: "bob.id", NamespaceID: "id", Address: "b"}))
	}
	block(t, db, 4, bob)
	block(t, db, 5, func(tx *namedb.Tx) { must(t, tx.DeleteName("alice.id")) })

	want := map[int64]string{1: "", 2: "owner1", 3: "owner3", 4: "owner3", 5: ""}
	roots := map[int64]string{}
	check := func(db *namedb.DB) {
		t.Helper()
		for h, owner := range want {
			p, err := db.ProveName(ctx, "alice.id", h)
			must(t, err)
			if p.Block.Height != h {
				t.Fatalf("asked for block %d, proved %d", h, p.Block.Height)
			}
			r := verifyProof(t, p, "alice.id")
			if got := ""; r != nil && r.Address != owner || r == nil && owner != got {
				t.Errorf("block %d: record %+v, want owner %q", h, r, owner)
			}
			if roots[h] == "" {
				roots[h] = p.Block.StateRoot
			} else if roots[h] != p.Block.StateRoot {
				t.Errorf("block %d: root %s, earlier %s", h, p.Block.StateRoot, roots[h])
			}
		}
	}
	check(db)
	if roots[3] == roots[4] || roots[1] == roots[2] {
		t.Fatalf("a block that changed the state kept the root: %v", roots)
	}
	p, err := db.ProveName(ctx, "alice.id", 0)
	must(t, err)
	if p.Block.Height != 5 {
		t.Fatalf("height 0 proved block %d, want the last, 5", p.Block.Height)
	}
	if _, err := db.ProveName(ctx, "alice.id", 6); !errors.Is(err, namedb.ErrNotFound) {
		t.Fatalf("a block not yet indexed: %v, want ErrNotFound", err)
	}

	// Reopened, the state is loaded again and checked against block 5's
	// root; the first Begin does that.
	must(t, db.Close())
	db, err = namedb.Open(path)
	must(t, err)
	block(t, db, 6, func(*namedb.Tx) {})
	want[6] = ""
	check(db)

	// Rewound to block 3 and block 4 applied again, the roots are the same.
	must(t, db.Rewind(ctx, 3))
	block(t, db, 4, bob)
	delete(want, 5)
	delete(want, 6)
	check(db)
	must(t, db.Close())

	// A state table changed behind the database's back is refused at load.
	raw, err := sql.Open("sqlite", path)
	must(t, err)
	_, err = raw.Exec(`UPDATE names SET record = replace(record, 'owner3', 'thief') WHERE name = 'alice.id'`)
	must(t, err)
	must(t, raw.Close())
	db, err = namedb.Open(path)
	must(t, err)
	defer db.Close()
	if _, err := db.Begin(ctx, 5); err == nil || !strings.Contains(err.Error(), "inconsistent") {
		t.Fatalf("a tampered state loaded: %v", err)
	}
}

// TestStateProofsWhileIndexing: proofs asked while blocks commit verify
// against the block they name, or say to try again; never anything else.
func TestStateProofsWhileIndexing(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	block(t, db, 1, func(tx *namedb.Tx) { must(t, tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "id"})) })
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var err error
			defer func() { errs <- err }()
			for {
				select {
				case <-done:
					return
				default:
				}
				p, perr := db.ProveName(ctx, "alice.id", 0)
				if errors.Is(perr, namedb.ErrStateBusy) {
					continue
				}
				if perr != nil {
					err = perr
					return
				}
				var root statetree.Hash
				hex.Decode(root[:], []byte(p.Block.StateRoot))
				if value, present, verr := p.NameProof.Verify(root, consensus.NameKey("alice.id")); verr != nil ||
					present != (p.Name != nil) || present && value != consensus.RecordHash(p.Name) {
					err = errors.Join(errors.New("a proof that does not verify"), verr)
					return
				}
			}
		}()
	}
	for h := int64(2); h < 150; h++ {
		block(t, db, h, func(tx *namedb.Tx) {
			must(t, tx.PutName(&namedb.NameRecord{Name: "alice.id", NamespaceID: "id", Address: "a", BlockNumber: h}))
		})
	}
	close(done)
	for range 4 {
		must(t, <-errs)
	}
}

// TestStateProofUndoBound: a block whose proof would take the tree back
// over more changes than the node unwinds for one look-up is refused, and
// a later one proved.
func TestStateProofUndoBound(t *testing.T) {
	ctx := context.Background()
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	block(t, db, 1, func(tx *namedb.Tx) { must(t, tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "id"})) })
	block(t, db, 2, func(tx *namedb.Tx) {
		for i := range 10_001 {
			must(t, tx.PutName(&namedb.NameRecord{Name: fmt.Sprintf("n%d.id", i), NamespaceID: "id"}))
		}
	})
	if _, err := db.ProveName(ctx, "n1.id", 1); !errors.Is(err, namedb.ErrBeyondProofs) {
		t.Fatalf("a proof over 10,001 changes: %v, want ErrBeyondProofs", err)
	}
	if _, err := db.ProveName(ctx, "n1.id", 2); err != nil {
		t.Fatal(err)
	}
}

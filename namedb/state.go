package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// state is the writer's in-memory copy of the state tables (names,
// namespaces, preorders) and of the owner index (the names and their
// owners in a nameTable, which holds no pointer for the collector to
// mark), so that the rules read nothing from SQLite: indexing does a few
// inserts per operation instead of a dozen statements. It reflects the open write transaction; a
// rollback or a rewind discards it, and the next Begin reloads it.
//
// The readers look names up in it too (committedName), as of the last
// commit: a lookup in SQLite cost more than the HTTP request around it,
// because every commit makes each reader connection re-read its pages.
// For that, names is guarded by mu, and before keeps, for each name the
// open transaction changed, its record as last committed; a commit clears
// it. The writer takes mu for each change and the readers only for a map
// look-up, so neither waits on the other for longer than that.
type state struct {
	names      *nameTable
	namespaces map[string]*NamespaceRecord
	preorders  map[string]*Preorder

	// tree is the state's commitment (statecommit.go), as of the block
	// treeHeight; settled, while that block is not yet committed, is
	// closed when it is (or when the state is dropped).
	tree       *statetree.Tree
	treeHeight int64
	settled    chan struct{}
	dropped    bool

	mu     sync.RWMutex
	before map[string]*packedName // nil: the name did not exist; nil map while loading
	// beforeOwned are, by address, the names in before whose committed
	// record that address owns.
	beforeOwned map[string][]string
}

// packedName is a name's record with its strings in one: in the table,
// a view of its slot whose strings point into the arena.
type packedName struct {
	strs string
	nameFields
}

func packName(r *NameRecord) packedName {
	fields := [...]string{r.Name, r.NamespaceID, r.Address, r.Sender, r.ValueHash, r.PreorderHash, r.Op, r.Txid}
	n := 0
	for _, f := range fields {
		n += len(f)
	}
	var b strings.Builder
	b.Grow(n)
	p := packedName{nameFields: nameFields{firstRegistered: r.FirstRegistered, lastRenewed: r.LastRenewed, expireBlock: r.ExpireBlock,
		blockNumber: r.BlockNumber, vtxindex: r.Vtxindex, revoked: r.Revoked, imported: r.Imported}}
	for i, f := range fields {
		b.WriteString(f)
		p.ends[i] = uint32(b.Len())
	}
	p.strs = b.String()
	return p
}

// field is the i-th string of the record (in packName's order).
func (p *packedName) field(i int) string {
	from := uint32(0)
	if i > 0 {
		from = p.ends[i-1]
	}
	return p.strs[from:p.ends[i]]
}

func (p *packedName) name() string    { return p.field(0) }
func (p *packedName) address() string { return p.field(2) }

// record is a copy of the record; its strings share the packed ones.
func (p *packedName) record() *NameRecord {
	return &NameRecord{Name: p.field(0), NamespaceID: p.field(1), Address: p.field(2), Sender: p.field(3),
		ValueHash: p.field(4), PreorderHash: p.field(5), Op: p.field(6), Txid: p.field(7),
		FirstRegistered: p.firstRegistered, LastRenewed: p.lastRenewed, ExpireBlock: p.expireBlock,
		Revoked: p.revoked, Imported: p.imported, Vtxindex: p.vtxindex, BlockNumber: p.blockNumber}
}

// name is a copy of a name's record, or nil.
func (s *state) name(name string) *NameRecord {
	p, ok := s.names.get(name)
	if !ok {
		return nil
	}
	return p.record()
}

// loadState reads the state tables, as of the block last (Height −1: an
// empty database), and checks them against that block's state root.
func loadState(ctx context.Context, db *sql.DB, last Block) (*state, error) {
	s := &state{
		names:      newNameTable(),
		namespaces: map[string]*NamespaceRecord{},
		preorders:  map[string]*Preorder{},
	}
	var entries []statetree.Entry
	err := loadTable(ctx, db, "names", func(r *NameRecord, raw []byte) {
		s.setName(r.Name, r)
		entries = append(entries, statetree.Entry{Key: consensus.NameKey(r.Name), Value: consensus.RecordHash(raw)})
	})
	if err != nil {
		return nil, err
	}
	err = loadTable(ctx, db, "namespaces", func(r *NamespaceRecord, raw []byte) {
		s.namespaces[r.NamespaceID] = r
		entries = append(entries, statetree.Entry{Key: consensus.NamespaceKey(r.NamespaceID), Value: consensus.RecordHash(raw)})
	})
	if err != nil {
		return nil, err
	}
	if err := loadTable(ctx, db, "preorders", func(r *Preorder, _ []byte) { s.preorders[r.PreorderHash] = r }); err != nil {
		return nil, err
	}
	s.before, s.beforeOwned = map[string]*packedName{}, map[string][]string{}
	if err := s.buildTree(entries, last); err != nil {
		return nil, err
	}
	return s, nil
}

// loadTable calls put with each row's record and its JSON as stored.
func loadTable[T any](ctx context.Context, db *sql.DB, tbl string, put func(*T, []byte)) error {
	rows, err := db.QueryContext(ctx, `SELECT record FROM `+tbl)
	if err != nil {
		return fmt.Errorf("namedb: load %s: %w", tbl, err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return fmt.Errorf("namedb: load %s: %w", tbl, err)
		}
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("namedb: load %s: %w", tbl, err)
		}
		put(v, raw)
	}
	return rows.Err()
}

// setName replaces (r nil: removes) a name.
func (s *state) setName(name string, r *NameRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.names.get(name)
	if _, kept := s.before[name]; !kept && s.before != nil {
		if had {
			s.before[name] = &old
			s.beforeOwned[old.address()] = append(s.beforeOwned[old.address()], name)
		} else {
			s.before[name] = nil
		}
	}
	if r == nil {
		s.names.remove(name)
		return
	}
	s.names.put(packName(r))
}

// committedName is a name's record as of the last commit (nil: none), and
// at the same instant the last committed block (last: see DB.last).
func (s *state) committedName(name string, last *atomic.Pointer[Block]) (*NameRecord, *Block) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.committed(name), last.Load()
}

// committed is a name's record as of the last commit (nil: none); s.mu is
// held.
func (s *state) committed(name string) *NameRecord {
	if p, changed := s.before[name]; changed {
		if p == nil {
			return nil
		}
		return p.record()
	}
	p, ok := s.names.get(name)
	if !ok {
		return nil
	}
	return p.record()
}

// commit makes the open transaction's names the committed ones, and
// publish (which stores the new last block) happens at the same instant
// for the readers. The name table's arena is compacted first, if
// due, while the readers go on reading.
func (s *state) commit(publish func()) {
	s.names.compact(&s.mu)
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.before)
	clear(s.beforeOwned)
	publish()
	s.settle()
}

// committedOwned are the names address owns as of the last commit, sorted,
// and at the same instant the last committed block (see committedName).
func (s *state) committedOwned(address string, last *atomic.Pointer[Block]) ([]string, *Block) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []string{} // none is an empty list, as SQLite's answer
	s.names.owned(address, func(p *packedName) {
		if _, changed := s.before[p.name()]; !changed {
			out = append(out, p.name())
		}
	})
	out = append(out, s.beforeOwned[address]...)
	slices.Sort(out)
	return out, last.Load()
}

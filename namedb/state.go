package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// state is the writer's in-memory copy of the state tables (names,
// namespaces, preorders) and of the owner index, so that the rules read
// nothing from SQLite: indexing does a few inserts per operation instead
// of a dozen statements. It reflects the open write transaction; a
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
	names      map[string]*NameRecord
	namespaces map[string]*NamespaceRecord
	preorders  map[string]*Preorder
	byOwner    map[string][]string // the names each address owns, unordered: a few each

	mu     sync.RWMutex
	before map[string]*NameRecord // nil record: the name did not exist; nil map while loading
}

func loadState(ctx context.Context, db *sql.DB) (*state, error) {
	s := &state{
		names:      map[string]*NameRecord{},
		namespaces: map[string]*NamespaceRecord{},
		preorders:  map[string]*Preorder{},
		byOwner:    map[string][]string{},
	}
	if err := loadTable(ctx, db, "names", func(r *NameRecord) { s.setName(r.Name, r) }); err != nil {
		return nil, err
	}
	if err := loadTable(ctx, db, "namespaces", func(r *NamespaceRecord) { s.namespaces[r.NamespaceID] = r }); err != nil {
		return nil, err
	}
	if err := loadTable(ctx, db, "preorders", func(r *Preorder) { s.preorders[r.PreorderHash] = r }); err != nil {
		return nil, err
	}
	s.before = map[string]*NameRecord{}
	return s, nil
}

func loadTable[T any](ctx context.Context, db *sql.DB, tbl string, put func(*T)) error {
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
		put(v)
	}
	return rows.Err()
}

// setName replaces (r nil: removes) a name, keeping the owner index.
func (s *state) setName(name string, r *NameRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, kept := s.before[name]; !kept && s.before != nil {
		s.before[name] = s.names[name]
	}
	if old := s.names[name]; old != nil {
		set := s.byOwner[old.Address]
		if i := slices.Index(set, name); i >= 0 {
			set[i] = set[len(set)-1]
			set = set[:len(set)-1]
		}
		if len(set) == 0 {
			delete(s.byOwner, old.Address)
		} else {
			s.byOwner[old.Address] = set
		}
	}
	if r == nil {
		delete(s.names, name)
		return
	}
	s.names[name] = r
	s.byOwner[r.Address] = append(s.byOwner[r.Address], name)
}

// committedName is a name's record as of the last commit (nil: none), and
// at the same instant the last committed block (last: see DB.last).
func (s *state) committedName(name string, last *atomic.Pointer[Block]) (*NameRecord, *Block) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, changed := s.before[name]
	if !changed {
		r = s.names[name]
	}
	return r, last.Load()
}

// commit makes the open transaction's names the committed ones, and
// publish (which stores the new last block) happens at the same instant
// for the readers.
func (s *state) commit(publish func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.before)
	publish()
}

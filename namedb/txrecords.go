package namedb

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Name returns a copy of the name's record, or nil if it was never
// registered.
func (t *Tx) Name(name string) (*NameRecord, error) { return t.st.name(name), nil }

// PutName writes a name's record.
func (t *Tx) PutName(r *NameRecord) error {
	if t.undoing() {
		if err := t.logUndo("names", r.Name, nilIfNone(t.st.name(r.Name))); err != nil {
			return err
		}
	}
	mark(&t.dirty.names, r.Name)
	mark(&t.rootNames, r.Name)
	t.st.setName(r.Name, r)
	return nil
}

func (t *Tx) writeName(r *NameRecord) error {
	raw, err := MarshalRecord(r)
	if err != nil {
		return err
	}
	err = t.execNow(`INSERT INTO names(name, namespace_id, address, expire_block, record) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET namespace_id = excluded.namespace_id, address = excluded.address,
		expire_block = excluded.expire_block, record = excluded.record`,
		r.Name, r.NamespaceID, r.Address, r.ExpireBlock, raw)
	if err != nil {
		return fmt.Errorf("namedb: put name %s: %w", r.Name, err)
	}
	return nil
}

// DeleteName removes a name's record (an import under a namespace reveal
// that lapsed).
func (t *Tx) DeleteName(name string) error {
	if t.undoing() {
		if err := t.logUndo("names", name, nilIfNone(t.st.name(name))); err != nil {
			return err
		}
	}
	mark(&t.dirty.names, name)
	mark(&t.rootNames, name)
	t.st.setName(name, nil)
	return nil
}

// nilIfNone turns a typed nil record into an untyped nil for logUndo.
func nilIfNone[T any](r *T) any {
	if r == nil {
		return nil
	}
	return r
}

// Namespace returns a copy of a revealed namespace's record, or nil.
func (t *Tx) Namespace(id string) (*NamespaceRecord, error) {
	r := t.st.namespaces[id]
	if r == nil {
		return nil, nil
	}
	c := *r
	return &c, nil
}

// PutNamespace writes a namespace's record.
func (t *Tx) PutNamespace(r *NamespaceRecord) error {
	if err := t.logUndo("namespaces", r.NamespaceID, nilIfNone(t.st.namespaces[r.NamespaceID])); err != nil {
		return err
	}
	mark(&t.dirty.namespaces, r.NamespaceID)
	mark(&t.rootSpaces, r.NamespaceID)
	c := *r
	t.st.namespaces[r.NamespaceID] = &c
	return nil
}

// Preorder returns a copy of a stored preorder, or nil.
func (t *Tx) Preorder(hash string) (*Preorder, error) {
	p := t.st.preorders[hash]
	if p == nil {
		return nil, nil
	}
	c := *p
	return &c, nil
}

// PutPreorder stores a preorder.
func (t *Tx) PutPreorder(p *Preorder) error {
	if err := t.logUndo("preorders", p.PreorderHash, nilIfNone(t.st.preorders[p.PreorderHash])); err != nil {
		return err
	}
	mark(&t.dirty.preorders, p.PreorderHash)
	c := *p
	t.st.preorders[p.PreorderHash] = &c
	return nil
}

// DeletePreorder removes a preorder (consumed by its registration or
// reveal).
func (t *Tx) DeletePreorder(hash string) error {
	if err := t.logUndo("preorders", hash, nilIfNone(t.st.preorders[hash])); err != nil {
		return err
	}
	mark(&t.dirty.preorders, hash)
	delete(t.st.preorders, hash)
	return nil
}

// NamesOwned counts the names of address that counts says count (the
// rules decide which: rules.Rules.CountsTowardQuota).
func (t *Tx) NamesOwned(address string, counts func(revoked bool, expireBlock int64) bool) (int, error) {
	n := 0
	t.st.names.owned(address, func(r *packedName) {
		if counts(r.revoked, r.expireBlock) {
			n++
		}
	})
	return n, nil
}

// NamesOwnedBy lists the names whose owner is address, sorted.
func (t *Tx) NamesOwnedBy(address string) ([]string, error) {
	var out []string
	t.st.names.owned(address, func(r *packedName) { out = append(out, r.name()) })
	slices.Sort(out)
	return out, nil
}

// NamesIn returns copies of every name of a namespace, sorted (to re-date
// imported names when the namespace becomes ready).
func (t *Tx) NamesIn(namespaceID string) ([]*NameRecord, error) {
	var out []*NameRecord
	t.st.names.each(func(p *packedName) {
		if p.field(1) == namespaceID {
			out = append(out, p.record())
		}
	})
	slices.SortFunc(out, func(a, b *NameRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// AddHistory records an operation of this block.
func (t *Tx) AddHistory(h HistoryEntry) error {
	if h.Block != t.height {
		return fmt.Errorf("namedb: history of block %d in the transaction of %d", h.Block, t.height)
	}
	err := t.insert(insertHistory,
		h.Block, h.Vtxindex, h.Txid, h.Op, h.Subject, h.Accepted, h.Reason, h.Record, string(h.Code))
	if err != nil {
		return fmt.Errorf("namedb: history %s: %w", h.Txid, err)
	}
	return nil
}

// AddZonefileHash appends a zone file hash the block names to the
// inventory.
func (t *Tx) AddZonefileHash(z ZonefileHash) error {
	err := t.insert(insertZonefile,
		t.height, z.Vtxindex, z.Txid, z.Name, z.Hash)
	if err != nil {
		return fmt.Errorf("namedb: zone file hash of %s: %w", z.Name, err)
	}
	return nil
}

// ConsensusHash is the consensus hash of an earlier block.
func (t *Tx) ConsensusHash(height int64) (string, error) {
	var ch string
	err := t.inOrder(func() error {
		return t.tx.QueryRowContext(t.ctx, `SELECT consensus_hash FROM blocks WHERE height = ?`, height).Scan(&ch)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("consensus hash of block %d: %w", height, ErrNotFound)
	}
	return ch, err
}

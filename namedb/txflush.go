package namedb

import (
	"fmt"
	"slices"
)

// dirtyRows are state keys changed in a transaction, by table.
type dirtyRows struct {
	names, namespaces, preorders map[string]struct{}
}

func mark(m *map[string]struct{}, key string) {
	if *m == nil {
		*m = map[string]struct{}{}
	}
	(*m)[key] = struct{}{}
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyed is a state row to write: its key and its record (nil: delete it).
// Records in the in-memory state are never modified in place (a change
// stores a new copy), so a snapshot of pointers stays valid.
type keyed[T any] struct {
	key string
	rec *T
}

// stateRows are the changed state rows as the in-memory state had them.
type stateRows struct {
	names      []keyed[packedName]
	namespaces []keyed[NamespaceRecord]
	preorders  []keyed[Preorder]
}

func snapshot[T any](dirty map[string]struct{}, state map[string]*T) []keyed[T] {
	out := make([]keyed[T], 0, len(dirty))
	for _, k := range sortedKeys(dirty) {
		out = append(out, keyed[T]{k, state[k]})
	}
	return out
}

// snapshotNames is snapshot for the packed names: unpacked by the writer.
func snapshotNames(dirty map[string]struct{}, names *nameTable) []keyed[packedName] {
	out := make([]keyed[packedName], 0, len(dirty))
	for _, k := range sortedKeys(dirty) {
		var rec *packedName
		if p, ok := names.get(k); ok {
			rec = &p
		}
		out = append(out, keyed[packedName]{k, rec})
	}
	return out
}

// takeDirty snapshots the changed rows, in key order, and starts a new
// change set.
func (t *Tx) takeDirty() stateRows {
	rows := stateRows{
		names:      snapshotNames(t.dirty.names, t.st.names),
		namespaces: snapshot(t.dirty.namespaces, t.st.namespaces),
		preorders:  snapshot(t.dirty.preorders, t.st.preorders),
	}
	t.dirty = dirtyRows{}
	return rows
}

// dirtyRowsMax is how many changed state rows a transaction gathers before
// it hands them to the writer goroutine (else at Finish): the writes then
// overlap the next blocks' rules instead of delaying the commit.
const dirtyRowsMax = 4096

// flushState writes the changed state rows as the in-memory state has
// them now.
func (t *Tx) flushState() error { return t.writeState(t.takeDirty()) }

// writeState writes state rows (on the writer goroutine, or after it
// stopped).
func (t *Tx) writeState(rows stateRows) error {
	for _, n := range rows.names {
		if n.rec != nil {
			if err := t.writeName(n.rec.record()); err != nil {
				return err
			}
		} else if err := t.execNow(`DELETE FROM names WHERE name = ?`, n.key); err != nil {
			return fmt.Errorf("namedb: delete name %s: %w", n.key, err)
		}
	}
	for _, ns := range rows.namespaces {
		raw, err := MarshalRecord(ns.rec)
		if err != nil {
			return err
		}
		if err := t.execNow(`INSERT INTO namespaces(namespace_id, record) VALUES(?, ?)
			ON CONFLICT(namespace_id) DO UPDATE SET record = excluded.record`, ns.key, raw); err != nil {
			return fmt.Errorf("namedb: put namespace %s: %w", ns.key, err)
		}
	}
	for _, p := range rows.preorders {
		if p.rec != nil {
			raw, err := MarshalRecord(p.rec)
			if err != nil {
				return err
			}
			if err := t.execNow(`INSERT INTO preorders(preorder_hash, record) VALUES(?, ?)
				ON CONFLICT(preorder_hash) DO UPDATE SET record = excluded.record`, p.key, raw); err != nil {
				return fmt.Errorf("namedb: put preorder %s: %w", p.key, err)
			}
		} else if err := t.execNow(`DELETE FROM preorders WHERE preorder_hash = ?`, p.key); err != nil {
			return fmt.Errorf("namedb: delete preorder %s: %w", p.key, err)
		}
	}
	return nil
}

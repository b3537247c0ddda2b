package namedb

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// writer executes a transaction's writes in order on its own goroutine, so
// that SQLite's work overlaps the rules' on a second core: the caller only
// queues statements (the state they derive from is in memory), and waits
// at Finish, at Rollback and for a read (ConsensusHash).
type writer struct {
	ch      chan []call
	done    chan struct{}
	pending []call
	failed  atomic.Pointer[error] // the first failure; later statements are skipped
}

// call is a queued statement, or (fn set) a function to run in order, whose
// result goes to reply (nil: none waits; a failure fails the writer).
type call struct {
	query string
	args  []any
	ins   *rowInsert // the row insert query is, if it is one
	fn    func() error
	reply chan error
}

// rowInsert is an insert of one row into a table: statements of one
// rowInsert may go together as one multi-row insert (rows are independent;
// their order within the table is kept).
type rowInsert struct {
	table, columns string
	one            string // the one-row statement
}

func newRowInsert(table, columns string) *rowInsert {
	r := &rowInsert{table: table, columns: columns}
	r.one = r.statement(1)
	return r
}

// statement inserts k rows.
func (r *rowInsert) statement(k int) string {
	n := strings.Count(r.columns, ",") + 1
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	return "INSERT INTO " + r.table + "(" + r.columns + ") VALUES" + strings.TrimSuffix(strings.Repeat(row+", ", k), ", ")
}

// The row inserts of a transaction: the rows it appends, block after block.
var (
	insertBlock    = newRowInsert("blocks", blockColumns+", ops")
	insertHistory  = newRowInsert("history", "block, vtxindex, txid, op, subject, accepted, reason, record, code")
	insertZonefile = newRowInsert("zonefile_hashes", "block, vtxindex, txid, name, hash")
	insertUndo     = newRowInsert("undo", "block, seq, tbl, key, prior")
)

const writerChunk = 1024 // statements handed over at once

func (t *Tx) startWriter() {
	w := &writer{ch: make(chan []call, 16), done: make(chan struct{})}
	t.w = w
	go func() {
		defer close(w.done)
		for calls := range w.ch {
			// Statements between two functions run grouped by query
			// (each group in order), as multi-row inserts where they can:
			// they are inserts of independent rows, whose order matters
			// only within a table.
			for len(calls) > 0 {
				n := slices.IndexFunc(calls, func(c call) bool { return c.fn != nil })
				if n < 0 {
					n = len(calls)
				}
				if w.failed.Load() == nil {
					if err := t.runGrouped(calls[:n]); err != nil {
						w.failed.Store(&err)
					}
				}
				if n < len(calls) {
					c := calls[n]
					failed := w.failed.Load()
					switch {
					case c.reply == nil && failed == nil:
						if err := c.fn(); err != nil {
							w.failed.Store(&err)
						}
					case c.reply == nil:
					case failed != nil:
						c.reply <- *failed
					default:
						c.reply <- c.fn()
					}
					n++
				}
				calls = calls[n:]
			}
		}
	}()
}

type multiKey struct {
	ins  *rowInsert
	rows int
}

// maxRows is the most rows one multi-row insert carries.
const maxRows = 64

// runGrouped runs calls grouped by query, each group in its order; row
// inserts go as multi-row inserts.
func (t *Tx) runGrouped(calls []call) error {
	var order []string
	groups := map[string][]call{}
	for _, c := range calls {
		if _, ok := groups[c.query]; !ok {
			order = append(order, c.query)
		}
		groups[c.query] = append(groups[c.query], c)
	}
	for _, q := range order {
		g := groups[q]
		ins := g[0].ins // one query, one kind of statement
		for len(g) > 0 {
			k := 1
			if ins != nil {
				for k*2 <= min(len(g), maxRows) {
					k *= 2
				}
			}
			query, args := q, g[0].args
			if k > 1 {
				key := multiKey{ins, k}
				if query = t.multi[key]; query == "" {
					query = ins.statement(k)
					if t.multi == nil {
						t.multi = map[multiKey]string{}
					}
					t.multi[key] = query
				}
				args = make([]any, 0, k*len(g[0].args))
				for _, c := range g[:k] {
					args = append(args, c.args...)
				}
			}
			if err := t.execNow(query, args...); err != nil {
				return fmt.Errorf("namedb: %s: %w", strings.Join(strings.Fields(q)[:3], " "), err)
			}
			g = g[k:]
		}
	}
	return nil
}

// err is the writer's first failure, if any yet.
func (w *writer) err() error {
	if e := w.failed.Load(); e != nil {
		return *e
	}
	return nil
}

func (w *writer) flush() {
	if len(w.pending) > 0 {
		w.ch <- w.pending
		w.pending = make([]call, 0, writerChunk)
	}
}

// stopWriter waits for every queued statement and returns the first
// failure; the transaction then runs its statements itself.
func (t *Tx) stopWriter() error {
	w := t.w
	if w == nil {
		return nil
	}
	t.w = nil
	w.flush()
	close(w.ch)
	<-w.done
	return w.err()
}

// inOrder runs fn after every statement queued so far (on the writer).
func (t *Tx) inOrder(fn func() error) error {
	if t.w == nil {
		return fn()
	}
	reply := make(chan error, 1)
	t.w.pending = append(t.w.pending, call{fn: fn, reply: reply})
	t.w.flush()
	return <-reply
}

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/loadgen"
)

// queryTimeout is how long a worker waits for an answer before it counts
// the query lost and sends the next.
const queryTimeout = time.Second

// load is a closed-loop UDP query generator: each worker has one socket
// and one query in flight, an A query for a name drawn at random (or, in
// order, each name once), and checks that the answer is a NOERROR with one
// record. Packets are built by hand into reused buffers: a generator that
// allocates per query takes CPU from the server it shares the machine with.
type load struct {
	names   int
	workers int
	do      bool // ask for DNSSEC records (EDNS0 with the DO bit)
	lost    atomic.Int64
}

// run queries addr for d (every name once, in order, when d is 0) and
// returns what it measured.
func (l *load) run(addr string, d time.Duration) (loadgen.Result, error) {
	l.lost.Store(0)
	conns := make([]*worker, l.workers)
	for w := range conns {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return loadgen.Result{}, err
		}
		defer c.Close()
		conns[w] = &worker{c: c, rnd: rand.New(rand.NewPCG(uint64(w), 42)), buf: make([]byte, 512)}
	}
	limit, maxOps := d, 0
	if d == 0 {
		limit, maxOps = 24*time.Hour, l.names
	}
	var next atomic.Int64
	return loadgen.Run(l.workers, limit, maxOps, func(w, seq int) error {
		i := 0
		if d == 0 {
			i = int(next.Add(1) - 1)
		} else {
			i = conns[w].rnd.IntN(l.names)
		}
		err := conns[w].query(uint16(seq), i, l.do)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			l.lost.Add(1)
			return nil
		}
		return err
	})
}

type worker struct {
	c   net.Conn
	rnd *rand.Rand
	buf []byte
	q   []byte
}

// query asks for the i-th name's A record with id and reads the answer.
func (w *worker) query(id uint16, i int, do bool) error {
	w.q = appendQuery(w.q[:0], id, nameOf(i), do)
	if _, err := w.c.Write(w.q); err != nil {
		return err
	}
	if err := w.c.SetReadDeadline(time.Now().Add(queryTimeout)); err != nil {
		return err
	}
	for {
		n, err := w.c.Read(w.buf)
		if err != nil {
			return err
		}
		if n < 12 || binary.BigEndian.Uint16(w.buf) != id {
			continue // a late answer to a query counted lost
		}
		// One record, or with DNSSEC the record and its signature.
		if rcode, answers := w.buf[3]&0xf, binary.BigEndian.Uint16(w.buf[6:]); rcode != 0 || answers < 1 {
			return fmt.Errorf("%s: rcode %d, %d answers", nameOf(i), rcode, answers)
		}
		return nil
	}
}

// appendQuery appends a DNS query (RFC 1035 §4.1) for name's A record;
// with do, an EDNS0 OPT record (RFC 6891) with the DO bit (RFC 3225).
func appendQuery(b []byte, id uint16, name string, do bool) []byte {
	b = binary.BigEndian.AppendUint16(b, id)
	b = append(b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) // no flags, one question
	if do {
		b[11] = 1 // one additional record
	}
	for label := range strings.SplitSeq(name, ".") {
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0, 0, 1, 0, 1) // root; type A, class IN
	if do {
		// Root owner, type OPT, a 1232-byte payload, version 0, DO, no options.
		b = append(b, 0, 0, 41, 1232>>8, 1232&0xff, 0, 0, 0x80, 0, 0, 0)
	}
	return b
}

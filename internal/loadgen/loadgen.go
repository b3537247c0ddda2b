// Package loadgen drives the bounded loopback load of the bench/ commands:
// workers run an operation until a time or a count limit, and the result
// gives throughput and latency percentiles. Its HTTP client is one plain
// keep-alive HTTP/1.1 connection per worker (Conn), so that on a 2-core
// machine the generator takes as little of the CPU it shares with the
// server as it can.
//
// It owns no server and knows no endpoint; the bench commands do.
package loadgen

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a run measured.
type Result struct {
	Ops      int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

// Rate is operations per second.
func (r Result) Rate() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// Run calls op from workers goroutines, each with its own sequence numbers
// from 0, until limit has passed or maxOps operations have started (maxOps
// <= 0: no count limit). The first error stops its worker and is returned
// with the others once all have stopped.
func Run(workers int, limit time.Duration, maxOps int, op func(worker, seq int) error) (Result, error) {
	var started atomic.Int64
	lats := make([][]time.Duration, workers)
	errs := make([]error, workers)
	start := time.Now()
	deadline := start.Add(limit)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for seq := 0; time.Now().Before(deadline); seq++ {
				if maxOps > 0 && started.Add(1) > int64(maxOps) {
					return
				}
				t0 := time.Now()
				if err := op(w, seq); err != nil {
					errs[w] = err
					return
				}
				lats[w] = append(lats[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		return Result{}, errors.New("loadgen: no operation completed")
	}
	slices.Sort(all)
	return Result{Ops: len(all), Elapsed: elapsed, P50: all[len(all)/2], P99: all[len(all)*99/100]}, nil
}

// Conn is one keep-alive HTTP/1.1 connection on which its one worker
// sends a GET and reads the answer in turn, allocating nothing per
// request. net/http's client hands each request to two goroutines of its
// own, gunzips, and allocates a response and its headers: that cost more
// CPU than the servers spent on the requests measured, and its garbage
// made Go collect more often over an indexer's half-gigabyte state, so the
// generator's cost hid the server's. It reads the whole answer, of a
// Content-Length or in chunks (as net/http sends an answer larger than it
// buffers). A connection that fails is
// dialled again on the next request. Not safe for concurrent use.
type Conn struct {
	addr string
	tls  *tls.Config // nil: plain TCP
	hdr  string      // extra header lines, each ending in CRLF
	c    net.Conn    // nil after a failure
	br   *bufio.Reader
	req  []byte // reused request buffer
}

// Dial connects to addr (host:port). header, which may be nil, is sent
// with every request.
func Dial(addr string, header http.Header) (*Conn, error) {
	return DialTLS(addr, header, nil)
}

// DialTLS is Dial over TLS as cfg says (HTTP/1.1, whatever cfg offers by
// ALPN); nil cfg is plain TCP.
func DialTLS(addr string, header http.Header, cfg *tls.Config) (*Conn, error) {
	var hdr strings.Builder
	for k, vs := range header {
		for _, v := range vs {
			hdr.WriteString(k + ": " + v + "\r\n")
		}
	}
	c := &Conn{addr: addr, tls: cfg, hdr: hdr.String()}
	if err := c.dial(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Conn) dial() error {
	var nc net.Conn
	var err error
	if c.tls != nil {
		nc, err = tls.Dial("tcp", c.addr, c.tls)
	} else {
		nc, err = net.Dial("tcp", c.addr)
	}
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	c.c, c.br = nc, bufio.NewReaderSize(nc, 64<<10)
	return nil
}

// Get requests path (which must start with "/") and reads the whole
// answer, returning its status and body size.
func (c *Conn) Get(path string) (status int, n int64, err error) {
	if c.c == nil {
		if err := c.dial(); err != nil {
			return 0, 0, err
		}
	}
	c.req = append(append(append(c.req[:0], "GET "...), path...), " HTTP/1.1\r\nHost: "...)
	c.req = append(append(append(c.req, c.addr...), "\r\n"...), c.hdr...)
	c.req = append(c.req, "\r\n"...)
	status, n, err = c.roundTrip()
	if err != nil {
		c.Close()
		return 0, 0, fmt.Errorf("loadgen: GET %s: %w", path, err)
	}
	return status, n, nil
}

func (c *Conn) roundTrip() (int, int64, error) {
	if _, err := c.c.Write(c.req); err != nil {
		return 0, 0, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, fmt.Errorf("bad status line %q", line)
	}
	length := int64(-1)
	closing, chunked := false, false
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64); err != nil || length < 0 {
				return 0, 0, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(bytes.TrimSpace(value), []byte("close")):
			closing = true
		case bytes.EqualFold(name, []byte("Transfer-Encoding")) && bytes.EqualFold(bytes.TrimSpace(value), []byte("chunked")):
			chunked = true
		}
	}
	switch {
	case chunked:
		// A server sends a large answer it did not buffer in chunks.
		if length, err = c.discardChunks(); err != nil {
			return 0, 0, err
		}
	case length < 0:
		return 0, 0, errors.New("an answer without Content-Length")
	default:
		if _, err := c.br.Discard(int(length)); err != nil {
			return 0, 0, err
		}
	}
	if closing {
		c.Close() // the next request dials again
	}
	return status, length, nil
}

// discardChunks reads a chunked body (RFC 9112, 7.1) to its end and
// returns its length.
func (c *Conn) discardChunks() (int64, error) {
	var total int64
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if _, err := c.br.Discard(int(n) + 2); err != nil { // the chunk and its CRLF
			return 0, err
		}
		total += n
	}
	for { // trailer fields, then the empty line
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return total, nil
		}
	}
}

// Close closes the connection.
func (c *Conn) Close() error {
	if c.c == nil {
		return nil
	}
	err := c.c.Close()
	c.c = nil
	return err
}

// Package loadgen drives the bounded loopback load of the bench/ commands:
// workers run an operation until a time or a count limit, and the result
// gives throughput and latency percentiles. Its HTTP client is one plain
// keep-alive HTTP/1.1 connection per worker, so that on a 2-core machine
// the generator takes as little of the CPU it shares with the server as it
// can (net/http's client hands every request between goroutines).
//
// It owns no server and knows no endpoint; the bench commands do.
package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
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

// Conn is one keep-alive HTTP/1.1 connection that sends GET requests one
// at a time. It is not safe for concurrent use: give each worker its own.
type Conn struct {
	c    net.Conn
	br   *bufio.Reader
	req  []byte // reused request buffer
	host string
	hdr  string // extra header lines, each ending in CRLF
}

// Dial connects to addr (host:port). header, which may be nil, is sent
// with every request.
func Dial(addr string, header http.Header) (*Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	var hdr string
	for k, vs := range header {
		for _, v := range vs {
			hdr += k + ": " + v + "\r\n"
		}
	}
	return &Conn{c: c, br: bufio.NewReaderSize(c, 64<<10), host: addr, hdr: hdr}, nil
}

// Get requests path (which must start with "/") and reads the whole
// answer, returning its status and body size.
func (c *Conn) Get(path string) (status int, n int64, err error) {
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.host...)
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, c.hdr...)
	c.req = append(c.req, "\r\n"...)
	if _, err := c.c.Write(c.req); err != nil {
		return 0, 0, fmt.Errorf("loadgen: GET %s: %w", path, err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("loadgen: GET %s: %w", path, err)
	}
	n, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, 0, fmt.Errorf("loadgen: GET %s: body: %w", path, err)
	}
	if resp.Close {
		return resp.StatusCode, n, fmt.Errorf("loadgen: GET %s: the server closed the connection", path)
	}
	return resp.StatusCode, n, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

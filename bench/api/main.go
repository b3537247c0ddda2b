// Command api is the REST API's load generator: it builds a name database
// of -names names, serves the API on loopback, keeps committing new blocks
// (as an indexing node does) and measures GET /v1/names/{name} at 1, 16 and
// 64 connections, beside a baseline measured in the same run: GET
// /v1/node/ping, which reads no database, so the ratio shows what the
// lookups cost over bare HTTP on this machine. The two alternate in rounds
// of a second, and each figure comes with the process's CPU time and bytes
// allocated per request, which a shared machine disturbs less than the
// rates. With -tls the same API is also served over TLS (ECDSA P-256, a
// certificate made in the process) and measured beside plain HTTP, both
// alternating, on kept-alive connections: the ratio is what encryption
// costs a look-up once the handshake is paid. With -metrics the same
// database is also served by an API with its Prometheus metrics on,
// measured the same way: the ratio is what the metrics cost.
//
//	go run ./bench/api -names 1000000 -duration 5s -dir DIR   # DIR's database is built once, then reused
//	go run ./bench/api -names 1000000 -proofs                  # state proofs beside lookups
//	go run ./bench/api -names 1000000 -per-block 50 -snv       # SNV walks over 20,000 blocks
//	go run ./bench/api -names 1000000 -search                  # searches beside lookups
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/internal/gctune"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/loadgen"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/internal/namedbtest"
	"github.com/go-blockstack/go-blockstack/internal/testcert"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/search"
)

func main() {
	names := flag.Int("names", 1_000_000, "names in the database")
	perBlock := flag.Int("per-block", 10_000, "names written per block while building")
	duration := flag.Duration("duration", 5*time.Second, "length of each measurement")
	dir := flag.String("dir", "", "database folder, kept (default: a temporary one, removed after); a database already there is reused")
	nethttp := flag.Bool("nethttp", false, "send the requests through net/http's client instead of the lean one (to see what the load generator costs)")
	sqliteOnly := flag.Bool("sqlite", false, "serve the API from a second handle on the database, which has no writer and so reads SQLite (as a process apart from the indexer would)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	proofs := flag.Bool("proofs", false, "measure GET /v1/names/{name}/proof beside the lookups instead, and what a light client spends checking one")
	snvWalks := flag.Bool("snv", false, "measure what SNV costs a light client (blocks and bytes fetched, time) as a function of how far below the trusted block the proved block is, instead (use a small -per-block for a long chain)")
	overTLS := flag.Bool("tls", false, "also serve the API over TLS (a certificate made in the process) and measure it beside plain HTTP, alternating, on kept-alive connections")
	withMetrics := flag.Bool("metrics", false, "also serve the API with its Prometheus metrics on and measure it beside the one without, alternating")
	searches := flag.Bool("search", false, "measure GET /v1/search beside the lookups instead (the search index built first, then kept current as blocks come)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		profile = f
	}
	modes := 0
	for _, on := range []bool{*proofs, *snvWalks, *searches, *overTLS || *withMetrics} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		fatal(fmt.Errorf("give one of -proofs, -snv, -search, or -tls and -metrics"))
	}
	if err := run(*names, *perBlock, *duration, *dir, *nethttp, *sqliteOnly, *proofs, *snvWalks, *searches, *overTLS, *withMetrics); err != nil {
		fatal(err)
	}
}

func run(names, perBlock int, duration time.Duration, dir string, nethttp, sqliteOnly, proofs, snvWalks, searches, overTLS, withMetrics bool) error {
	ctx := context.Background()
	gctune.Tune() // the collector's settings of the node (blockstack node)
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bench-api")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	db, err := namedb.Open(filepath.Join(dir, "names.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	last, reused, err := db.LastBlock(ctx)
	if err != nil {
		return err
	}
	height := last.Height
	if !reused {
		if height, err = build(ctx, db, names, perBlock); err != nil {
			return err
		}
		fmt.Printf("database: %d names in %d blocks, built in %s\n", names, height, time.Since(start).Round(time.Millisecond))
	}
	n, err := db.NameCount(ctx)
	if err != nil {
		return err
	}
	if n < int64(names) {
		return fmt.Errorf("the database in %s has %d names, fewer than -names %d", dir, n, names)
	}
	// The indexer's first block (of 100 new names) loads its state, before
	// the measurements as in a running node.
	height++
	if err := writeBlock(ctx, db, height, int(n), 100); err != nil {
		return err
	}
	next := int(n) + 100
	if reused {
		fmt.Printf("database: %d names in %d blocks, reused\n", next, height)
	}

	served := db
	if sqliteOnly {
		if served, err = namedb.Open(filepath.Join(dir, "names.db")); err != nil {
			return err
		}
		defer served.Close()
	}
	cfg := api.Config{DB: served, Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1}
	if searches {
		finder := search.NewFollower(served, nil, nil)
		t := time.Now()
		if err := finder.Step(ctx); err != nil {
			return err
		}
		fmt.Printf("search index: built in %s\n", time.Since(t).Round(time.Millisecond))
		cfg.Search = finder
	}
	// The node's server settings (timeouts, header limit), as measured.
	h := api.New(cfg)
	plain, stopPlain, err := serve(h, nil)
	if err != nil {
		return err
	}
	defer stopPlain()
	servers := []server{plain}
	if overTLS {
		cert, ca, err := testcert.Loopback()
		if err != nil {
			return err
		}
		secure, stopSecure, err := serve(h, &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			return err
		}
		defer stopSecure()
		secure.client = &tls.Config{RootCAs: ca.Pool()}
		servers = append(servers, secure)
	}
	if withMetrics {
		hm := api.New(api.Config{DB: served, Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1, Metrics: prometheus.NewRegistry()})
		measured, stopMeasured, err := serve(hm, nil)
		if err != nil {
			return err
		}
		defer stopMeasured()
		measured.what = " (metrics)"
		servers = append(servers, measured)
	}

	// The node keeps indexing: a block of 100 new names every 100 ms.
	indexCtx, stopIndexing := context.WithCancel(ctx)
	var indexed sync.WaitGroup
	indexed.Add(1)
	go func() {
		defer indexed.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-indexCtx.Done():
				return
			case <-t.C:
			}
			height++
			if err := writeBlock(indexCtx, db, height, next, 100); err != nil && indexCtx.Err() == nil {
				slog.Error("bench: writing a block", "err", err)
			}
			next += 100
		}
	}()
	defer func() { stopIndexing(); indexed.Wait() }()

	if profile != nil {
		pprof.StartCPUProfile(profile)
		defer pprof.StopCPUProfile()
	}
	if snvWalks {
		return measureSNV(plain, db)
	}
	if proofs {
		return measureProofs(plain, names, duration, nethttp)
	}
	if searches {
		return measureSearch(plain, names, duration, nethttp)
	}
	fmt.Printf("\n| endpoint | connections | requests/s | p50 | p99 | CPU/request | allocated/request | vs ping |\n|---|---|---|---|---|---|---|---|\n")
	// Ping and lookups alternate in rounds of a second, so that the
	// indexer's commits and Go's collections (over the indexer's
	// half-gigabyte state) fall on both alike.
	// With -tls or -metrics, the servers alternate too.
	rounds := max(1, int(duration/time.Second))
	var ratios []string
	for _, conns := range []int{1, 16, 64} {
		ping, look := make([]sample, len(servers)), make([]sample, len(servers))
		for range rounds {
			for i, s := range servers {
				ping[i].add(load(s, conns, duration/time.Duration(rounds), nethttp, func(*rand.Rand) string { return "/v1/node/ping" }))
				look[i].add(load(s, conns, duration/time.Duration(rounds), nethttp, func(r *rand.Rand) string { return "/v1/names/" + nameOf(r.IntN(names)) }))
			}
		}
		pingRate := ping[0].rate()
		for i, s := range servers {
			for _, m := range []struct {
				what string
				s    sample
			}{{"/v1/node/ping (baseline)", ping[i]}, {"/v1/names/{name}", look[i]}} {
				p50, p99 := m.s.percentile(50), m.s.percentile(99)
				fmt.Printf("| %s%s | %d | %.0f | %s | %s | %s | %d B | %.2f× |\n", m.what, s.tag(), conns, m.s.rate(), p50, p99, m.s.cpuPer(), m.s.allocPer(), m.s.rate()/pingRate)
			}
			if look[i].fails > 0 {
				return fmt.Errorf("%d failed lookups at %d connections%s", look[i].fails, conns, s.tag())
			}
		}
		for i, s := range servers[1:] {
			ratios = append(ratios, fmt.Sprintf("%d connections%s %.2f× (CPU/look-up %s vs %s)", conns, s.tag(),
				look[i+1].rate()/look[0].rate(), look[i+1].cpuPer(), look[0].cpuPer()))
		}
	}
	if len(ratios) > 0 {
		fmt.Printf("\nlook-ups/s beside plain HTTP without metrics: %s\n", strings.Join(ratios, "; "))
	}
	return nil
}

// server is where the API is measured: its address, the client TLS
// configuration that trusts it (nil: plain HTTP), and what it is.
type server struct {
	addr   string
	client *tls.Config
	what   string // how it differs from the first: " (TLS)", " (metrics)"
}

func (s server) tag() string { return s.what }

// serve serves h on loopback with the node's server settings, over TLS
// if cfg is not nil (as httpserve.ServeTLS does).
func serve(h http.Handler, cfg *tls.Config) (server, func(), error) {
	srv := httpserve.New(h, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return server{}, nil, err
	}
	s := server{addr: ln.Addr().String()}
	if cfg != nil {
		srv.TLSConfig = cfg
		s.what = " (TLS)"
		go srv.ServeTLS(ln, "", "")
	} else {
		go srv.Serve(ln)
	}
	return s, func() { srv.Close() }, nil
}

// profile, when set, receives a CPU profile of the measurements.
var profile *os.File

func nameOf(i int) string { return fmt.Sprintf("n%07d.bench", i) }

// build writes the namespace and names block by block, as the indexer
// would.
func build(ctx context.Context, db *namedb.DB, names, perBlock int) (int64, error) {
	if _, err := namedbtest.Block(ctx, db, 1, 1, nil, func(tx *namedb.Tx) error {
		return tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "bench", Ready: true, ReadyBlock: 1, Lifetime: 1_000_000,
			Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1}, NonalphaDiscount: 10, NoVowelDiscount: 10, Version: 1})
	}); err != nil {
		return 0, err
	}
	height := int64(1)
	for i := 0; i < names; i += perBlock {
		height++
		if err := writeBlock(ctx, db, height, i, min(perBlock, names-i)); err != nil {
			return 0, err
		}
	}
	return height, nil
}

// writeBlock registers names first..first+n-1 in the block at height.
func writeBlock(ctx context.Context, db *namedb.DB, height int64, first, n int) error {
	recs := make([]*namedb.NameRecord, n)
	ops := make([]string, n)
	for j := range recs {
		i := first + j
		r := &namedb.NameRecord{Name: nameOf(i), NamespaceID: "bench", Address: fmt.Sprintf("mkBench%027d", i%50_000),
			Sender: "76a914" + fmt.Sprintf("%040x", i) + "88ac", ValueHash: fmt.Sprintf("%040x", i),
			FirstRegistered: height, LastRenewed: height, ExpireBlock: height + 2_000_000,
			Op: "NAME_REGISTRATION", Txid: fmt.Sprintf("%064x", i), BlockNumber: height}
		recs[j] = r
		ops[j] = consensus.SerializeOp(':', r.Sender, r.Txid, strconv.Itoa(j), r.Name, r.Address, r.ValueHash)
	}
	_, err := namedbtest.Block(ctx, db, height, 1, ops, func(tx *namedb.Tx) error {
		for _, r := range recs {
			if err := tx.PutName(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	gctune.Adjust() // as the indexer does after each commit
	return nil
}

// sample is what one or more measurements gathered.
type sample struct {
	lats  []time.Duration // of the requests answered 200
	fails int64
	took  time.Duration
	// cpu is the process's CPU time (user and system): the server's, the
	// load generator's and the indexer's together, which a shared
	// machine's other work does not inflate as much as it does latency.
	cpu time.Duration
	// alloc is the bytes the process allocated: each collection marks the
	// indexer's in-memory state, so garbage per request costs CPU too.
	alloc uint64
}

func (s *sample) add(o sample) {
	s.lats = append(s.lats, o.lats...)
	s.fails += o.fails
	s.took += o.took
	s.cpu += o.cpu
	s.alloc += o.alloc
}

func (s *sample) rate() float64 { return float64(len(s.lats)) / s.took.Seconds() }

func (s *sample) cpuPer() time.Duration {
	return (s.cpu / time.Duration(max(1, len(s.lats)))).Round(100 * time.Nanosecond)
}

func (s *sample) allocPer() uint64 { return s.alloc / uint64(max(1, len(s.lats))) }

func (s *sample) percentile(p int) time.Duration {
	if len(s.lats) == 0 {
		return 0
	}
	slices.Sort(s.lats)
	return s.lats[len(s.lats)*p/100].Round(time.Microsecond)
}

func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load runs conns clients, each issuing requests back to back for d, on
// connections of its own (a client whose connection fails dials again).
func load(s server, conns int, d time.Duration, nethttp bool, path func(*rand.Rand) string) sample {
	var client *http.Client
	scheme := "http://"
	if s.client != nil {
		scheme = "https://"
	}
	if nethttp {
		client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, TLSClientConfig: s.client}}
		defer client.CloseIdleConnections()
	}
	var (
		mu    sync.Mutex
		out   sample
		fails atomic.Int64
		wg    sync.WaitGroup
	)
	cpu0, alloc0 := cpuTime(), allocated()
	deadline := time.Now().Add(d)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
			get := func(path string) (int, error) { return getNetHTTP(client, scheme+s.addr+path) }
			if !nethttp {
				// What a browser sends, so answers are compressed as
				// they would be.
				lc, err := loadgen.DialTLS(s.addr, http.Header{"Accept-Encoding": {"gzip"}}, s.client)
				if err != nil {
					fails.Add(1)
					return
				}
				defer lc.Close()
				get = func(path string) (int, error) {
					status, _, err := lc.Get(path)
					return status, err
				}
			}
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				status, err := get(path(r))
				if err != nil || status != http.StatusOK {
					fails.Add(1)
					continue
				}
				mine = append(mine, time.Since(t))
			}
			locked.Do(&mu, func() {
				out.lats = append(out.lats, mine...)
			})
		}(uint64(c + 1))
	}
	wg.Wait()
	out.cpu, out.alloc = cpuTime()-cpu0, allocated()-alloc0
	out.took = d
	out.fails = fails.Load()
	return out
}

func getNetHTTP(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// fatal logs err and exits 1.
func fatal(err error) {
	slog.Error("bench", "err", err)
	os.Exit(1)
}

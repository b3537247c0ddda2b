// Command api is the REST API's load generator: it builds a name database
// of -names names, serves the API on loopback, keeps committing new blocks
// (as an indexing node does) and measures GET /v1/names/{name} at 1, 16 and
// 64 connections, beside a baseline measured in the same run: GET
// /v1/node/ping, which reads no database, so the ratio shows what the
// lookups cost over bare HTTP on this machine.
//
//	go run ./bench/api -names 1000000 -duration 5s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/virtualchain"
)

func main() {
	names := flag.Int("names", 1_000_000, "names in the database")
	perBlock := flag.Int("per-block", 10_000, "names written per block while building")
	duration := flag.Duration("duration", 5*time.Second, "length of each measurement")
	dir := flag.String("dir", "", "database folder (default: a temporary one, removed after)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		profile = f
	}
	if err := run(*names, *perBlock, *duration, *dir); err != nil {
		log.Fatal(err)
	}
}

func run(names, perBlock int, duration time.Duration, dir string) error {
	ctx := context.Background()
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
	height, err := build(ctx, db, names, perBlock)
	if err != nil {
		return err
	}
	fmt.Printf("database: %d names in %d blocks, built in %s\n", names, height, time.Since(start).Round(time.Millisecond))

	srv := &http.Server{Handler: api.New(api.Config{DB: db, Network: &bns.DevNet, Rules: virtualchain.DevnetRules, FirstBlock: 1})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	// The node keeps indexing: a block of 100 new names every 100 ms.
	indexCtx, stopIndexing := context.WithCancel(ctx)
	var indexed sync.WaitGroup
	indexed.Add(1)
	go func() {
		defer indexed.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		next := names
		for {
			select {
			case <-indexCtx.Done():
				return
			case <-t.C:
			}
			height++
			if err := writeBlock(indexCtx, db, height, next, 100); err != nil && indexCtx.Err() == nil {
				log.Print(err)
			}
			next += 100
		}
	}()
	defer func() { stopIndexing(); indexed.Wait() }()

	if profile != nil {
		pprof.StartCPUProfile(profile)
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("\n| endpoint | connections | requests/s | p50 | p99 | vs ping |\n|---|---|---|---|---|---|\n")
	for _, conns := range []int{1, 16, 64} {
		ping := load(base, conns, duration, func(*rand.Rand) string { return "/v1/node/ping" })
		look := load(base, conns, duration, func(r *rand.Rand) string { return "/v1/names/" + nameOf(r.IntN(names)) })
		for _, m := range []struct {
			what string
			r    result
		}{{"/v1/node/ping (baseline)", ping}, {"/v1/names/{name}", look}} {
			fmt.Printf("| %s | %d | %.0f | %s | %s | %.2f× |\n", m.what, conns, m.r.rate, m.r.p50, m.r.p99, m.r.rate/ping.rate)
		}
		if look.errors > 0 {
			return fmt.Errorf("%d failed lookups at %d connections", look.errors, conns)
		}
	}
	return nil
}

// profile, when set, receives a CPU profile of the measurements.
var profile *os.File

func nameOf(i int) string { return fmt.Sprintf("n%07d.bench", i) }

// build writes the namespace and names block by block, as the indexer
// would.
func build(ctx context.Context, db *namedb.DB, names, perBlock int) (int64, error) {
	tx, err := db.Begin(ctx, 1)
	if err != nil {
		return 0, err
	}
	if err := tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "bench", Ready: true, ReadyBlock: 1, Lifetime: 1_000_000,
		Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1}, NonalphaDiscount: 10, NoVowelDiscount: 10, Version: 1}); err != nil {
		return 0, err
	}
	if err := tx.Commit(namedb.Block{Height: 1, Hash: "01", ConsensusHash: "01", OpsHash: "00"}, nil); err != nil {
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

func writeBlock(ctx context.Context, db *namedb.DB, height int64, first, n int) error {
	tx, err := db.Begin(ctx, height)
	if err != nil {
		return err
	}
	for i := first; i < first+n; i++ {
		rec := &namedb.NameRecord{Name: nameOf(i), NamespaceID: "bench", Address: fmt.Sprintf("mkBench%027d", i%50_000),
			Sender: "76a914" + fmt.Sprintf("%040x", i) + "88ac", ValueHash: fmt.Sprintf("%040x", i),
			FirstRegistered: height, LastRenewed: height, ExpireBlock: height + 2_000_000,
			Op: "NAME_REGISTRATION", Txid: fmt.Sprintf("%064x", i), BlockNumber: height}
		if err := tx.PutName(rec); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit(namedb.Block{Height: height, Hash: fmt.Sprintf("%064x", height), ConsensusHash: fmt.Sprintf("%032x", height), OpsHash: "00"}, nil)
}

type result struct {
	rate     float64
	p50, p99 time.Duration
	errors   int64
}

// load runs conns clients, each issuing requests back to back for d.
func load(base string, conns int, d time.Duration, path func(*rand.Rand) string) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	var (
		mu    sync.Mutex
		lats  []time.Duration
		fails atomic.Int64
		wg    sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, seed))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				resp, err := client.Get(base + path(r))
				if err != nil {
					fails.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					fails.Add(1)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}(uint64(c + 1))
	}
	wg.Wait()
	slices.Sort(lats)
	if len(lats) == 0 {
		return result{errors: fails.Load()}
	}
	return result{
		rate:   float64(len(lats)) / d.Seconds(),
		p50:    lats[len(lats)/2].Round(time.Microsecond),
		p99:    lats[len(lats)*99/100].Round(time.Microsecond),
		errors: fails.Load(),
	}
}

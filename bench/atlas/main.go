// Command atlas measures Atlas replication on networks of real nodes in
// this process (package atlas/atlastest: real HTTP on 127.0.0.1, one
// shared in-memory chain view), with the production timing and limits:
//
//   - time to full replication: M zone files seeded at random among N
//     nodes, from the nodes' start until every node holds all of them;
//   - bytes sent per zone file per node: every byte the nodes write to
//     their connections (requests and replies, HTTP headers included),
//     over M·N;
//   - propagation: new zone files named on chain and pushed to one node
//     (put_zonefiles, as a client publishing a zone file), one at a time:
//     p50/p99 of the arrival at each other node, p99 of the time to reach
//     them all, and the bytes they cost.
//
// The baseline, measured in the same run, is a single direct copy of all
// M files between two nodes (N = 2, every file at one of them). Since all
// N nodes share this machine's CPU and disk, replication is also given per
// copy made ((N−1)·M copies), as a ratio to the baseline's time per copy:
// 1.0 means a larger network costs nothing beyond the copies themselves.
// The store alone (Get from one store and Put into another, 8 at a time,
// no network) is printed too: the floor the disk sets.
//
//	go run ./bench/atlas [-nodes 5,10,20] [-files 1000,10000] [-push 50] [-dir DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/atlas/atlastest"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

func main() {
	nodes := flag.String("nodes", "5,10,20", "network sizes, comma-separated")
	files := flag.String("files", "1000,10000", "zone file counts, comma-separated")
	push := flag.Int("push", 50, "new zone files pushed after each replication, to time propagation (0: none)")
	neighbours := flag.Int("neighbours", 0, "neighbours per node (0: the default, 80)")
	dir := flag.String("dir", "", "state folder (default: a temporary folder on /dev/shm if there is one, else in $TMPDIR)")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up on a replication after this long")
	flag.Parse()
	ns, err := ints(*nodes)
	if err != nil {
		fatal(err)
	}
	ms, err := ints(*files)
	if err != nil {
		fatal(err)
	}
	if err := run(ns, ms, *push, *neighbours, *dir, *timeout); err != nil {
		fatal(err)
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

type result struct {
	took     time.Duration
	sent     int64 // bytes, all nodes
	prop     atlastest.Propagation
	propSent int64
}

func run(ns, ms []int, push, neighbours int, dir string, timeout time.Duration) error {
	if dir == "" {
		parent := ""
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			parent = "/dev/shm"
		}
		tmp, err := os.MkdirTemp(parent, "bench-atlas")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	limits := atlas.Limits{NumNeighbors: neighbours}
	if neighbours == 0 {
		neighbours = atlas.DefaultLimits().NumNeighbors
	}
	fmt.Printf("state in %s; production timing and limits, %d neighbours per node\n\n", dir, neighbours)
	seq := 0
	fresh := func() string {
		seq++
		return filepath.Join(dir, strconv.Itoa(seq))
	}
	base := map[int]result{}
	fmt.Println("| M | baseline: copy of all M between 2 nodes | per copy | bytes per copy | store alone (no network), per copy |")
	fmt.Println("|---|---|---|---|---|")
	for _, m := range ms {
		r, err := replicate(2, m, 0, limits, fresh(), timeout, func(int, int) int { return 0 })
		if err != nil {
			return fmt.Errorf("baseline, %d zone files: %w", m, err)
		}
		floor, err := storeCopy(m, fresh())
		if err != nil {
			return err
		}
		base[m] = r
		fmt.Printf("| %d | %s | %s | %.0f B | %s |\n", m, r.took.Round(time.Millisecond), perCopy(r.took, m),
			float64(r.sent)/float64(m), perCopy(floor, m))
	}
	fmt.Println()
	fmt.Println("| N | M | replication | per copy | vs baseline | bytes per file per node | bytes per copy vs baseline | push: arrival p50 | p99 | all nodes p99 | push bytes per file per node |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, m := range ms {
		for _, n := range ns {
			r, err := replicate(n, m, push, limits, fresh(), timeout, func(_, n int) int { return rand.IntN(n) })
			if err != nil {
				return fmt.Errorf("%d nodes, %d zone files: %w", n, m, err)
			}
			b := base[m]
			copies := (n - 1) * m
			ratio := (float64(r.took) / float64(copies)) / (float64(b.took) / float64(m))
			byteRatio := (float64(r.sent) / float64(copies)) / (float64(b.sent) / float64(m))
			fmt.Printf("| %d | %d | %s | %s | %.2f× | %.0f B | %.2f× |", n, m, r.took.Round(time.Millisecond),
				perCopy(r.took, copies), ratio, float64(r.sent)/float64(m*n), byteRatio)
			if push > 0 {
				fmt.Printf(" %s | %s | %s | %.0f B |\n", atlastest.Percentile(r.prop.Arrivals, 0.5).Round(100*time.Microsecond),
					atlastest.Percentile(r.prop.Arrivals, 0.99).Round(100*time.Microsecond),
					atlastest.Percentile(r.prop.Complete, 0.99).Round(100*time.Microsecond), float64(r.propSent)/float64(push*n))
			} else {
				fmt.Println(" | | | |")
			}
		}
	}
	return nil
}

func perCopy(d time.Duration, copies int) string {
	return (d / time.Duration(copies)).Round(100 * time.Nanosecond).String()
}

// replicate seeds m zone files among n nodes (file i at node at(i, n)),
// starts them and times full replication, then pushes push new files and
// times their spread.
func replicate(n, m, push int, limits atlas.Limits, dir string, timeout time.Duration, at func(i, n int) int) (result, error) {
	var r result
	defer os.RemoveAll(dir) // 100k files on 20 nodes are 2M files
	c, err := atlastest.New(atlastest.Options{Nodes: n, Dir: dir, Timing: atlas.DefaultTiming(), Limits: limits})
	if err != nil {
		return r, err
	}
	defer c.Close()
	files := atlastest.Zonefiles(0, m)
	hashes := atlastest.Hashes(files)
	c.Chain.NameAll(hashes, 100)
	ctx := context.Background()
	if err := c.Seed(ctx, files, func(i int) *atlastest.Member { return c.Members[at(i, n)] }); err != nil {
		return r, err
	}
	if err := c.StartAll(); err != nil {
		return r, err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if r.took, err = c.WaitHold(wctx, hashes); err != nil {
		return r, err
	}
	for _, mb := range c.Members {
		r.sent += mb.Sent()
	}
	if err := c.Verify(ctx, hashes); err != nil {
		return r, err
	}
	if push == 0 {
		return r, nil
	}
	r.prop, err = c.Propagate(ctx, atlastest.Zonefiles(m, push), func(live []*atlastest.Member) *atlastest.Member {
		return live[rand.IntN(len(live))]
	}, time.Minute)
	if err != nil {
		return r, err
	}
	for _, mb := range c.Members {
		r.propSent += mb.Sent()
	}
	r.propSent -= r.sent
	return r, nil
}

// storeCopy times copying m zone files from one store to another, 8 at a
// time: the disk's share of a copy, without the network.
func storeCopy(m int, dir string) (time.Duration, error) {
	defer os.RemoveAll(dir)
	chain := atlastest.NewChain("floor")
	files := atlastest.Zonefiles(0, m)
	hashes := atlastest.Hashes(files)
	chain.NameAll(hashes, 100)
	ctx := context.Background()
	from, err := store.Open(filepath.Join(dir, "from"), chain, nil)
	if err != nil {
		return 0, err
	}
	defer from.Close()
	to, err := store.Open(filepath.Join(dir, "to"), chain, nil)
	if err != nil {
		return 0, err
	}
	defer to.Close()
	for _, f := range files {
		if _, _, err := from.Put(ctx, f); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < m; i += 8 {
				data, err := from.Get(hashes[i])
				if err == nil {
					_, _, err = to.Put(ctx, data)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// fatal logs err and exits 1.
func fatal(err error) {
	slog.Error("bench", "err", err)
	os.Exit(1)
}

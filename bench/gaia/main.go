// Command gaia is the Gaia hub load generator: it runs a hub on the disk
// driver on loopback, in this process, and measures stores/s and reads/s
// with p50/p99 latency for 4 KiB and 1 MiB objects at 1, 16 and 64
// concurrent clients, each client a client/storage Hub (v1 token,
// If-None-Match / If-Match on writes, as @stacks/storage). Every store is fsynced before
// its 202.
//
// The baseline, measured in the same run on the same disk, is the floor
// any durable store pays: write the bytes to a new file, fsync it, rename
// it into place and fsync the directory, with the same concurrency; and
// for reads, os.ReadFile of the same files. Figures are given as ratios to
// it because the machine is shared.
//
// Every phase is bounded in time (-phase) and in operation count (-max);
// traffic goes only to 127.0.0.1.
//
//	go run ./bench/gaia [-phase 3s] [-max 20000] [-dir DIR]
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
)

func main() {
	phase := flag.Duration("phase", 3*time.Second, "time limit of each measured phase")
	maxOps := flag.Int("max", 20000, "operation limit of each measured phase")
	dir := flag.String("dir", "", "storage folder (default: a temporary folder, removed afterwards)")
	flag.Parse()
	if err := run(*phase, *maxOps, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

type result struct {
	ops      int
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r result) rate() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// measure runs op from `clients` goroutines until the time or count limit
// and returns throughput and latency percentiles.
func measure(clients int, limit time.Duration, maxOps int, op func(client, seq int) error) (result, error) {
	var next atomic.Int64
	lats := make([][]time.Duration, clients)
	errs := make([]error, clients)
	deadline := time.Now().Add(limit)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for seq := 0; time.Now().Before(deadline); seq++ {
				if next.Add(1) > int64(maxOps) {
					return
				}
				t0 := time.Now()
				if err := op(c, seq); err != nil {
					errs[c] = err
					return
				}
				lats[c] = append(lats[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	if len(all) == 0 {
		return result{}, errors.New("no operation completed")
	}
	return result{ops: len(all), elapsed: elapsed, p50: all[len(all)/2], p99: all[len(all)*99/100]}, nil
}

// rawWrite is the baseline store: a new file, fsync, rename, fsync dir.
func rawWrite(dir string, name string, data []byte) error {
	tmp := filepath.Join(dir, ".tmp-"+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func run(phase time.Duration, maxOps int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gaia-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	drv, err := disk.New(filepath.Join(dir, "hub"))
	if err != nil {
		return err
	}
	defer drv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	hub, err := gaia.New(drv, gaia.Config{ReadURL: base + "/read/", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: hub, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	}()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, DisableCompression: true}}
	ctx := context.Background()
	fmt.Printf("Gaia hub load: disk driver in %s, phases of ≤%v and ≤%d operations, client and hub in one process on %d CPUs\n\n",
		dir, phase, maxOps, runtimeCPUs())
	fmt.Println("| object | clients | stores/s | store p50 | store p99 | baseline writes/s | store ratio | reads/s | read p50 | read p99 | baseline reads/s | read ratio |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, size := range []int{4 << 10, 1 << 20} {
		data := make([]byte, size)
		if _, err := rand.Read(data); err != nil {
			return err
		}
		ops := maxOps
		if size >= 1<<20 {
			ops = max(maxOps/10, 100)
		}
		for _, clients := range []int{1, 16, 64} {
			tag := fmt.Sprintf("s%d-c%d", size, clients)
			// Baseline writes and reads, same data, same concurrency.
			bdir := filepath.Join(dir, "baseline-"+tag)
			if err := os.MkdirAll(bdir, 0o700); err != nil {
				return err
			}
			bw, err := measure(clients, phase, ops, func(c, seq int) error {
				return rawWrite(bdir, fmt.Sprintf("%d-%d", c, seq), data)
			})
			if err != nil {
				return fmt.Errorf("baseline writes: %w", err)
			}
			written := make([]int, clients)
			br, err := measure(clients, phase, ops*5, func(c, seq int) error {
				_, err := os.ReadFile(filepath.Join(bdir, fmt.Sprintf("%d-%d", c, seq%max(bw.ops/clients, 1))))
				if errors.Is(err, os.ErrNotExist) {
					_, err = os.ReadFile(filepath.Join(bdir, "0-0"))
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("baseline reads: %w", err)
			}
			// The hub: one client (key, token, ETag memory) per goroutine.
			cs := make([]*storage.Hub, clients)
			for i := range cs {
				k, err := btcec.NewPrivateKey()
				if err != nil {
					return err
				}
				if cs[i], err = storage.Connect(ctx, storage.Config{HubURL: base, AppKey: k, HTTPClient: hc}); err != nil {
					return err
				}
			}
			st, err := measure(clients, phase, ops, func(c, seq int) error {
				written[c] = seq + 1
				_, err := cs[c].PutFile(ctx, fmt.Sprintf("%s/f%d", tag, seq), data, storage.PutOptions{ContentType: "application/octet-stream"})
				return err
			})
			if err != nil {
				return fmt.Errorf("stores: %w", err)
			}
			rd, err := measure(clients, phase, ops*5, func(c, seq int) error {
				n := max(written[c], 1)
				body, _, err := cs[c].GetFile(ctx, fmt.Sprintf("%s/f%d", tag, seq%n), storage.GetOptions{})
				if err == nil && len(body) != size {
					err = fmt.Errorf("read %d bytes, want %d", len(body), size)
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("reads: %w", err)
			}
			fmt.Printf("| %s | %d | %.0f | %s | %s | %.0f | %.2f× | %.0f | %s | %s | %.0f | %.2f× |\n",
				sizeName(size), clients, st.rate(), ms(st.p50), ms(st.p99), bw.rate(), st.rate()/bw.rate(),
				rd.rate(), ms(rd.p50), ms(rd.p99), br.rate(), rd.rate()/br.rate())
			if err := os.RemoveAll(bdir); err != nil {
				return err
			}
		}
	}
	return nil
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func runtimeCPUs() int { return runtime.NumCPU() }

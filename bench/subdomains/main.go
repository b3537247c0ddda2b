// Command subdomains measures how fast the subdomain indexer takes in
// zone files (issue 9's bench item): subdomain records indexed per second
// with their signatures verified.
//
// It generates a registrar's history (each domain's first zone file
// creates -records subdomains, each later one updates every one of them,
// signed by its owner, every tenth a transfer and one in twenty signed by
// the wrong key), indexes it into a fresh database with -feeders
// goroutines calling AddZonefile, checks the final state against the
// generator's, and reports the rate beside a baseline measured in the
// same run: raw ECDSA verifications per second on every core by the
// indexer's verifier (libsecp256k1 when built with cgo), which bounds any
// indexer that checks every signature; btcec's rate is shown beside it.
//
//	go run ./bench/subdomains [-domains 20] [-files 10] [-records 100] [-feeders 2] [-cpuprofile FILE]
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/internal/secpverify"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

type options struct {
	domains, files, records, feeders int
	dir, cpuProfile                  string
}

func main() {
	var o options
	flag.IntVar(&o.domains, "domains", 20, "domains (on-chain names) hosting subdomains")
	flag.IntVar(&o.files, "files", 10, "zone files per domain: one of creations, then updates")
	flag.IntVar(&o.records, "records", 100, "subdomain records per zone file")
	flag.IntVar(&o.feeders, "feeders", 2, "goroutines calling AddZonefile")
	flag.StringVar(&o.dir, "dir", "", "database folder (default: a temporary folder, removed afterwards)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the indexing to this file")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// workload is the generated history and what indexing it must give.
type workload struct {
	refs     []subdomains.ZonefileRef
	records  int
	signed   int // records whose signature is checked (seqn > 0)
	accepted int
	owners   map[string]string // final owner of every subdomain
}

func generate(o options) (*workload, error) {
	var keys []subdomains.SingleKey
	var addrs []string
	for i := range 8 {
		b := sha256.Sum256([]byte{byte(i)})
		priv, _ := btcec.PrivKeyFromBytes(b[:])
		k := subdomains.SingleKey{Priv: priv, Compressed: true}
		a, err := k.Address(&chaincfg.MainNetParams)
		if err != nil {
			return nil, err
		}
		keys, addrs = append(keys, k), append(addrs, a)
	}
	w := &workload{owners: map[string]string{}}
	owner := map[string]int{}
	seq := map[string]uint64{}
	block := int64(0)
	for f := range o.files {
		for d := range o.domains {
			domain := fmt.Sprintf("registrar%d.id", d)
			zf := &zonefile.File{Origin: domain, TTL: 3600, HasTTL: true}
			for i := range o.records {
				label := fmt.Sprintf("user%d", i)
				fqn := label + "." + domain
				sd := zonefile.Subdomain{Name: label, Seq: seq[fqn]}
				sd.ZoneFile = fmt.Appendf(nil, "$ORIGIN %s\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://hub.example/read/%d/profile.json\"\n", fqn, f)
				n := len(w.refs)*o.records + i
				var err error
				switch {
				case f == 0:
					owner[fqn] = n % len(keys)
					sd.Owner = addrs[owner[fqn]]
					w.accepted++
				case n%20 == 7: // signed by the wrong key: rejected
					sd.Owner = addrs[owner[fqn]]
					sd, err = subdomains.Sign(sd, keys[(owner[fqn]+1)%len(keys)])
					w.signed++
				default:
					next := owner[fqn]
					if n%10 == 3 {
						next = (next + 3) % len(keys)
					}
					sd.Owner = addrs[next]
					sd, err = subdomains.Sign(sd, keys[owner[fqn]])
					owner[fqn] = next
					w.signed++
					w.accepted++
				}
				if err != nil {
					return nil, err
				}
				if f == 0 || n%20 != 7 {
					seq[fqn]++
				}
				r, err := sd.Record()
				if err != nil {
					return nil, err
				}
				zf.Records = append(zf.Records, r)
				w.owners[fqn] = addrs[owner[fqn]]
			}
			data, err := zf.Format()
			if err != nil {
				return nil, err
			}
			if len(data) > zonefile.MaxSize {
				return nil, fmt.Errorf("a zone file of %d records is %d bytes, over the %d limit: use fewer -records", o.records, len(data), zonefile.MaxSize)
			}
			block++
			idx := int64(len(w.refs) + 1)
			w.refs = append(w.refs, subdomains.ZonefileRef{Name: domain, Block: block, Index: idx,
				Txid: fmt.Sprintf("%064x", idx), Hash: zonefile.HashOf(data), Data: data})
			w.records += o.records
		}
	}
	return w, nil
}

// baseline verifies n signatures on every core, as the indexer's
// verification does, with the indexer's verifier (libsecp256k1 when built
// with cgo) or with btcec, and returns verifications per second and the
// CPU time of one.
func baseline(n int, withBtcec bool) (float64, time.Duration) {
	priv, _ := btcec.PrivKeyFromBytes(append([]byte{1}, make([]byte, 31)...))
	h := sha256.Sum256([]byte("baseline"))
	compact, pub := ecdsa.SignCompact(priv, h[:], true)[1:], priv.PubKey()
	pubBytes := pub.SerializeCompressed()
	verify := func() bool { return secpverify.Verify(pubBytes, h[:], compact) }
	if withBtcec {
		sig := ecdsa.Sign(priv, h[:])
		verify = func() bool { return sig.Verify(h[:], pub) }
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if !verify() {
					panic("baseline signature does not verify")
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), (cpuTime() - cpu0) / time.Duration(n)
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.domains < 1 || o.files < 2 || o.records < 1 || o.feeders < 1 {
		return errors.New("want -domains ≥ 1, -files ≥ 2, -records ≥ 1, -feeders ≥ 1")
	}
	t0 := time.Now()
	w, err := generate(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  generated %d zone files, %d records (%d signed) in %.1f s\n", len(w.refs), w.records, w.signed, time.Since(t0).Seconds())

	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-subdomains-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	path := filepath.Join(dir, "subdomains.db")
	ix, err := subdomains.Open(path)
	if err != nil {
		return err
	}
	defer ix.Close()

	// The machine may be shared: the baselines run before and after the
	// indexing and the two are averaged, and CPU times are compared too.
	base1, baseCPU1 := baseline(w.signed/2, false)
	btc1, btcCPU1 := baseline(w.signed/4, true)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cpu0 := cpuTime()
	start := time.Now()
	var next atomic.Int64
	errs := make([]error, o.feeders)
	var wg sync.WaitGroup
	// Feeders take zone files in chain order but commit in whatever order
	// they finish: the state does not depend on it.
	for f := range o.feeders {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(w.refs) || errs[f] != nil {
					return
				}
				errs[f] = ix.AddZonefile(ctx, w.refs[i])
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := check(ctx, ix, w); err != nil {
		return fmt.Errorf("the indexed state is wrong: %w", err)
	}
	base2, baseCPU2 := baseline(w.signed/2, false)
	btc2, btcCPU2 := baseline(w.signed/4, true)
	base, baseCPU := (base1+base2)/2, (baseCPU1+baseCPU2)/2
	btc, btcCPU := (btc1+btc2)/2, (btcCPU1+btcCPU2)/2
	st, err := os.Stat(path)
	if err != nil {
		return err
	}

	rate := float64(w.records) / elapsed.Seconds()
	perRecord := cpu.Seconds() * 1e6 / float64(w.records)
	us := func(d time.Duration) float64 { return d.Seconds() * 1e6 }
	fmt.Fprintf(out, "| what | figure |\n|---|---|\n")
	fmt.Fprintf(out, "| workload | %d domains × %d zone files × %d records: %d records, %d with a signature checked, %d accepted |\n",
		o.domains, o.files, o.records, w.records, w.signed, w.accepted)
	fmt.Fprintf(out, "| index (%d feeders, %d cores) | %.2f s: **%.0f records/s** (%.0f signed records/s); CPU %.1f µs a record |\n",
		o.feeders, runtime.GOMAXPROCS(0), elapsed.Seconds(), rate, float64(w.signed)/elapsed.Seconds(), perRecord)
	fmt.Fprintf(out, "| baseline, same run: raw ECDSA verifications on %d cores by the indexer's verifier (%s) | %.0f verifications/s (%.0f and %.0f before and after), CPU %.1f µs each; indexer = %.2f× the baseline in records/s, its CPU a record = %.2f verifications |\n",
		runtime.GOMAXPROCS(0), secpverify.Impl, base, base1, base2, us(baseCPU), rate/base, perRecord/us(baseCPU))
	fmt.Fprintf(out, "| for context, same run: btcec's raw verifications on %d cores | %.0f verifications/s (%.0f and %.0f), CPU %.1f µs each: %.2f× the indexer's verifier's CPU; indexer = %.2f× btcec's rate in records/s |\n",
		runtime.GOMAXPROCS(0), btc, btc1, btc2, us(btcCPU), us(btcCPU)/us(baseCPU), rate/btc)
	fmt.Fprintf(out, "| database | %.1f MiB (WAL not counted) |\n", float64(st.Size())/(1<<20))
	fmt.Fprintf(out, "| target ≥ 20,000 records/s | %s |\n", map[bool]string{true: "met", false: "**not met**"}[rate >= 20000])
	return nil
}

// check compares the indexed state with the generator's bookkeeping.
func check(ctx context.Context, ix *subdomains.Indexer, w *workload) error {
	n, err := ix.Count(ctx)
	if err != nil {
		return err
	}
	if n != int64(len(w.owners)) {
		return fmt.Errorf("%d subdomains, want %d", n, len(w.owners))
	}
	accepted := 0
	for fqn, owner := range w.owners {
		r, err := ix.Get(ctx, fqn)
		if err != nil {
			return err
		}
		if r.Owner != owner {
			return fmt.Errorf("%s: owner %s, want %s", fqn, r.Owner, owner)
		}
		hist, err := ix.History(ctx, fqn)
		if err != nil {
			return err
		}
		for _, h := range hist {
			if h.Accepted {
				accepted++
			}
		}
	}
	if accepted != w.accepted {
		return fmt.Errorf("%d records accepted, want %d", accepted, w.accepted)
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

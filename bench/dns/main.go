// Command dns measures the DNS server for BNS names (package bnsdns, what
// blockstack dns runs) at scale, beside NSD serving the same records as
// one static zone on the same machine in the same run.
//
// It makes -names names in one namespace, each with a one-record zone
// file (made up from the name's number when the server asks, so that the
// process's memory is the server's), serves them with bnsdns on loopback,
// asks every name once (the cold pass: each a source read, a hash check
// and a parse), then measures A queries for random names over UDP from
// -workers closed-loop workers for -duration: queries per second, p50 and
// p99 latency, queries lost. Then, if Debian's nsd is installed, the same
// queries against NSD loaded with the same records, alternating with
// bnsdns for -rounds rounds, and the ratio. Memory: the Go heap the
// server's cache holds once every name is in it, and NSD's processes'
// proportional set size.
//
// With -dnssec the server signs and the queries ask for signatures: the
// cold pass then signs every answer once, the rounds serve cached ones.
//
//	go run ./bench/dns [-names 1000000] [-duration 10s] [-rounds 3] [-workers 4] [-nsd-servers 1] [-dnssec]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"time"

	"github.com/go-blockstack/go-blockstack/bnsdns"
	"github.com/go-blockstack/go-blockstack/internal/loadgen"
)

type options struct {
	names, rounds, workers, nsdServers int
	duration                           time.Duration
	nsd                                string // NSD's binary; "": no comparison
	dnssec                             bool
}

func main() {
	serveIfAsked()
	var o options
	flag.IntVar(&o.names, "names", 1_000_000, "names served")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds, each a run against bnsdns then one against NSD")
	flag.IntVar(&o.workers, "workers", 4, "closed-loop UDP clients, each with one query in flight")
	flag.IntVar(&o.nsdServers, "nsd-servers", 1, "NSD's server processes (its server-count; 1 is its default)")
	flag.StringVar(&o.nsd, "nsd", "nsd", `NSD's program ("" compares with nothing)`)
	flag.BoolVar(&o.dnssec, "dnssec", false, "bnsdns signs (DNSSEC) and every query asks for signatures (DO); NSD's zone is not signed")
	flag.Parse()
	if o.nsd != "" {
		p, err := exec.LookPath(o.nsd)
		if err != nil {
			p, err = exec.LookPath("/usr/sbin/nsd")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "dns bench: nsd not found: apt-get install nsd, or -nsd '' to measure bnsdns alone")
			os.Exit(1)
		}
		o.nsd = p
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dns bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	srv, err := startServer(o.names, o.dnssec)
	if err != nil {
		return err
	}
	defer srv.stop()
	addr := srv.addr
	signed := ""
	if o.dnssec {
		signed = " with the DO bit, bnsdns signing (NSD's zone is not signed)"
	}
	fmt.Fprintf(out, "%d names, each a zone file of one A record; A queries%s over UDP from %d closed-loop clients, %d cores\n",
		o.names, signed, o.workers, runtime.GOMAXPROCS(0))

	l := &load{names: o.names, workers: o.workers, do: o.dnssec}
	cold, err := l.run(addr, 0)
	if err != nil {
		return fmt.Errorf("bnsdns, cold pass: %w", err)
	}
	fmt.Fprintf(out, "bnsdns, cold (every name once, each read from the source): %s\n", l.line(cold))
	mem, err := pss(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bnsdns memory with every name cached: %s (PSS of its process, %d bytes a name)\n", mib(mem), mem/int64(o.names))

	var nsd *nsdServer
	var nsdAddr string
	if o.nsd != "" {
		dir, err := os.MkdirTemp("", "bench-dns")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// A port free for UDP and TCP, as NSD listens on both.
		p, t, err := bnsdns.Listen("127.0.0.1:0")
		if err != nil {
			return err
		}
		nsdAddr = p.LocalAddr().String()
		p.Close()
		t.Close()
		if nsd, err = startNSD(o.nsd, nsdAddr, dir, o.names, o.nsdServers); err != nil {
			return err
		}
		defer nsd.stop()
		mem, err := pss(nsd.cmd.Process.Pid)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s, %d server process(es): the same records as one static zone, loaded in %s; memory (PSS of its processes) %s\n",
			nsd.version, o.nsdServers, nsd.loaded.Round(100*time.Millisecond), mib(mem))
	}

	var ours, theirs []loadgen.Result
	for round := 1; round <= o.rounds; round++ {
		r, err := l.run(addr, o.duration)
		if err != nil {
			return fmt.Errorf("bnsdns: %w", err)
		}
		ours = append(ours, r)
		fmt.Fprintf(out, "round %d: bnsdns %s\n", round, l.line(r))
		if nsd == nil {
			continue
		}
		if r, err = l.run(nsdAddr, o.duration); err != nil {
			return fmt.Errorf("nsd: %w", err)
		}
		theirs = append(theirs, r)
		fmt.Fprintf(out, "round %d: nsd    %s\n", round, l.line(r))
	}
	if err := srv.stop(); err != nil {
		return err
	}
	if nsd != nil {
		a, b := median(ours), median(theirs)
		fmt.Fprintf(out, "bnsdns/nsd, medians of the rounds: %.2f of the rate (%.0f vs %.0f q/s), p50 %s vs %s, p99 %s vs %s\n",
			a.Rate()/b.Rate(), a.Rate(), b.Rate(), ms(a.P50), ms(b.P50), ms(a.P99), ms(b.P99))
	}
	return nil
}

// line is one run's figures.
func (l *load) line(r loadgen.Result) string {
	return fmt.Sprintf("%.0f q/s, p50 %s, p99 %s, %d queries, %d lost", r.Rate(), ms(r.P50), ms(r.P99), r.Ops, l.lost.Load())
}

// median is the run of median rate.
func median(rs []loadgen.Result) loadgen.Result {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b loadgen.Result) int { return int(a.Rate() - b.Rate()) })
	return rs[len(rs)/2]
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

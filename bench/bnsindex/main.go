// Command bnsindex measures how fast go-blockstack indexes BNS from
// scratch (issue 4's bench item).
//
// It generates a synthetic chain with internal/bnsgen (or reuses the file
// a previous run left with the same parameters), indexes it from block 1
// into a fresh name database with virtualchain, checks every block's
// consensus hash and accepted/rejected counts against what the generator
// recorded, and reports throughput, memory and database size beside a
// baseline measured in the same run: the same blocks read and every
// operation decoded with bns.Decode alone.
//
// The chain is generated in a child process, so that the figures of this
// process (peak RSS above all) are the indexer's.
//
//	go run ./bench/bnsindex                          # 100,000 blocks, 1,000,000 valid ops, 5% invalid
//	go run ./bench/bnsindex -blocks 10000 -ops 100000 -cpuprofile cpu.out
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/bnsgen"
	"github.com/go-blockstack/go-blockstack/internal/gctune"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

type options struct {
	cfg        bnsgen.Config
	rules      string // name of cfg.Rules
	out        string
	regen      bool
	dbDir      string
	keep       bool
	cpuProfile string
	memProfile string
	genOnly    bool
	jsonOut    string
	// genInProcess generates the chain in this process (tests: the test
	// binary cannot be re-run as bnsindex).
	genInProcess bool
}

func main() {
	var o options
	def := bnsgen.DefaultConfig()
	flag.IntVar(&o.cfg.Blocks, "blocks", def.Blocks, "blocks to generate")
	flag.IntVar(&o.cfg.Ops, "ops", def.Ops, "valid name operations to generate")
	flag.Float64Var(&o.cfg.Invalid, "invalid", def.Invalid, "share of invalid name operations among all")
	flag.Uint64Var(&o.cfg.Seed, "seed", def.Seed, "generator seed")
	flag.IntVar(&o.cfg.Filler, "filler", 0, "plain (non-BNS) transactions per block")
	flag.StringVar(&o.cfg.Network, "network", def.Network, "network the operations are encoded for")
	flag.StringVar(&o.rules, "rules", "mainnet", "rules: mainnet or devnet")
	flag.StringVar(&o.out, "out", "", "chain file (default: a file named after the parameters in the temp dir); reused when its parameters match")
	flag.BoolVar(&o.regen, "regen", false, "generate the chain file even if it exists")
	flag.StringVar(&o.dbDir, "db", "", "directory for the name database (default: a temp dir, removed afterwards unless -keep)")
	flag.BoolVar(&o.keep, "keep", false, "keep the name database")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the indexing (with -generate-only: of the generation) to this file")
	flag.StringVar(&o.memProfile, "memprofile", "", "write a heap profile (live objects) at the end of the indexing to this file")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.BoolVar(&o.genOnly, "generate-only", false, "only generate the chain file (used by the child process)")
	flag.Parse()
	switch o.rules {
	case "mainnet":
		o.cfg.Rules = rules.MainnetRules
	case "devnet":
		o.cfg.Rules = rules.DevnetRules
	default:
		fatal(fmt.Errorf("unknown -rules %q", o.rules))
	}
	if o.out == "" {
		o.out = filepath.Join(os.TempDir(), fmt.Sprintf("bnsindex-b%d-o%d-i%g-s%d-f%d-%s-%s.chain",
			o.cfg.Blocks, o.cfg.Ops, o.cfg.Invalid, o.cfg.Seed, o.cfg.Filler, o.cfg.Network, o.rules))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if o.genOnly {
		err = generate(ctx, o)
	} else {
		err = run(ctx, o, os.Stdout)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bnsindex:", err)
	os.Exit(1)
}

// generate writes the chain file (in the child process).
func generate(ctx context.Context, o options) error {
	if o.cpuProfile != "" && o.genOnly {
		stop, err := startProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	start, last := time.Now(), time.Now()
	meta, err := bnsgen.Generate(ctx, o.cfg, o.out, bnsgen.Options{
		Progress: func(h, tip int64) {
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				fmt.Fprintf(os.Stderr, "  generated %d/%d blocks (%.0f s)\n", h, tip, time.Since(start).Seconds())
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  generated %d blocks, %d valid and %d invalid operations in %.1f s\n",
		meta.Tip, meta.Valid, meta.Invalid, time.Since(start).Seconds())
	return nil
}

// sameConfig reports whether a chain file was generated with cfg by this
// version of the generator.
func sameConfig(meta bnsgen.Meta, cfg bnsgen.Config) bool {
	got := meta.Config
	got.ShortLifetime = 0 // a default the generator filled in
	return got == cfg && meta.Generator == bnsgen.GeneratorVersion
}

// chainFile returns the chain file, generating it in a child process when
// it is missing or was made with other parameters.
func chainFile(ctx context.Context, o options, w io.Writer) (c *bnsgen.Chain, genTime time.Duration, err error) {
	if !o.regen {
		if c, err := bnsgen.Open(o.out); err == nil {
			if sameConfig(c.Meta(), o.cfg) {
				fmt.Fprintf(w, "reusing %s\n", o.out)
				return c, 0, nil
			}
			c.Close()
		}
	}
	fmt.Fprintf(w, "generating %s\n", o.out)
	start := time.Now()
	if o.genInProcess {
		if err := generate(ctx, o); err != nil {
			return nil, 0, err
		}
	} else {
		self, err := os.Executable()
		if err != nil {
			return nil, 0, err
		}
		cmd := exec.CommandContext(ctx, self, append([]string{"-generate-only", "-out", o.out}, o.args(true)...)...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, 0, fmt.Errorf("generating the chain: %w", err)
		}
	}
	genTime = time.Since(start)
	c, err = bnsgen.Open(o.out)
	if err != nil {
		return nil, 0, err
	}
	if !sameConfig(c.Meta(), o.cfg) {
		c.Close()
		return nil, 0, errors.New("the generated chain does not have the requested parameters")
	}
	return c, genTime, nil
}

// results are the figures of one run.
type results struct {
	Meta          bnsgen.Meta `json:"chain"`
	ChainBytes    int64       `json:"chain_file_bytes"`
	GenerateSecs  float64     `json:"generate_seconds,omitempty"`
	IndexSecs     float64     `json:"index_seconds"`
	CPUSecs       float64     `json:"index_cpu_seconds"`
	Blocks        int64       `json:"blocks"`
	Accepted      int         `json:"accepted"`
	Rejected      int         `json:"rejected"`
	Mismatches    int         `json:"consensus_mismatches"`
	FirstMismatch string      `json:"first_mismatch,omitempty"`
	// Windows are the ops/s of each tenth of the chain, in order.
	Windows      []float64 `json:"window_ops_per_second"`
	PeakRSS      int64     `json:"peak_rss_bytes"`
	PeakHeap     uint64    `json:"peak_heap_bytes"`
	DBBytes      int64     `json:"db_bytes"`
	Backend      bnsgen.BackendStats
	DecodeSecs   float64 `json:"decode_seconds"`
	DecodeOnly   float64 `json:"decode_only_seconds"`
	DecodeOps    int     `json:"decode_ops"`
	DecodeErrors int     `json:"decode_errors"`
	Command      string  `json:"command"`
}

func run(ctx context.Context, o options, w io.Writer) error {
	c, genTime, err := chainFile(ctx, o, w)
	if err != nil {
		return err
	}
	defer c.Close()
	r := results{Meta: c.Meta(), GenerateSecs: genTime.Seconds(), Command: strings.Join(append([]string{"go", "run", "./bench/bnsindex"}, o.args(false)...), " ")}
	if st, err := os.Stat(o.out); err == nil {
		r.ChainBytes = st.Size()
	}

	dir := o.dbDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bnsindex-db-"); err != nil {
			return err
		}
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dbPath := filepath.Join(dir, "names.db")
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("%s exists: indexing starts from scratch", dbPath)
	}
	db, err := namedb.Open(dbPath)
	if err != nil {
		return err
	}

	if err := index(ctx, o, c, db, &r); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if r.DBBytes, err = dirSize(dir); err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "  decoding the same blocks (baseline)")
	ds, err := bnsgen.DecodeBaseline(ctx, c)
	if err != nil {
		return err
	}
	r.DecodeSecs, r.DecodeOnly, r.DecodeOps, r.DecodeErrors = ds.Elapsed.Seconds(), ds.DecodeTime.Seconds(), ds.Ops, ds.Errors

	report(w, &r)
	if o.jsonOut != "" {
		raw, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, raw, 0o644); err != nil {
			return err
		}
	}
	if r.Mismatches > 0 {
		return fmt.Errorf("%d blocks differ from the generator's record; first: %s", r.Mismatches, r.FirstMismatch)
	}
	return nil
}

// index runs the measured part: indexing from scratch.
func index(ctx context.Context, o options, c *bnsgen.Chain, db *namedb.DB, r *results) error {
	tip := c.Meta().Tip
	window := max(tip/10, 1)
	var ms runtime.MemStats
	start, last := time.Now(), time.Now()
	winStart, winOps, ops := start, 0, 0
	onBlock := func(b namedb.Block) {
		ops += b.Accepted + b.Rejected
		winOps += b.Accepted + b.Rejected
		if b.Height%500 == 0 {
			runtime.ReadMemStats(&ms)
			r.PeakHeap = max(r.PeakHeap, ms.HeapAlloc)
		}
		if b.Height%window == 0 || b.Height == tip {
			r.Windows = append(r.Windows, float64(winOps)/time.Since(winStart).Seconds())
			winStart, winOps = time.Now(), 0
		}
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			el := time.Since(start).Seconds()
			fmt.Fprintf(os.Stderr, "  indexed %d/%d blocks, %d ops, %.0f ops/s (%.0f s)\n", b.Height, tip, ops, float64(ops)/el, el)
		}
	}
	if o.cpuProfile != "" {
		stop, err := startProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	gctune.Tune() // the collector's settings of the node (blockstack node)
	fmt.Fprintf(os.Stderr, "  indexing %d blocks from scratch\n", tip)
	cpu0 := cpuTime()
	st, err := bnsgen.Index(ctx, c, db, onBlock)
	if err != nil {
		return err
	}
	r.CPUSecs = (cpuTime() - cpu0).Seconds()
	if o.memProfile != "" {
		f, err := os.Create(o.memProfile)
		if err != nil {
			return err
		}
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	r.IndexSecs = st.Elapsed.Seconds()
	r.Blocks, r.Accepted, r.Rejected = st.Blocks, st.Accepted, st.Rejected
	r.Mismatches, r.FirstMismatch = st.Mismatches, st.First
	r.Backend = c.Stats()
	runtime.ReadMemStats(&ms)
	r.PeakHeap = max(r.PeakHeap, ms.HeapAlloc)
	r.PeakRSS = vmHWM()
	return nil
}

func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set size, from /proc/self/status.
func vmHWM() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return -1
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

// args are the flags that choose the chain; all of them, or only those
// that differ from the defaults.
func (o options) args(all bool) []string {
	def := bnsgen.DefaultConfig()
	var args []string
	add := func(name, value, dflt string) {
		if all || value != dflt {
			args = append(args, "-"+name, value)
		}
	}
	add("blocks", strconv.Itoa(o.cfg.Blocks), strconv.Itoa(def.Blocks))
	add("ops", strconv.Itoa(o.cfg.Ops), strconv.Itoa(def.Ops))
	add("invalid", strconv.FormatFloat(o.cfg.Invalid, 'g', -1, 64), strconv.FormatFloat(def.Invalid, 'g', -1, 64))
	add("seed", strconv.FormatUint(o.cfg.Seed, 10), strconv.FormatUint(def.Seed, 10))
	add("filler", strconv.Itoa(o.cfg.Filler), "0")
	add("network", o.cfg.Network, def.Network)
	add("rules", o.rules, "mainnet")
	return args
}

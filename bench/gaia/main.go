// Command gaia is the Gaia hub load generator: it runs a hub on the disk
// driver on loopback, in this process, and measures stores/s and reads/s
// with p50/p99 latency for 4 KiB and 1 MiB objects at 1, 16 and 64
// concurrent clients. Each storing client is a client/storage Hub (v1
// token, If-None-Match / If-Match on writes, as @stacks/storage); every
// store is fsynced before its 202. Each reading client GETs the files back
// from the hub's read URL, as any app reading a public file does, over a
// keep-alive connection of its own (internal/loadgen).
//
// The baselines, measured in the same run with the same concurrency, are
// the floor each side pays: for stores, writing the bytes to a new file,
// fsync, rename into place and fsync of the directory, on the same disk;
// for reads, a bare net/http server on loopback that answers every GET
// with the same bytes from memory, read by the same client. Figures are
// given as ratios to them because the machine is shared.
//
// Every phase is bounded in time (-phase) and in operation count (-max);
// traffic goes only to 127.0.0.1.
//
// With -hub URL it measures, with the same clients, a hub that runs
// elsewhere (another process on loopback: `blockstack hub`, or another
// implementation, such as the Node.js reference hub), and reads from the
// read URL prefix that hub's /hub_info gives.
//
// With -tls it runs two hubs in the process, one over plain HTTP and one
// over TLS (ECDSA P-256, a certificate made in the process, trusted by the
// clients), and measures them alternately, phase by phase, on kept-alive
// HTTP/1.1 connections, instead of the baselines: the ratio is what
// encryption costs the hub once the handshakes are paid.
//
// With -metrics it runs two hubs in the process over one disk driver, one
// with its Prometheus metrics on, and measures 4 KiB reads from them
// alternately, instead of the baselines: the ratio is what the metrics
// cost the hub's hot path.
//
// With -drivers it measures a hub in this process over each driver in
// turn: disk, S3 against versitygw, GCS against fake-gcs-server and Azure
// against Azurite, each emulator on loopback, started as the driver tests
// start it (installed by .ci/run), instead of the baselines. Emulators
// are not the clouds: the figures compare the drivers' code paths and the
// emulators, not the services.
//
//	go run ./bench/gaia [-phase 3s] [-max 20000] [-dir DIR] [-hub URL | -tls | -metrics | -drivers] [-cpuprofile FILE]
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/loadgen"
	"github.com/go-blockstack/go-blockstack/internal/testcert"
)

func main() {
	phase := flag.Duration("phase", 3*time.Second, "time limit of each measured phase")
	maxOps := flag.Int("max", 20000, "operation limit of each measured phase")
	dir := flag.String("dir", "", "storage folder (default: a temporary folder, removed afterwards)")
	hubURL := flag.String("hub", "", "measure the hub at this loopback URL instead of one in this process")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	overTLS := flag.Bool("tls", false, "measure a hub over TLS beside one over plain HTTP, alternating, instead of the baselines")
	withMetrics := flag.Bool("metrics", false, "measure reads from a hub with Prometheus metrics beside one without, alternating, instead of the baselines")
	drivers := flag.Bool("drivers", false, "measure a hub over each driver (disk, and S3, GCS and Azure against their emulators), one after another, instead of the baselines")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var err error
	switch {
	case (*overTLS || *withMetrics || *drivers) && *hubURL != "":
		err = fmt.Errorf("-tls, -metrics and -drivers measure hubs in this process: give one of them or -hub")
	case *overTLS && *withMetrics || *overTLS && *drivers || *withMetrics && *drivers:
		err = fmt.Errorf("give one of -tls, -metrics and -drivers")
	case *drivers:
		err = runDriversCommand(*phase, *maxOps, *dir)
	case *overTLS:
		err = runTLS(*phase, *maxOps, *dir)
	case *withMetrics:
		err = runMetrics(*phase, *maxOps, *dir)
	default:
		err = run(*phase, *maxOps, *dir, *hubURL)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
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

func run(phase time.Duration, maxOps int, dir, hubURL string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gaia-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	where := "the hub in this process, disk driver in " + dir
	base := hubURL
	if base == "" {
		var stop func()
		var err error
		if base, stop, err = serveHub(filepath.Join(dir, "hub"), nil); err != nil {
			return err
		}
		defer stop()
	} else {
		u, err := url.Parse(base)
		if err != nil || u.Scheme != "http" || !net.ParseIP(u.Hostname()).IsLoopback() {
			return fmt.Errorf("-hub %q: want an http URL on a loopback address", base)
		}
		where = "the hub at " + base
	}

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, DisableCompression: true}}
	ctx := context.Background()
	fmt.Printf("Gaia hub load: %s, baselines in %s, phases of ≤%v and ≤%d operations, on %d CPUs\n\n",
		where, dir, phase, maxOps, runtimeCPUs())
	fmt.Println("| object | clients | stores/s | store p50 | store p99 | baseline writes/s | store ratio | reads/s | read p50 | read p99 | bare HTTP reads/s | read ratio |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	return eachObject(maxOps, func(size int, data []byte, ops int) error {
		bare, stopBare, err := serveBare(data)
		if err != nil {
			return err
		}
		defer stopBare()
		for _, clients := range []int{1, 16, 64} {
			tag := fmt.Sprintf("s%d-c%d", size, clients)
			// Baseline writes and reads, same data, same concurrency.
			bdir := filepath.Join(dir, "baseline-"+tag)
			if err := os.MkdirAll(bdir, 0o700); err != nil {
				return err
			}
			bw, err := loadgen.Run(clients, phase, ops, func(c, seq int) error {
				return rawWrite(bdir, fmt.Sprintf("%d-%d", c, seq), data)
			})
			if err != nil {
				return fmt.Errorf("baseline writes: %w", err)
			}
			br, err := readAll(bare, nil, clients, phase, ops*5, size, func(c, seq int) string { return "/" })
			if err != nil {
				return fmt.Errorf("baseline reads: %w", err)
			}
			st, rd, err := measureHub(ctx, hub{base: base, hc: hc}, tag, data, clients, phase, ops)
			if err != nil {
				return err
			}
			fmt.Printf("| %s | %d | %.0f | %s | %s | %.0f | %.2f× | %.0f | %s | %s | %.0f | %.2f× |\n",
				sizeName(size), clients, st.Rate(), ms(st.P50), ms(st.P99), bw.Rate(), st.Rate()/bw.Rate(),
				rd.Rate(), ms(rd.P50), ms(rd.P99), br.Rate(), rd.Rate()/br.Rate())
			if err := os.RemoveAll(bdir); err != nil {
				return err
			}
		}
		return nil
	})
}

// runTLS measures a hub over TLS beside one over plain HTTP, alternating
// phase by phase, both in this process on the disk driver in dir.
func runTLS(phase time.Duration, maxOps int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gaia-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cert, ca, err := testcert.Loopback()
	if err != nil {
		return err
	}
	client := &tls.Config{RootCAs: ca.Pool()}
	var hubs [2]hub
	for i, cfg := range []*tls.Config{nil, {Certificates: []tls.Certificate{cert}}} {
		base, stop, err := serveHub(filepath.Join(dir, fmt.Sprintf("hub%d", i)), cfg)
		if err != nil {
			return err
		}
		defer stop()
		tr := &http.Transport{MaxIdleConnsPerHost: 128, DisableCompression: true}
		hubs[i] = hub{base: base, hc: &http.Client{Transport: tr}}
		if cfg != nil {
			tr.TLSClientConfig = client
			hubs[i].read = client
		}
	}
	ctx := context.Background()
	fmt.Printf("Gaia hub over TLS and over plain HTTP: two hubs in this process, disk driver in %s, alternating phases of ≤%v and ≤%d operations, on %d CPUs\n\n",
		dir, phase, maxOps, runtimeCPUs())
	fmt.Println("| object | clients | stores/s plain | stores/s TLS | store ratio | reads/s plain | reads/s TLS | read ratio | read p99 plain | read p99 TLS |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	return eachObject(maxOps, func(size int, data []byte, ops int) error {
		for _, clients := range []int{1, 16, 64} {
			var st, rd [2]loadgen.Result
			for i, h := range hubs {
				if st[i], rd[i], err = measureHub(ctx, h, fmt.Sprintf("s%d-c%d", size, clients), data, clients, phase, ops); err != nil {
					return err
				}
			}
			fmt.Printf("| %s | %d | %.0f | %.0f | %.2f× | %.0f | %.0f | %.2f× | %s | %s |\n",
				sizeName(size), clients, st[0].Rate(), st[1].Rate(), st[1].Rate()/st[0].Rate(),
				rd[0].Rate(), rd[1].Rate(), rd[1].Rate()/rd[0].Rate(), ms(rd[0].P99), ms(rd[1].P99))
		}
		return nil
	})
}

// eachObject calls f with each object size the hub is measured with (4
// KiB and 1 MiB), random content of that size, and the operations a phase
// may make of it (for 1 MiB, a tenth of maxOps, at least 100).
func eachObject(maxOps int, f func(size int, data []byte, ops int) error) error {
	for _, size := range []int{4 << 10, 1 << 20} {
		data := make([]byte, size)
		if _, err := rand.Read(data); err != nil {
			return err
		}
		ops := maxOps
		if size >= 1<<20 {
			ops = max(maxOps/10, 100)
		}
		if err := f(size, data, ops); err != nil {
			return err
		}
	}
	return nil
}

// hub is a hub the benchmark stores to and reads from: its URL, the
// client of the stores, and the TLS configuration of the reads (nil:
// plain HTTP).
type hub struct {
	base string
	hc   *http.Client
	read *tls.Config
}

// measureHub stores data under tag with clients clients (one storage
// client, key and token each), then reads the files back from the hub's
// read URL prefix.
func measureHub(ctx context.Context, h hub, tag string, data []byte, clients int, phase time.Duration, ops int) (st, rd loadgen.Result, err error) {
	written := make([]int, clients)
	// The hub: one client (key, token, ETag memory) per goroutine.
	cs := make([]*storage.Hub, clients)
	for i := range cs {
		k, err := btcec.NewPrivateKey()
		if err != nil {
			return loadgen.Result{}, loadgen.Result{}, err
		}
		if cs[i], err = storage.Connect(ctx, storage.Config{HubURL: h.base, AppKey: k, HTTPClient: h.hc}); err != nil {
			return loadgen.Result{}, loadgen.Result{}, err
		}
	}
	st, err = loadgen.Run(clients, phase, ops, func(c, seq int) error {
		written[c] = seq + 1
		_, err := cs[c].PutFile(ctx, fmt.Sprintf("%s/f%d", tag, seq), data, storage.PutOptions{ContentType: "application/octet-stream"})
		return err
	})
	if err != nil {
		return st, loadgen.Result{}, fmt.Errorf("stores: %w", err)
	}
	// Each client reads back what it wrote; one that wrote nothing
	// (the count limit came first) reads another's files.
	var writers []int
	for c, n := range written {
		if n > 0 {
			writers = append(writers, c)
		}
	}
	// Reads go where the hub's read_url_prefix says.
	prefix, err := url.Parse(cs[0].Info().ReadURLPrefix)
	if err != nil {
		return st, loadgen.Result{}, err
	}
	rd, err = readAll(prefix.Host, h.read, clients, phase, ops*5, len(data), func(c, seq int) string {
		if written[c] == 0 {
			c = writers[c%len(writers)]
		}
		return prefix.Path + cs[c].Address() + fmt.Sprintf("/%s/f%d", tag, seq%written[c])
	})
	if err != nil {
		return st, rd, fmt.Errorf("reads: %w", err)
	}
	return st, rd, nil
}

// serveHub starts a hub on the disk driver in dir, on loopback, in this
// process, over TLS if cfg is not nil (as httpserve.ServeTLS does); stop
// shuts it down.
func serveHub(dir string, cfg *tls.Config) (base string, stop func(), err error) {
	drv, err := disk.New(dir)
	if err != nil {
		return "", nil, err
	}
	base, stopHub, err := startHub(drv, cfg, nil)
	if err != nil {
		drv.Close()
		return "", nil, err
	}
	return base, func() { stopHub(); drv.Close() }, nil
}

// startHub serves a hub over drv on loopback, over TLS if cfg is not nil,
// its Prometheus metrics in reg (nil: none); stop shuts its server down.
func startHub(drv gaia.Driver, cfg *tls.Config, reg prometheus.Registerer) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	base = "http://" + ln.Addr().String()
	if cfg != nil {
		base = "https://" + ln.Addr().String()
	}
	hub, err := gaia.New(drv, gaia.Config{ReadURL: base + "/read/", Logger: slog.New(slog.DiscardHandler), Metrics: reg, DriverName: "disk"})
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	srv := httpserve.New(hub, slog.New(slog.DiscardHandler))
	served := make(chan error, 1)
	if cfg != nil {
		srv.TLSConfig = cfg
		go func() { served <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	return base, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	}, nil
}

// readAll GETs path(client, seq) from addr with one connection per client
// (over TLS if cfg is not nil) and checks that every answer is a 200 of
// size bytes.
func readAll(addr string, cfg *tls.Config, clients int, phase time.Duration, maxOps, size int, path func(c, seq int) string) (loadgen.Result, error) {
	conns := make([]*loadgen.Conn, clients)
	for i := range conns {
		c, err := loadgen.DialTLS(addr, nil, cfg)
		if err != nil {
			return loadgen.Result{}, err
		}
		defer c.Close()
		conns[i] = c
	}
	return loadgen.Run(clients, phase, maxOps, func(c, seq int) error {
		p := path(c, seq)
		st, n, err := conns[c].Get(p)
		if err == nil && (st != http.StatusOK || n != int64(size)) {
			err = fmt.Errorf("GET %s: %d with %d bytes, want 200 with %d", p, st, n, size)
		}
		return err
	})
}

// serveBare starts a bare HTTP server on loopback that answers every GET
// with data; stop shuts it down.
func serveBare(data []byte) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	})}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close(); <-served }, nil
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func runtimeCPUs() int { return runtime.NumCPU() }

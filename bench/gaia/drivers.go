package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/azure"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/gaia/gcs"
	gaias3 "github.com/go-blockstack/go-blockstack/gaia/s3"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// benchDriver opens one driver for runDrivers, starting its emulator
// through t (which stops it at the end).
type benchDriver struct {
	name string
	open func(t testbin.TB, dir string) (gaia.Driver, error)
}

var benchDrivers = []benchDriver{
	{"disk", func(_ testbin.TB, dir string) (gaia.Driver, error) { return disk.New(dir) }},
	{"S3 (versitygw)", func(t testbin.TB, dir string) (gaia.Driver, error) {
		srv := gaiatest.StartVersityGW(t)
		return gaias3.New(context.Background(), gaias3.Config{Bucket: "bench", Endpoint: srv.Endpoint, Region: srv.Region,
			AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, PathStyle: true, SpoolDir: dir})
	}},
	{"GCS (fake-gcs-server)", func(t testbin.TB, dir string) (gaia.Driver, error) {
		srv := gaiatest.StartFakeGCS(t)
		return gcs.New(context.Background(), gcs.Config{Bucket: "bench", ProjectID: "bench", Endpoint: srv.Endpoint, SpoolDir: dir})
	}},
	{"Azure (Azurite)", func(t testbin.TB, dir string) (gaia.Driver, error) {
		srv := gaiatest.StartAzurite(t)
		return azure.New(context.Background(), azure.Config{Container: "bench", AccountName: srv.Account, AccountKey: srv.Key,
			Endpoint: srv.Endpoint, SpoolDir: dir})
	}},
}

// runDrivers measures a hub in this process over each driver in turn
// (disk, and S3, GCS and Azure against their emulators on loopback,
// started through t as the driver tests start them), with the phases of
// run at each number of clients, without baselines.
func runDrivers(t testbin.TB, phase time.Duration, maxOps int, dir string, clients []int) error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, DisableCompression: true}}
	ctx := context.Background()
	fmt.Printf("Gaia hub over each driver: a hub in this process, each emulator on loopback (not the real clouds), phases of ≤%v and ≤%d operations, on %d CPUs\n\n",
		phase, maxOps, runtime.NumCPU())
	fmt.Println("| driver | object | clients | stores/s | store p50 | store p99 | reads/s | read p50 | read p99 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for i, d := range benchDrivers {
		ddir := filepath.Join(dir, fmt.Sprintf("driver%d", i))
		if err := os.MkdirAll(ddir, 0o700); err != nil {
			return err
		}
		drv, err := d.open(t, ddir)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		err = measureDriver(ctx, d.name, drv, hc, phase, maxOps, clients)
		if c, ok := drv.(interface{ Close() error }); ok {
			c.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return nil
}

// measureDriver serves a hub over drv and measures it as run does.
func measureDriver(ctx context.Context, name string, drv gaia.Driver, hc *http.Client, phase time.Duration, maxOps int, clientCounts []int) error {
	base, stop, err := startHub(drv, nil, nil)
	if err != nil {
		return err
	}
	defer stop()
	return eachObject(maxOps, func(size int, data []byte, ops int) error {
		for _, clients := range clientCounts {
			st, rd, err := measureHub(ctx, hub{base: base, hc: hc}, fmt.Sprintf("s%d-c%d", size, clients), data, clients, phase, ops)
			if err != nil {
				return err
			}
			fmt.Printf("| %s | %s | %d | %.0f | %s | %s | %.0f | %s | %s |\n", name, sizeName(size), clients,
				st.Rate(), ms(st.P50), ms(st.P99), rd.Rate(), ms(rd.P50), ms(rd.P99))
		}
		return nil
	})
}

// commandTB is the testbin.TB of the benchmark command: cleanups run at
// its end (or on an interrupt), and a Fatal or Skip (an emulator missing
// or not starting) ends the run with that message as its error.
type commandTB struct {
	mu       sync.Mutex
	cleanups []func()
	err      error
	once     sync.Once
}

func (c *commandTB) Helper() {}

func (c *commandTB) Cleanup(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleanups = append(c.cleanups, f)
}

func (c *commandTB) Failed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err != nil
}

func (c *commandTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func (c *commandTB) Fatal(args ...any) { c.stop(fmt.Sprint(args...)) }

func (c *commandTB) Fatalf(format string, args ...any) { c.stop(fmt.Sprintf(format, args...)) }

func (c *commandTB) Skip(args ...any) { c.stop(fmt.Sprint(args...)) }

// stop records msg and ends the goroutine of run, as testing's FailNow.
func (c *commandTB) stop(msg string) {
	locked.Do(&c.mu, func() { c.err = fmt.Errorf("%s", msg) })
	runtime.Goexit()
}

func (c *commandTB) TempDir() string {
	dir, err := os.MkdirTemp("", "gaia-bench-")
	if err != nil {
		c.Fatal(err)
	}
	c.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// run runs fn in a goroutine of its own, which stop may end, and returns
// its error or the one stop recorded.
func (c *commandTB) run(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		returned := false
		defer func() {
			if !returned {
				locked.Do(&c.mu, func() { done <- c.err })
			}
		}()
		err := fn()
		returned = true
		done <- err
	}()
	return <-done
}

// cleanup runs the cleanups, last first, once.
func (c *commandTB) cleanup() {
	c.once.Do(func() {
		var fs []func()
		locked.Do(&c.mu, func() { fs = c.cleanups })
		for i := len(fs) - 1; i >= 0; i-- {
			fs[i]()
		}
	})
}

// runDriversCommand is runDrivers for the command: the emulators are
// stopped at the end, or on an interrupt (they run in process groups of
// their own, which a terminal's Ctrl-C does not reach).
func runDriversCommand(phase time.Duration, maxOps int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gaia-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	tb := &commandTB{}
	defer tb.cleanup()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() { // ends with the run, or ends the process on a signal
		select {
		case <-sig:
			tb.cleanup()
			fmt.Fprintln(os.Stderr, "interrupted: emulators stopped")
			os.Exit(130)
		case <-done:
		}
	}()
	return tb.run(func() error { return runDrivers(tb, phase, maxOps, dir, []int{1, 16, 64}) })
}

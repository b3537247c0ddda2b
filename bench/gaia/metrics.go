package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/internal/loadgen"
)

// metricsFiles is how many 4 KiB files -metrics reads.
const metricsFiles = 100

// runMetrics serves two hubs over one disk driver in dir, one with its
// Prometheus metrics on, stores files through the other, then reads them
// from both in alternating rounds (each first in half of them), so that
// the machine's other work falls on both alike, and prints the rates and
// their ratio. One driver for both: two drivers over one folder differ by
// themselves, whatever the metrics.
func runMetrics(phase time.Duration, maxOps int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gaia-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	drv, err := disk.New(dir)
	if err != nil {
		return err
	}
	defer drv.Close()
	off, stopOff, err := startHub(drv, nil, nil)
	if err != nil {
		return err
	}
	defer stopOff()
	on, stopOn, err := startHub(drv, nil, prometheus.NewRegistry())
	if err != nil {
		return err
	}
	defer stopOn()
	ctx := context.Background()
	k, err := btcec.NewPrivateKey()
	if err != nil {
		return err
	}
	c, err := storage.Connect(ctx, storage.Config{HubURL: off, AppKey: k})
	if err != nil {
		return err
	}
	data := make([]byte, 4<<10)
	if _, err := rand.Read(data); err != nil {
		return err
	}
	for i := range metricsFiles {
		if _, err := c.PutFile(ctx, fmt.Sprintf("m/f%d", i), data, storage.PutOptions{}); err != nil {
			return err
		}
	}
	fmt.Printf("Gaia hub reads with Prometheus metrics and without: two hubs over one disk driver in %s, 4 KiB files, 4 alternating rounds of ≤%v/4 and ≤%d reads each, on %d CPUs\n\n",
		dir, phase, maxOps, runtimeCPUs())
	fmt.Println("| clients | reads/s, metrics off | p50 | reads/s, metrics on | p50 | on/off |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, clients := range []int{1, 16, 64} {
		var res [2]loadgen.Result
		for round := range 4 {
			for j := range 2 {
				i := (j + round) % 2
				u, err := url.Parse([]string{off, on}[i])
				if err != nil {
					return err
				}
				r, err := readAll(u.Host, nil, clients, phase/4, maxOps, len(data), func(_, seq int) string {
					return "/read/" + c.Address() + fmt.Sprintf("/m/f%d", seq%metricsFiles)
				})
				if err != nil {
					return fmt.Errorf("reads: %w", err)
				}
				res[i].Ops += r.Ops
				res[i].Elapsed += r.Elapsed
				res[i].P50 = max(res[i].P50, r.P50) // the worse round's
			}
		}
		fmt.Printf("| %d | %.0f | %s | %.0f | %s | %.3f× |\n", clients, res[0].Rate(), ms(res[0].P50), res[1].Rate(), ms(res[1].P50), res[1].Rate()/res[0].Rate())
	}
	return nil
}

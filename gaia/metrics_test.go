package gaia_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
)

// BenchmarkRead is a 4 KiB read through the hub's handler (no network) on
// the disk driver, with the hub's Prometheus metrics off and on: the
// difference is what they cost a read, the hub's hot path. bench/gaia
// measures the same over loopback.
func BenchmarkRead(b *testing.B) {
	d, err := disk.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	const bucket = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
	if _, err := d.Put(context.Background(), bucket, "f", bytes.NewReader(make([]byte, 4<<10)), gaia.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		reg  prometheus.Registerer
	}{{"off", nil}, {"metrics", prometheus.NewRegistry()}} {
		h, err := gaia.New(d, gaia.Config{ReadURL: "http://hub.test/read/", Metrics: c.reg, DriverName: "disk"})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/read/"+bucket+"/f", nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestRun runs every phase at a small scale: stores through the client
// library, reads checked for status and size, both baselines; once with the
// hub in the process, once against a hub given by URL (-hub), which is read
// from the prefix its /hub_info names.
func TestRun(t *testing.T) {
	if err := run(200*time.Millisecond, 40, t.TempDir(), ""); err != nil {
		t.Fatal(err)
	}
	base, stop, err := serveHub(filepath.Join(t.TempDir(), "hub"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := run(200*time.Millisecond, 40, t.TempDir(), base); err != nil {
		t.Fatal(err)
	}
}

// TestRunTLS runs the TLS comparison at a small scale: stores and reads
// over TLS succeed beside plain ones.
func TestRunTLS(t *testing.T) {
	if err := runTLS(100*time.Millisecond, 20, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestRunMetrics runs the metrics comparison at a small scale: reads from
// a hub with metrics succeed beside reads from one without.
func TestRunMetrics(t *testing.T) {
	if err := runMetrics(200*time.Millisecond, 40, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestRunDrivers runs the comparison of drivers at a small scale: a hub
// over disk, S3 (versitygw), GCS (fake-gcs-server) and Azure (Azurite)
// stores and reads back through each (2 clients: emulators are slow to
// take 64 clients' megabytes, and the test must stay short).
func TestRunDrivers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three storage emulators")
	}
	if err := runDrivers(t, 50*time.Millisecond, 10, t.TempDir(), []int{2}); err != nil {
		t.Fatal(err)
	}
}

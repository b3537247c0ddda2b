package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun runs the benchmark at a small scale: generation, indexing with
// two feeders, the check against the generator, the report.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	o := options{domains: 3, files: 3, records: 10, feeders: 2, dir: t.TempDir()}
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"90 records, 60 with a signature checked", "records/s", "raw ECDSA verifications", "btcec"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

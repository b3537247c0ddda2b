package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/bnsgen"
	"github.com/go-blockstack/go-blockstack/rules"
)

// TestRun runs the whole benchmark at a tiny scale: generate, index with
// the check against the generator, baseline, table; then again, reusing
// the chain file.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	o := options{
		cfg:   bnsgen.Config{Blocks: 80, Ops: 800, Invalid: 0.05, Seed: 3, Network: "mainnet", Rules: rules.MainnetRules},
		rules: "mainnet", out: filepath.Join(dir, "chain"),
		jsonOut: filepath.Join(dir, "r.json"), genInProcess: true,
	}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"generating ", "| index from scratch |", "equal the generator's at all 80 blocks",
		"| peak RSS / Go heap |", "per million operations", "bns.Decode", "Blockstack v1",
		"Reproduce: `go run ./bench/bnsindex -blocks 80 -ops 800 -seed 3`",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	raw, err := os.ReadFile(o.jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	var r results
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.Accepted != r.Meta.Valid || r.Rejected != r.Meta.Invalid || r.Mismatches != 0 || r.DBBytes == 0 || r.PeakRSS <= 0 {
		t.Fatalf("results: %+v", r)
	}

	out.Reset()
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "reusing "+o.out) {
		t.Errorf("second run did not reuse the chain file:\n%s", out.String())
	}
	o.cfg.Seed++
	out.Reset()
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "generating ") {
		t.Errorf("a chain of another seed was reused:\n%s", out.String())
	}
}

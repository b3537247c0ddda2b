package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be the benchmark's server process, as the
// command is (startServer runs its own executable).
func TestMain(m *testing.M) {
	serveIfAsked()
	os.Exit(m.Run())
}

// TestRun runs the benchmark at a small scale: the server process, the
// cold pass, a measured round, and NSD beside it when it is installed.
// With -dnssec too, without NSD.
func TestRun(t *testing.T) {
	nsd, err := exec.LookPath("nsd")
	if err != nil {
		nsd, _ = exec.LookPath("/usr/sbin/nsd")
	}
	for _, o := range []options{
		{names: 300, rounds: 1, workers: 2, nsdServers: 1, duration: 200 * time.Millisecond, nsd: nsd},
		{names: 300, rounds: 1, workers: 2, duration: 200 * time.Millisecond, dnssec: true},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), o, &out); err != nil {
			t.Fatal(err)
		}
		want := []string{"300 names", "bnsdns, cold", "300 queries, 0 lost", "bnsdns memory", "round 1: bnsdns"}
		switch {
		case o.dnssec:
			want = append(want, "with the DO bit, bnsdns signing")
		case nsd != "":
			want = append(want, "round 1: nsd", "bnsdns/nsd")
		default:
			t.Log("nsd not installed: bnsdns measured alone")
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("report lacks %q:\n%s", w, out.String())
			}
		}
	}
}

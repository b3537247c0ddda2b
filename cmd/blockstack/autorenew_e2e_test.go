package main

import (
	"bufio"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAutoRenewDevnet: `name renew --auto` renews a name of a short-lived
// namespace when its expiry comes within the margin, exactly once across
// a kill right after it broadcast the renewal: started again, it finishes
// the renewal the journal holds (the same transaction) and renews nothing
// more; and it refuses a renewal that would take its ledger past the
// budget, sending nothing.
func TestAutoRenewDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, _ := devnetE2E(t, bin, t.TempDir())
	w, _, _ := e.newWallet(t, "w")
	e.fund(t, w, 300_000_000)
	e.waitSpendable(t, w, 300_000_000)
	// Names in auto live 2 × 50 blocks; blocks come every 200 ms.
	e.createNamespace(t, w, "auto", 50)
	e.ok(t, "name", "register", "foo.auto", "--wallet", w)
	var rec struct {
		ExpireBlock int64 `json:"expire_block"`
	}
	e.getJSON(t, "/v1/names/foo.auto", &rec)
	registered := rec.ExpireBlock

	// Due 60 blocks before the expiry, 40 after the registration; a
	// renewal gives 100 blocks again, so none is due for 40 more.
	args := []string{"name", "renew", "--auto", "--margin-blocks", "60", "--budget", "100000000", "--check-interval", "100ms",
		"foo.auto", "--wallet", w}
	// 1. Killed as soon as the renewal is broadcast.
	var exit *exec.ExitError
	if _, stderr, err := e.cli(t, []string{exitAfterEnv + "=renew:broadcast"}, args...); !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("renew --auto, exiting after the broadcast: %v\n%s", err, stderr)
	}
	txid := journalTxid(t, w, "renew foo.auto", "renew")

	// 2. Started again: it finishes that renewal, then waits.
	cmd := e.command(nil, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err = cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A bound on the test, not a wait for anything.
	guard := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer guard.Stop()
	var line string
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		if line = sc.Text(); strings.HasPrefix(line, "renewed foo.auto") {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err = cmd.Wait(); err != nil || !strings.Contains(line, "the renewal the journal held, finished") {
		t.Fatalf("renew --auto, again: %v, %q\n%s", err, line, stderr.String())
	}
	t.Logf("renew --auto: %s", line)

	var hist map[string][]map[string]any
	e.getJSON(t, "/v1/names/foo.auto/history", &hist)
	var renewals []string
	for _, ops := range hist {
		for _, op := range ops {
			if op["opcode"] == "NAME_RENEWAL" {
				renewals = append(renewals, op["txid"].(string))
			}
		}
	}
	if len(renewals) != 1 || renewals[0] != txid {
		t.Fatalf("renewals of foo.auto: %v, want exactly the journal's %s", renewals, txid)
	}
	e.getJSON(t, "/v1/names/foo.auto", &rec)
	if rec.ExpireBlock <= registered {
		t.Fatalf("foo.auto expires at block %d, as it did before the renewal", rec.ExpireBlock)
	}

	// 3. A budget the ledger has used up: due at once, refused, nothing
	// sent.
	sent := sentCount(t, w)
	_, stderrText, err := e.cli(t, nil, "name", "renew", "--auto", "--margin-blocks", "1000", "--budget", "1", "--check-interval", "100ms",
		"foo.auto", "--wallet", w)
	if err == nil || !strings.Contains(stderrText, "raise --budget") || sentCount(t, w) != sent {
		t.Fatalf("renew --auto over budget: %v, %d sent before, %d after\n%s", err, sent, sentCount(t, w), stderrText)
	}
	// A name it could never renew ends it at once, saying why.
	e.refused(t, w, "nobody.auto is not registered", "name", "renew", "--auto", "--budget", "1000000", "nobody.auto", "--wallet", w)
}

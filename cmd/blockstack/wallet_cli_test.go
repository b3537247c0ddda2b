package main

import (
	"bufio"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// startDevnet runs `blockstack devnet` on a free port until the test ends
// and returns its RPC address.
func startDevnet(t *testing.T, bin string) string {
	t.Helper()
	return startDevnetIn(t, bin, t.TempDir())
}

// startDevnetIn is startDevnet with its state in dir.
func startDevnetIn(t *testing.T, bin, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "devnet", "--data-dir", dir, "--block-interval", "0", "--rpc-addr", addr, "--api-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "chain RPC:") {
			go func() {
				for sc.Scan() {
				}
			}()
			return addr
		}
	}
	t.Fatal("devnet exited before serving RPC")
	return ""
}

// cli runs the binary against the devnet at rpc and returns its output.
func cli(t *testing.T, bin, rpc string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"--rpc", rpc}, args...)...).CombinedOutput()
	return string(out), err
}

func mustCLI(t *testing.T, bin, rpc string, args ...string) string {
	t.Helper()
	out, err := cli(t, bin, rpc, args...)
	if err != nil {
		t.Fatalf("blockstack %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

var spendableRE = regexp.MustCompile(`(?m)^\s*payment\s+\S+\s+(\d+)`)

func TestWalletAgainstDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	rpc := startDevnet(t, bin)
	wf := filepath.Join(t.TempDir(), "wallet.json")
	mustCLI(t, bin, rpc, "wallet", "create", "--wallet", wf)
	mustCLI(t, bin, rpc, "wallet", "faucet", "--wallet", wf, "50000000")
	out := mustCLI(t, bin, rpc, "wallet", "balance", "--wallet", wf)
	if m := spendableRE.FindStringSubmatch(out); m == nil || m[1] != "0" {
		t.Fatalf("faucet payment spendable before a block confirmed it:\n%s", out)
	}
	mustCLI(t, bin, rpc, "chain", "mine")
	out = mustCLI(t, bin, rpc, "wallet", "balance", "--wallet", wf)
	if m := spendableRE.FindStringSubmatch(out); m == nil || m[1] != "50000000" {
		t.Fatalf("faucet payment not spendable after a block:\n%s", out)
	}
	to := "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"
	mustCLI(t, bin, rpc, "wallet", "send", "--wallet", wf, to, "10000000")
	// The coin is locked by the pending payment: a second one must wait.
	out, err := cli(t, bin, rpc, "wallet", "send", "--wallet", wf, to, "10000000")
	if err == nil || !strings.Contains(out, "insufficient funds") || !strings.Contains(out, "locked by pending") {
		t.Fatalf("second send on a locked coin: %v\n%s", err, out)
	}
	out, err = cli(t, bin, rpc, "wallet", "send", "--wallet", wf, "1AotVNASQouiNiBtfxv49WWvSNcQUzGYuU", "10000")
	if err == nil || !strings.Contains(out, "not a devnet address") {
		t.Fatalf("send to a mainnet address: %v\n%s", err, out)
	}
}

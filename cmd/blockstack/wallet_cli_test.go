package main

import (
	"bufio"
	"bytes"
	"maps"
	"net"
	"os"
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
	return startDevnetWith(t, bin, dir, "--rpc-addr", addr).rpc
}

// devnetAddrs are where a devnet serves, as it prints them.
type devnetAddrs struct {
	rpc string // host:port
	api string // http://host:port
	hub string // http://host:port
	app string // http://host:port, the notes app
	dns string // host:port, with --dns-addr
}

var (
	devnetRPCRE = regexp.MustCompile(`chain RPC:\s+http://(\S+)`)
	devnetAPIRE = regexp.MustCompile(`API:\s+(https?://\S+)/v1/`)
	devnetHubRE = regexp.MustCompile(`Gaia hub:\s+(https?://\S+)`)
	devnetAppRE = regexp.MustCompile(`notes app:\s+(https?://\S+)/`)
	devnetDNSRE = regexp.MustCompile(`DNS:\s+(\S+) \(UDP`)
	// devnetEnvRE: the export lines that point other commands at it.
	devnetEnvRE = regexp.MustCompile(`^\s+export (BLOCKSTACK_\w+)=(\S+)$`)
)

// startDevnetWith runs `blockstack devnet` with its state in dir, mining
// on demand only, its API, hub, notes app and Atlas peer on free ports (so
// that tests and a developer's own devnet run side by side), with the
// extra flags args (which win over these), until the test ends.
func startDevnetWith(t *testing.T, bin, dir string, args ...string) devnetAddrs {
	t.Helper()
	// Free ports only, unless args say otherwise (the last flag wins):
	// devnets of tests running in parallel must not share one.
	cmd := exec.Command(bin, append([]string{"devnet", "--data-dir", dir, "--block-interval", "0",
		"--rpc-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0", "--hub-addr", "127.0.0.1:0", "--app-addr", "127.0.0.1:0",
		"--atlas-addr", "127.0.0.1:0"}, args...)...)
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
	var addrs devnetAddrs
	env := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := devnetEnvRE.FindStringSubmatch(sc.Text()); m != nil {
			env[m[1]] = m[2]
		}
		if m := devnetRPCRE.FindStringSubmatch(sc.Text()); m != nil {
			addrs.rpc = m[1]
		}
		if m := devnetAPIRE.FindStringSubmatch(sc.Text()); m != nil {
			addrs.api = m[1]
		}
		if m := devnetHubRE.FindStringSubmatch(sc.Text()); m != nil {
			addrs.hub = m[1]
		}
		if m := devnetAppRE.FindStringSubmatch(sc.Text()); m != nil {
			addrs.app = m[1]
		}
		if m := devnetDNSRE.FindStringSubmatch(sc.Text()); m != nil {
			addrs.dns = m[1]
		}
		if addrs.rpc != "" && addrs.api != "" && addrs.hub != "" && addrs.app != "" && len(env) == 3 {
			if want := map[string]string{rpcEnv: addrs.rpc, nodeEnv: addrs.api, hubEnv: addrs.hub}; !maps.Equal(env, want) {
				t.Errorf("devnet's export lines %v, want %v", env, want)
			}
			go func() {
				for sc.Scan() {
				}
			}()
			return addrs
		}
	}
	t.Fatal("devnet exited before serving RPC, API, hub and notes app")
	return addrs
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
	mustCLI(t, bin, rpc, "wallet", "faucet", "--wait=false", "--wallet", wf, "50000000")
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

// TestWalletWIFExportImport: `wallet show --wif` exports each key in
// wallet import format (plain `show` keeps them to itself), and
// `wallet create --wif` imports one into a wallet with the same address.
func TestWalletWIFExportImport(t *testing.T) {
	dir := t.TempDir()
	// wallet runs a wallet command on the wallet file in dir.
	wallet := func(file string, args ...string) (string, string, error) {
		return run(t, "", append([]string{"--wallet", filepath.Join(dir, file), "wallet"}, args...)...)
	}
	const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	const payment = "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA" // wallet.TestDerivedKeys' mainnet vector
	if _, _, err := wallet("hd.json", "create", "--mnemonic", mnemonic); err != nil {
		t.Fatal(err)
	}
	plain, _, err := wallet("hd.json", "show")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := wallet("hd.json", "show", "--wif")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^payment\s.*\s` + payment + `\s+([1-9A-HJ-NP-Za-km-z]{52})$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no payment key with its WIF in:\n%s", out)
	}
	wif := m[1]
	if !strings.ContainsAny(wif[:1], "KL") {
		t.Errorf("WIF %s is not a mainnet compressed key's", wif)
	}
	if strings.Contains(plain, wif) {
		t.Errorf("show without --wif printed a private key:\n%s", plain)
	}

	if _, _, err = wallet("imported.json", "create", "--wif", wif); err != nil {
		t.Fatal(err)
	}
	out, _, err = wallet("imported.json", "show", "--wif")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^payment, owner 0\s+imported\s+` + payment + `\s+` + wif + `$`).MatchString(out) {
		t.Errorf("imported wallet does not hold the exported key:\n%s", out)
	}
}

// TestEncryptedWalletCLI: a wallet created with --encrypt, or encrypted
// afterwards, holds its keys in no plain text; commands open it with the
// passphrase from $BLOCKSTACK_PASSPHRASE or --passphrase-file, and fail
// saying how to give one without it, or with a wrong one; the devnet's
// faucet pays it.
func TestEncryptedWalletCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	mnemonic := "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	run := func(env []string, args ...string) (string, string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
	withPass := []string{"BLOCKSTACK_PASSPHRASE=s3cret"}

	created := filepath.Join(dir, "created.json")
	if _, stderr, err := run(withPass, "wallet", "create", "--encrypt", "--wallet", created, "--mnemonic", mnemonic); err != nil {
		t.Fatalf("wallet create --encrypt: %v\n%s", err, stderr)
	}
	plain := filepath.Join(dir, "plain.json")
	if _, stderr, err := run(nil, "wallet", "create", "--wallet", plain, "--mnemonic", mnemonic); err != nil {
		t.Fatalf("wallet create: %v\n%s", err, stderr)
	}
	passFile := filepath.Join(dir, "pass")
	os.WriteFile(passFile, []byte("s3cret\n"), 0o600)
	if _, stderr, err := run(nil, "wallet", "encrypt", "--wallet", plain, "--passphrase-file", passFile); err != nil {
		t.Fatalf("wallet encrypt: %v\n%s", err, stderr)
	}
	for _, path := range []string{created, plain} {
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, []byte("abandon")) {
			t.Fatalf("%s holds the mnemonic in plain text", path)
		}
		show, stderr, err := run(withPass, "wallet", "show", "--wallet", path)
		if err != nil || !strings.Contains(show, "payment") {
			t.Fatalf("wallet show %s: %v\n%s%s", path, err, show, stderr)
		}
		if again, _, _ := run(nil, "wallet", "show", "--wallet", path, "--passphrase-file", passFile); again != show {
			t.Fatalf("--passphrase-file shows another wallet:\n%s\n%s", again, show)
		}
		_, stderr, err = run(nil, "wallet", "show", "--wallet", path)
		if err == nil || !strings.Contains(stderr, "needs a passphrase") || !strings.Contains(stderr, "BLOCKSTACK_PASSPHRASE") {
			t.Fatalf("without a passphrase: %v %s", err, stderr)
		}
		_, stderr, err = run([]string{"BLOCKSTACK_PASSPHRASE=wrong"}, "wallet", "show", "--wallet", path)
		if err == nil || !strings.Contains(stderr, "wrong passphrase") {
			t.Fatalf("with a wrong passphrase: %v %s", err, stderr)
		}
	}
	rpc := startDevnet(t, bin)
	if out, stderr, err := run(withPass, "--rpc", rpc, "wallet", "faucet", "--wallet", created, "--wait=false", "100000"); err != nil {
		t.Fatalf("faucet to an encrypted wallet: %v\n%s%s", err, out, stderr)
	}
	mustCLI(t, bin, rpc, "chain", "mine", "1")
	out, stderr, err := run(withPass, "--rpc", rpc, "wallet", "balance", "--wallet", created)
	if err != nil || !strings.Contains(out, "100000") {
		t.Fatalf("balance: %v\n%s%s", err, out, stderr)
	}
}

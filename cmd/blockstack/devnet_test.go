package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles blockstack once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "blockstack")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var minedRE = regexp.MustCompile(`msg="mined block" height=(\d+)`)

// runDevnetUntilMined starts `blockstack devnet` as the README says, waits
// for a mined block, stops it with Ctrl-C (SIGINT) and returns the height.
func runDevnetUntilMined(t *testing.T, bin, dataDir string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "devnet", "--data-dir", dataDir,
		"--block-interval", "200ms", "--rpc-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0", "--hub-addr", "127.0.0.1:0", "--app-addr", "127.0.0.1:0", "--atlas-addr", "127.0.0.1:0")
	cmd.Stdout = os.Stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	height := -1
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := minedRE.FindStringSubmatch(sc.Text()); m != nil {
			height, _ = strconv.Atoi(m[1])
			break
		}
	}
	if height < 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("devnet exited before mining a block")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("devnet after Ctrl-C: %v", err)
	}
	return height
}

func TestDevnetMinesAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	first := runDevnetUntilMined(t, bin, dir)
	if first < 102 {
		t.Fatalf("first mined block at height %d, want ≥ 102 (101 pre-mined)", first)
	}
	second := runDevnetUntilMined(t, bin, dir)
	if second <= first {
		t.Fatalf("second run mined height %d, not after the first run's %d: state not resumed", second, first)
	}
}

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/btcdtest"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// TestReadmeBtcdRecipe: README.md's recipe for a real btcd, run as written
// in one shell by a new user in an empty folder, but for two lines: the one
// that installs btcd (the test finds it as the other btcd tests do: a
// missing btcd skips, or fails under CI=true) and the one that names btcd's
// RPC address, which the test sets in the environment to a free port
// instead, so that it collides with no other btcd. The recipe must end
// with the wallet holding spendable coins mined by that btcd, and leave
// nothing of btcd's in the home directory.
func TestReadmeBtcdRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs btcd")
	}
	btcd := testbin.Require(t, "btcd", btcdtest.InstallHint, "the README's btcd recipe")
	recipe := readmeBlock(t, "## Against a real btcd")
	var lines []string
	for _, l := range strings.Split(recipe, "\n") {
		if strings.HasPrefix(l, "go install ") || strings.HasPrefix(l, "export "+rpcEnv+"=") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) != len(strings.Split(recipe, "\n"))-2 {
		t.Fatalf("README.md's btcd recipe should have one go install line and one export %s= line:\n%s", rpcEnv, recipe)
	}
	bin := buildBinary(t)
	home, work := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", strings.Join(lines, "\n"))
	sh.Dir = work
	sh.Env = append(os.Environ(), "HOME="+home, rpcEnv+"="+freeAddr(t),
		"PATH="+filepath.Dir(bin)+":"+filepath.Dir(btcd)+":"+os.Getenv("PATH"))
	// Its own process group, so that the btcd it leaves running in the
	// background is stopped with it.
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sh.Cancel = func() error { return syscall.Kill(-sh.Process.Pid, syscall.SIGKILL) }
	var stderr strings.Builder
	sh.Stderr = &stderr
	out, err := sh.Output()
	if sh.Process != nil {
		stopGroup(t, sh.Process.Pid)
	}
	if err != nil {
		t.Fatalf("README.md's btcd recipe: %v\nstdout:\n%s\nstderr:\n%s\nbtcd:\n%s", err, out, stderr.String(),
			testbin.Tail(filepath.Join(work, "btcd-regtest", "out.log"), 20))
	}
	if m := regexp.MustCompile(`(?m)^\s*payment\s+\S+\s+([1-9]\d*)\s`).FindSubmatch(out); m == nil {
		t.Errorf("after the recipe the wallet has no spendable coins:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(work, "btcd-regtest", "data", "regtest")); err != nil {
		t.Errorf("btcd's chain is not in the folder the recipe gives it: %v", err)
	}
	entries, _ := os.ReadDir(home)
	for _, e := range entries {
		if e.Name() != ".blockstack" {
			t.Errorf("the recipe left %s in the home directory", e.Name())
		}
	}
}

// stopGroup ends what is left of the process group pgid (the btcd a
// recipe started in the background) and waits until it has exited, so
// that its files can be removed.
func stopGroup(t *testing.T, pgid int) {
	t.Helper()
	if err := syscall.Kill(-pgid, syscall.SIGTERM); errors.Is(err, syscall.ESRCH) {
		return
	}
	if !waitfor.Poll(15*time.Second, func() bool { return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH) }) {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		waitfor.Poll(5*time.Second, func() bool { return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH) })
	}
}

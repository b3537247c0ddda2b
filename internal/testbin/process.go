//go:build unix

package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Start runs bin with args in its own process group, in dir, its output in
// dir/<name>.out, and waits until ready reports the program serves (ready
// is handed a channel closed when the program exits, so that it stops
// waiting for one that died). On success the whole group is stopped when
// t ends (SIGTERM, then SIGKILL after 10 s), and the end of its output is
// logged if t failed; on failure the program is stopped and the error
// carries the end of its output. It is the one way tests run a server
// program of their own (btcd, the storage emulators).
func Start(t TB, name, bin string, args []string, dir string, ready func(exited <-chan struct{}) error) error {
	outPath := filepath.Join(dir, name+".out")
	out, err := os.Create(outPath)
	if err != nil {
		return fmt.Errorf("create %s: %w", outPath, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { // reaps the process; ends when it exits
		waitErr = cmd.Wait()
		out.Close()
		close(exited)
	}()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	if err := ready(exited); err != nil {
		stop()
		return fmt.Errorf("%s: %w (exit: %v)\n%s", name, err, waitErr, Tail(outPath, 30))
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s: last lines of %s:\n%s", name, outPath, Tail(outPath, 40))
		}
	})
	return nil
}

package disk

import (
	"os"

	"golang.org/x/sys/unix"
)

// newFlusher group-commits with syncfs(2) on the file system that holds
// dir.
func newFlusher(dir string) (flusher, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	return newGroup(func() error { return unix.Syncfs(fd) }, f.Close), nil
}

//go:build !unix

package store

import "os"

// lockDir only opens the lock file: without flock, keeping one process per
// folder is up to the operator on these systems.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// syncDir does nothing: folders cannot be fsynced here, and renames are
// made durable by the file system itself or not at all.
func syncDir(string) error { return nil }

package migrate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The journal is an append-only file of JSON lines: a header naming the
// two hubs, then one line per file verified on the new hub and one per
// file deleted from the old one. Each line is written whole and synced
// before the step it records counts as done, so a migration killed at any
// point resumes from what the journal holds and repeats at most the one
// file that was in flight. A torn last line (a crash mid-write) is
// ignored: the file it would have recorded is checked again.

// journalHeader is the journal's first line.
type journalHeader struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// journalEntry records one file: verified on the new hub with SHA256, or
// Deleted from the old one.
type journalEntry struct {
	Bucket  string `json:"bucket"`
	Path    string `json:"path"`
	SHA256  string `json:"sha256,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

// fileKey names a file across buckets.
type fileKey struct{ bucket, path string }

type journal struct {
	f        *os.File
	verified map[fileKey]string // SHA-256 of each verified file
	deleted  map[fileKey]bool
}

// openJournal opens the journal at path for a migration from one hub to
// another, reading what an earlier run recorded. A journal of a migration
// between other hubs is refused: its records say nothing about these.
func openJournal(path, from, to string) (*journal, error) {
	j := &journal{verified: map[fileKey]string{}, deleted: map[fileKey]bool{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		head, _ := json.Marshal(journalHeader{From: from, To: to})
		data = append(head, '\n')
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("migrate: journal: %w", err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("migrate: journal: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("migrate: journal: %w", err)
	default:
		if err := j.load(path, data, from, to); err != nil {
			return nil, err
		}
	}
	if j.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return nil, fmt.Errorf("migrate: journal: %w", err)
	}
	return j, nil
}

// load reads an earlier run's journal.
func (j *journal) load(path string, data []byte, from, to string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		return fmt.Errorf("migrate: journal %s is empty: remove it to start again", path)
	}
	var head journalHeader
	if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
		return fmt.Errorf("migrate: journal %s: %w", path, err)
	}
	if head.From != from || head.To != to {
		return fmt.Errorf("migrate: journal %s is of a migration from %s to %s, not from %s to %s: finish that one, or remove the journal", path, head.From, head.To, from, to)
	}
	for sc.Scan() {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Only the last line can be torn; one in the middle is damage.
			if sc.Scan() {
				return fmt.Errorf("migrate: journal %s: %w", path, err)
			}
			break
		}
		k := fileKey{e.Bucket, e.Path}
		if e.Deleted {
			j.deleted[k] = true
		} else {
			j.verified[k] = e.SHA256
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("migrate: journal %s: %w", path, err)
	}
	// A torn last line has no newline: the next record must start a line.
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return os.WriteFile(path, data[:bytes.LastIndexByte(data, '\n')+1], 0o600)
	}
	return nil
}

// record appends e and syncs it to disk.
func (j *journal) record(e journalEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("migrate: journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("migrate: journal: %w", err)
	}
	k := fileKey{e.Bucket, e.Path}
	if e.Deleted {
		j.deleted[k] = true
	} else {
		j.verified[k] = e.SHA256
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }

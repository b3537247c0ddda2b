package nameop

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
)

// journalVersion is the layout version of the journal file.
const journalVersion = 1

// JournalPath is the journal kept next to a wallet file:
// wallet.json → wallet.journal.json.
func JournalPath(walletPath string) string {
	return strings.TrimSuffix(walletPath, ".json") + ".journal.json"
}

// Journal is the record of the multi-transaction operations a wallet has
// under way. A step's signed transaction is written to it, atomically,
// before it is broadcast, so that a run stopped at any point (killed,
// Ctrl-C, a timeout, a crash) leaves enough to finish: the next run sends
// the same bytes again instead of building, and paying for, a second
// transaction. A job leaves the journal when its last step is done.
//
// The file is not locked: two processes running operations of one wallet at
// the same time can lose each other's records (the wallet's own files have
// the same limit).
type Journal struct {
	path string
	jobs map[string]*Job
}

// journalFile is the journal's JSON.
type journalFile struct {
	Version int    `json:"version"`
	Jobs    []*Job `json:"jobs"`
}

// Job is one operation under way: a command and the steps done so far.
type Job struct {
	// Key names the operation, e.g. "register alice.test"; one job per
	// key.
	Key string `json:"key"`
	// Params are what the operation committed to when it started (the
	// recipient, the zone file hash); a run with other parameters must
	// not continue it.
	Params  map[string]string `json:"params"`
	Started time.Time         `json:"started"`
	// Steps are the steps begun, in order. Every step before the last is
	// done.
	Steps []*StepRecord `json:"steps"`
}

// StepRecord is one step of a job.
type StepRecord struct {
	Step string `json:"step"`
	// Txid and RawTx are the step's signed transaction; empty for a step
	// that needed none (already done on chain, or no transaction at all).
	Txid  string `json:"txid,omitempty"`
	RawTx string `json:"raw_tx,omitempty"`
	// Done: the transaction was accepted (in Block), or the step found
	// nothing to do.
	Done  bool  `json:"done"`
	Block int64 `json:"block,omitempty"`
}

// OpenJournal reads the journal at path; a missing file is an empty
// journal.
func OpenJournal(path string) (*Journal, error) {
	j := &Journal{path: path, jobs: map[string]*Job{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	var f journalFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if f.Version != journalVersion {
		return nil, fmt.Errorf("open journal %s: unsupported version %d", path, f.Version)
	}
	for _, job := range f.Jobs {
		j.jobs[job.Key] = job
	}
	return j, nil
}

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// Job returns the job of key, or nil.
func (j *Journal) Job(key string) *Job { return j.jobs[key] }

// Jobs lists the jobs under way, by key.
func (j *Journal) Jobs() []*Job {
	keys := slices.Sorted(maps.Keys(j.jobs))
	out := make([]*Job, len(keys))
	for i, k := range keys {
		out[i] = j.jobs[k]
	}
	return out
}

// put records job (replacing the job of its key) and saves the journal;
// a job without steps is dropped instead, as there is nothing to resume.
func (j *Journal) put(job *Job) error {
	if len(job.Steps) == 0 {
		return j.remove(job.Key)
	}
	j.jobs[job.Key] = job
	return j.save()
}

// remove drops the job of key and saves the journal.
func (j *Journal) remove(key string) error {
	if _, ok := j.jobs[key]; !ok {
		return nil
	}
	delete(j.jobs, key)
	return j.save()
}

func (j *Journal) save() error {
	data, err := json.MarshalIndent(journalFile{Version: journalVersion, Jobs: j.Jobs()}, "", "  ")
	if err != nil {
		return fmt.Errorf("save journal: %w", err)
	}
	if err := atomicfile.Write(j.path, data); err != nil {
		return fmt.Errorf("save journal: %w", err)
	}
	return nil
}

// record returns the record of step, or nil.
func (job *Job) record(step string) *StepRecord {
	for _, r := range job.Steps {
		if r.Step == step {
			return r
		}
	}
	return nil
}

// drop removes the record of step.
func (job *Job) drop(step string) {
	job.Steps = slices.DeleteFunc(job.Steps, func(r *StepRecord) bool { return r.Step == step })
}

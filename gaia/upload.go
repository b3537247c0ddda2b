package gaia

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
)

// uploads counts each bucket's stores in flight, so that one user's slow
// uploads use up only that user's slots. There is deliberately no global
// limit: addresses cost nothing to make, so a shared pool could be filled
// by anyone's slow uploads and stall every user (issue 22, item 4). What
// bounds one upload is the size limit and the server's read timeout.
type uploads struct {
	max int

	mu       sync.Mutex
	inFlight map[string]int
}

func newUploads(max int) *uploads { return &uploads{max: max, inFlight: map[string]int{}} }

// acquire takes one of address's slots, or answers 429 if all are taken;
// release gives it back.
func (u *uploads) acquire(address string) (release func(), err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.inFlight[address] >= u.max {
		return nil, &HubError{Status: http.StatusTooManyRequests, Name: "TooManyRequestsError",
			Message: fmt.Sprintf("Address %s already has %d uploads in progress", address, u.max), RetryAfter: 1}
	}
	u.inFlight[address]++
	return func() { u.release(address) }, nil
}

func (u *uploads) release(address string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.inFlight[address]--; u.inFlight[address] == 0 {
		delete(u.inFlight, address) // the map holds only addresses uploading now
	}
}

// Bodies are read whole before a store takes its path lock. A body whose
// Content-Length fits in what is left of spoolMemory is kept in memory
// (taken as its bytes arrive); any other keeps its first spoolInMemory
// bytes in memory and the rest in a temporary file. Memory is preferred:
// a file on the storage's file system is flushed again by the disk
// driver's syncfs. The budget bounds what many slow uploads can make the
// hub hold; past it they cost disk instead. It refuses no one.
const (
	spoolInMemory = 64 << 10
	spoolMemory   = 256 << 20
)

// memoryBudget is the memory that bodies held in full may still take.
type memoryBudget struct {
	mu   sync.Mutex
	free int64
}

func (m *memoryBudget) take(n int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n > m.free {
		return false
	}
	m.free -= n
	return true
}

func (m *memoryBudget) give(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.free += n
}

// spooled is a request body read whole: Read replays it.
type spooled struct {
	io.Reader
	size    int64
	file    *os.File // nil when the body is in memory
	release func()   // gives back its memory budget, if it took some
}

func (s *spooled) Close() error {
	if s.release != nil {
		s.release()
	}
	if s.file == nil {
		return nil
	}
	return s.file.Close()
}

// readBody reads a whole request body of length bytes (-1: unknown).
// Failures of the client (see clientBodyError) are told apart from the
// hub's own (writing the file).
func readBody(r io.Reader, length int64, budget *memoryBudget) (*spooled, error) {
	src := &bodyReader{r: r}
	if length > spoolInMemory && budget.take(length) {
		var mem bytes.Buffer
		mem.Grow(int(length) + bytes.MinRead) // one allocation; ReadFrom wants MinRead spare to see EOF
		if _, err := mem.ReadFrom(src); err != nil {
			budget.give(length)
			return nil, clientBodyError(err)
		}
		return &spooled{Reader: bytes.NewReader(mem.Bytes()), size: int64(mem.Len()), release: func() { budget.give(length) }}, nil
	}
	var mem bytes.Buffer
	n, err := mem.ReadFrom(io.LimitReader(src, spoolInMemory+1))
	if err != nil {
		return nil, clientBodyError(err)
	}
	if n <= spoolInMemory {
		return &spooled{Reader: bytes.NewReader(mem.Bytes()), size: n}, nil
	}
	f, err := os.CreateTemp("", "gaia-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	// Unlinked at once where the system allows it (the open file lives
	// on), so that a crash leaves nothing behind.
	_ = os.Remove(f.Name())
	s := &spooled{Reader: f, file: f, size: n}
	if _, err := f.Write(mem.Bytes()); err != nil {
		s.Close()
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	rest, err := io.Copy(f, src)
	s.size += rest
	if err != nil {
		s.Close()
		if src.err != nil {
			return nil, clientBodyError(src.err)
		}
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.Close()
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	return s, nil
}

// bodyReader remembers the error of the body it reads.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// clientBodyError is the answer to a body the client did not deliver: 413
// past the size limit, 408 when the server's read deadline passed, 400
// when it ended early or the connection was lost (issue 22, item 10: these
// were 500s, each logged as a server error).
func clientBodyError(err error) error {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &ne) && ne.Timeout():
		return &HubError{Status: http.StatusRequestTimeout, Name: "RequestTimeoutError",
			Message: "The request body did not arrive in time", Err: err}
	}
	return &HubError{Status: http.StatusBadRequest, Name: "InvalidInputError",
		Message: "The request body ended early or the connection was lost", Err: err}
}

package gaia

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
)

// TestReadBody: a body is replayed whole from memory while the budget
// allows it and its length is known, from a file otherwise; the budget is
// given back on Close; a body cut short is the client's failure.
func TestReadBody(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20<<10) // 320 KiB
	small := []byte("small")
	cases := []struct {
		name     string
		data     []byte
		length   int64
		budget   int64
		wantFile bool
	}{
		{"small, no budget", small, int64(len(small)), 0, false},
		{"known length within the budget", big, int64(len(big)), 1 << 20, false},
		{"known length past the budget", big, int64(len(big)), 100 << 10, true},
		{"unknown length", big, -1, 1 << 20, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			budget := &memoryBudget{free: c.budget}
			s, err := readBody(bytes.NewReader(c.data), c.length, budget)
			if err != nil {
				t.Fatal(err)
			}
			if (s.file != nil) != c.wantFile {
				t.Errorf("in a file: %v, want %v", s.file != nil, c.wantFile)
			}
			got, err := io.ReadAll(s)
			if err != nil || !bytes.Equal(got, c.data) {
				t.Errorf("replayed %d bytes (%v), want %d", len(got), err, len(c.data))
			}
			if err := s.Close(); err != nil {
				t.Error(err)
			}
			if budget.free != c.budget {
				t.Errorf("budget %d after Close, want %d", budget.free, c.budget)
			}
		})
	}
	for _, length := range []int64{-1, int64(len(big)) + 1} {
		budget := &memoryBudget{free: 1 << 20}
		_, err := readBody(io.MultiReader(bytes.NewReader(big), errReader{io.ErrUnexpectedEOF}), length, budget)
		var he *HubError
		if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
			t.Errorf("length %d, body cut short: %v, want a 400", length, err)
		}
		if budget.free != 1<<20 {
			t.Errorf("length %d: budget %d after a failure", length, budget.free)
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

package gaia_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// brokenStat is a driver whose storage no longer answers.
type brokenStat struct{ gaia.Driver }

func (brokenStat) Stat(context.Context, string, string) (gaia.ObjectInfo, error) {
	return gaia.ObjectInfo{}, errors.New("connection refused")
}

// TestHealth: /healthz is 200 while the hub serves; /readyz is 200 while
// its storage answers and 503, saying why, when it does not.
func TestHealth(t *testing.T) {
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	for _, tc := range []struct {
		driver gaia.Driver
		ready  int
	}{{d, http.StatusOK}, {brokenStat{d}, http.StatusServiceUnavailable}} {
		hub := gaiatest.StartHub(t, tc.driver, gaia.Config{})
		for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": tc.ready} {
			resp, err := http.Get(hub.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s: %d %s, want %d", path, resp.StatusCode, body, want)
			}
		}
	}
}

package gaiatest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// runAbuseControls checks the bucket quota and the per-address write rate
// limit through a hub over a driver made by nd.
func runAbuseControls(t *testing.T, nd NewDriver) {
	key := Key("owner")
	addr := gaiaauth.AddressFromKey(key)
	quotaMB := 0.1
	quota := int(quotaMB * 1024 * 1024) // rounded down, as the hub does

	t.Run("QuotaReachedAndFreed", func(t *testing.T) {
		d := nd(t)
		h := StartHub(t, d, gaia.Config{MaxBucketSizeMB: quotaMB})
		auth := h.Token(t, key, gaiaauth.TokenOptions{})
		big := bytes.Repeat([]byte("a"), quota*6/10)
		if r := h.Store(t, auth, addr, "one", big); r.Status != http.StatusAccepted {
			t.Fatalf("first store: %d %s", r.Status, r.Body)
		}
		r := h.Store(t, auth, addr, "two", big)
		if r.Status != http.StatusRequestEntityTooLarge || r.JSON(t)["error"] != "PayloadTooLargeError" ||
			r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("store past the quota: %d %v %s, want 413 PayloadTooLargeError with CORS", r.Status, r.Header, r.Body)
		}
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/two", nil); g.Status != http.StatusNotFound {
			t.Errorf("a refused store left a file: %d", g.Status)
		}
		// Replacing a file needs room only for what it adds.
		if r := h.Store(t, auth, addr, "one", big[1:]); r.Status != http.StatusAccepted {
			t.Errorf("replacing a file with a smaller one in a full bucket: %d %s", r.Status, r.Body)
		}
		// Another hub over the same storage (a restart) counts what is there.
		h2 := StartHub(t, d, gaia.Config{MaxBucketSizeMB: quotaMB})
		auth2 := h2.Token(t, key, gaiaauth.TokenOptions{})
		if r := h2.Store(t, auth2, addr, "two", big); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("store past the quota on a restarted hub: %d %s", r.Status, r.Body)
		}
		if r := h.Do(t, http.MethodDelete, "/delete/"+addr+"/one", nil, "Authorization", auth); r.Status != http.StatusAccepted {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := h.Store(t, auth, addr, "two", big); r.Status != http.StatusAccepted {
			t.Errorf("store after a delete freed room: %d %s", r.Status, r.Body)
		}
		// Another bucket has its own quota.
		other := Key("other")
		if r := h.Store(t, h.Token(t, other, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(other), "one", big); r.Status != http.StatusAccepted {
			t.Errorf("store to another bucket: %d %s", r.Status, r.Body)
		}
	})

	t.Run("QuotaArchival", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{MaxBucketSizeMB: quotaMB})
		arch := h.Token(t, key, gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFileArchival, Domain: "f"}}})
		third := bytes.Repeat([]byte("h"), quota*3/10)
		for i := range 3 {
			if r := h.Store(t, arch, addr, "f", third); r.Status != http.StatusAccepted {
				t.Fatalf("archival store %d: %d %s", i, r.Status, r.Body)
			}
		}
		// Two history copies and the current file: a fourth version does
		// not fit.
		if r := h.Store(t, arch, addr, "f", third); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("archival store past the quota (history counts): %d %s", r.Status, r.Body)
		}
	})

	t.Run("QuotaConcurrent", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{MaxBucketSizeMB: quotaMB})
		auth := h.Token(t, key, gaiaauth.TokenOptions{})
		const size = 7000
		file := bytes.Repeat([]byte("c"), size)
		// Half the quota first, then deletes of it race the stores.
		var preload []string
		for i := 0; (i+1)*size <= quota/2; i++ {
			p := fmt.Sprintf("old/%d", i)
			if r := h.Store(t, auth, addr, p, file); r.Status != http.StatusAccepted {
				t.Fatalf("preload %s: %d %s", p, r.Status, r.Body)
			}
			preload = append(preload, p)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 24 {
			wg.Go(func() {
				r, err := h.DoErr(http.MethodPost, "/store/"+addr+"/new/"+strconv.Itoa(i), file, "Authorization", auth)
				if err == nil && r.Status != http.StatusAccepted && r.Status != http.StatusRequestEntityTooLarge {
					err = fmt.Errorf("store %d: %d %s", i, r.Status, r.Body)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		for _, p := range preload[:len(preload)/2] {
			wg.Go(func() {
				r, err := h.DoErr(http.MethodDelete, "/delete/"+addr+"/"+p, nil, "Authorization", auth)
				if err == nil && r.Status != http.StatusAccepted {
					err = fmt.Errorf("delete %s: %d %s", p, r.Status, r.Body)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		total := 0
		for _, e := range h.ListAll(t, auth, addr, true) {
			total += int(e.(map[string]any)["contentLength"].(float64))
		}
		if total > quota {
			t.Fatalf("after concurrent stores and deletes the bucket holds %d bytes, over its quota of %d", total, quota)
		}
		// The count is exact: the room left takes a file of its size, and
		// not one byte more.
		room := quota - total
		if room > 0 {
			if r := h.Store(t, auth, addr, "last", bytes.Repeat([]byte("l"), room+1)); r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("store of the room left (%d bytes) plus one: %d %s", room, r.Status, r.Body)
			}
			if r := h.Store(t, auth, addr, "last", bytes.Repeat([]byte("l"), room)); r.Status != http.StatusAccepted {
				t.Errorf("store of the room left (%d bytes): %d %s", room, r.Status, r.Body)
			}
		}
		if r := h.Store(t, auth, addr, "more", []byte("x")); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("store into a bucket exactly full: %d %s", r.Status, r.Body)
		}
	})

	t.Run("WriteRateLimit", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{MaxWritesPerMinute: 2})
		auth := h.Token(t, key, gaiaauth.TokenOptions{})
		for i := range 2 {
			if r := h.Store(t, auth, addr, "f", []byte("x")); r.Status != http.StatusAccepted {
				t.Fatalf("store %d within the burst: %d %s", i, r.Status, r.Body)
			}
		}
		check := func(what string, r Resp) {
			t.Helper()
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if r.Status != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 30 {
				t.Errorf("%s past the rate: %d Retry-After %q, want 429 and 1..30 s", what, r.Status, r.Header.Get("Retry-After"))
			}
			if r.Header.Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Retry-After") {
				t.Errorf("%s past the rate: CORS headers %v, want Retry-After readable by any origin", what, r.Header)
			}
			if m := r.JSON(t); m["error"] != "TooManyRequestsError" || m["message"] == "" {
				t.Errorf("%s past the rate: body %s", what, r.Body)
			}
		}
		check("store", h.Store(t, auth, addr, "g", []byte("y")))
		check("delete", h.Do(t, http.MethodDelete, "/delete/"+addr+"/f", nil, "Authorization", auth))
		// Reads, other addresses and unauthenticated requests are not
		// counted against the address.
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/f", nil); g.Status != http.StatusOK {
			t.Errorf("read of a limited address: %d", g.Status)
		}
		if r := h.Store(t, "bearer nonsense", addr, "g", []byte("y")); r.Status != http.StatusUnauthorized {
			t.Errorf("bad token to a limited address: %d, want 401 (authentication first)", r.Status)
		}
		other := Key("other")
		if r := h.Store(t, h.Token(t, other, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(other), "f", []byte("x")); r.Status != http.StatusAccepted {
			t.Errorf("store by another address: %d %s", r.Status, r.Body)
		}
	})
}

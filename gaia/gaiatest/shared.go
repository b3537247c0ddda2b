package gaiatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// NewDriverPair makes two drivers over one empty bucket, each with a
// client of its own, as two hub processes would have.
type NewDriverPair func(t *testing.T) (gaia.Driver, gaia.Driver)

// NewHubPair starts two hubs over one empty bucket. A Hub of another
// process (a `blockstack hub`) needs only URL and Name set.
type NewHubPair func(t *testing.T) (*Hub, *Hub)

// RunSharedTests checks that hubs over one bucket behave as one hub
// (RunSharedHubTests, here with two in-process hubs over the two drivers)
// and that conditional writes racing through the drivers directly, below
// any hub's lock, have exactly one winner.
func RunSharedTests(t *testing.T, np NewDriverPair) {
	t.Run("DriversRaceConditionalWrites", func(t *testing.T) {
		a, b := np(t)
		RaceConditionalWrites(t, []gaia.Driver{a, b})
	})
	RunSharedHubTests(t, func(t *testing.T) (*Hub, *Hub) {
		da, db := np(t)
		return StartHub(t, da, gaia.Config{}), StartHub(t, db, gaia.Config{})
	})
}

// RunSharedHubTests checks that two hubs over one bucket behave as one
// hub: a write through one is read through the other, a revoke-all through
// one is honoured by the other at once, and conditional stores racing
// through both have exactly one winner.
func RunSharedHubTests(t *testing.T, np NewHubPair) {
	key := Key("shared-owner")
	addr := gaiaauth.AddressFromKey(key)

	t.Run("WriteThroughOneReadThroughOther", func(t *testing.T) {
		a, b := np(t)
		r := a.Store(t, a.Token(t, key, gaiaauth.TokenOptions{}), addr, "profile.json", []byte(`{"a":1}`), "Content-Type", "application/json")
		if r.Status != http.StatusAccepted {
			t.Fatalf("store through A: %d %s", r.Status, r.Body)
		}
		etag := r.JSON(t)["etag"].(string)
		g := b.Do(t, http.MethodGet, "/read/"+addr+"/profile.json", nil)
		if g.Status != http.StatusOK || string(g.Body) != `{"a":1}` || g.Header.Get("Content-Type") != "application/json" ||
			!gaia.ETagsMatch(g.Header.Get("ETag"), etag) {
			t.Errorf("read through B: %d %q %v", g.Status, g.Body, g.Header)
		}
		authB := b.Token(t, key, gaiaauth.TokenOptions{})
		if got := entryNames(b.ListAll(t, authB, addr, false)); !slices.Equal(got, []string{"profile.json"}) {
			t.Errorf("list through B: %q", got)
		}
		// B's If-Match with A's ETag replaces A's write; A's stale ETag is
		// then refused through A.
		if r := b.Store(t, authB, addr, "profile.json", []byte(`{"a":2}`), "If-Match", etag); r.Status != http.StatusAccepted {
			t.Fatalf("store through B with A's ETag: %d %s", r.Status, r.Body)
		}
		if r := a.Store(t, a.Token(t, key, gaiaauth.TokenOptions{}), addr, "profile.json", []byte(`{"a":3}`), "If-Match", etag); r.Status != http.StatusPreconditionFailed {
			t.Errorf("store through A with its stale ETag: %d %s, want 412", r.Status, r.Body)
		}
		if d := b.Do(t, http.MethodDelete, "/delete/"+addr+"/profile.json", nil, "Authorization", authB); d.Status != http.StatusAccepted {
			t.Fatalf("delete through B: %d %s", d.Status, d.Body)
		}
		if g := a.Do(t, http.MethodGet, "/read/"+addr+"/profile.json", nil); g.Status != http.StatusNotFound {
			t.Errorf("read through A after delete through B: %d", g.Status)
		}
	})

	t.Run("RevokeAllHonouredAtOnce", func(t *testing.T) {
		a, b := np(t)
		now := time.Now()
		old := b.Token(t, key, gaiaauth.TokenOptions{IssuedAt: now.Add(-time.Hour)})
		// B has authorised this token (and read the bucket's timestamp)
		// before the revocation.
		if r := b.Store(t, old, addr, "f", []byte("before")); r.Status != http.StatusAccepted {
			t.Fatalf("store through B before revoke: %d %s", r.Status, r.Body)
		}
		revokeAll(t, a, a.Token(t, key, gaiaauth.TokenOptions{IssuedAt: now.Add(-time.Minute)}), addr, now.Add(-30*time.Minute).Unix())
		if r := b.Store(t, old, addr, "f", []byte("after")); r.Status != http.StatusUnauthorized {
			t.Errorf("store through B with a token revoked through A: %d %s, want 401", r.Status, r.Body)
		}
		fresh := b.Token(t, key, gaiaauth.TokenOptions{IssuedAt: now})
		if r := b.Store(t, fresh, addr, "f", []byte("fresh")); r.Status != http.StatusAccepted {
			t.Errorf("store through B with a token issued after the revocation: %d %s", r.Status, r.Body)
		}
		// Revocation only moves forward, whichever hub is asked.
		revokeAll(t, b, fresh, addr, now.Add(-40*time.Minute).Unix())
		if r := a.Store(t, old, addr, "f", []byte("again")); r.Status != http.StatusUnauthorized {
			t.Errorf("an earlier revoke-all through B lowered the timestamp: %d %s", r.Status, r.Body)
		}
	})

	t.Run("ConcurrentConditionalStoresOneWinner", func(t *testing.T) {
		a, b := np(t)
		hubs := []*Hub{a, b}
		auth := hubs[0].Token(t, key, gaiaauth.TokenOptions{})
		race := func(what string, header ...string) string {
			const writers = 8
			type result struct {
				status int
				body   []byte
			}
			results := make(chan result, writers)
			start := make(chan struct{})
			for i := 0; i < writers; i++ {
				go func(i int) {
					<-start
					r, err := hubs[i%2].DoErr(http.MethodPost, "/store/"+addr+"/raced", []byte(fmt.Sprintf("%s %d", what, i)),
						append([]string{"Authorization", auth, "Content-Type", "text/plain"}, header...)...)
					if err != nil {
						t.Error(err)
					}
					results <- result{r.Status, r.Body}
				}(i)
			}
			close(start)
			var etag string
			won := 0
			for i := 0; i < writers; i++ {
				r := <-results
				switch r.status {
				case http.StatusAccepted:
					won++
					var m map[string]string
					_ = json.Unmarshal(r.body, &m)
					etag = m["etag"]
				case http.StatusPreconditionFailed:
				default:
					t.Errorf("%s: %d %s, want 202 or 412", what, r.status, r.body)
				}
			}
			if won != 1 {
				t.Fatalf("%s: %d stores won, want exactly 1", what, won)
			}
			return etag
		}
		etag := race("create", "If-None-Match", "*")
		race("replace", "If-Match", etag)
	})
}

func revokeAll(t *testing.T, h *Hub, auth, address string, ts int64) {
	t.Helper()
	r := h.Do(t, http.MethodPost, "/revoke-all/"+address, []byte(`{"oldestValidTimestamp":`+strconv.FormatInt(ts, 10)+`}`),
		"Authorization", auth, "Content-Type", "application/json")
	if r.Status != http.StatusAccepted {
		t.Fatalf("revoke-all: %d %s", r.Status, r.Body)
	}
}

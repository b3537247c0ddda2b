package atlas

import (
	"fmt"
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	window := time.Hour
	type ev struct {
		after  time.Duration
		ok     bool
		weight int
	}
	for _, tc := range []struct {
		name     string
		events   []ev
		at       time.Duration
		score    float64
		requests int
	}{
		{"no requests", nil, 0, 1, 0},
		{"all good", []ev{{0, true, 1}, {time.Second, true, 1}}, time.Minute, 1, 2},
		{"half", []ev{{0, true, 1}, {0, false, 1}}, 0, 0.5, 2},
		{"weighted penalty", []ev{{0, true, 3}, {0, false, 10}}, 0, 3.0 / 13, 13},
		{"old failures age out", []ev{{0, false, 5}, {2 * time.Hour, true, 1}}, 2 * time.Hour, 1, 1},
		{"all aged out", []ev{{0, false, 5}}, 2 * time.Hour, 1, 0},
	} {
		var h health
		for _, e := range tc.events {
			h.record(t0.Add(e.after), window, e.ok, e.weight)
		}
		score, requests := h.score(t0.Add(tc.at), window)
		if score != tc.score || requests != tc.requests {
			t.Errorf("%s: score %v over %d requests, want %v over %d", tc.name, score, requests, tc.score, tc.requests)
		}
	}
}

func TestHealthIsBounded(t *testing.T) {
	var h health
	t0 := time.Unix(1_000_000, 0)
	for i := range 10 * maxHealthEvents {
		h.record(t0.Add(time.Duration(i)*time.Millisecond), time.Hour, i%2 == 0, 1)
	}
	if len(h.events) != maxHealthEvents {
		t.Fatalf("%d events kept, want %d", len(h.events), maxHealthEvents)
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(10, 5)
	t0 := time.Unix(1_000_000, 0)
	allowed := 0
	for range 20 {
		if l.allow("a", t0) {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("burst: %d allowed, want 5", allowed)
	}
	if !l.allow("b", t0) {
		t.Fatal("another caller was limited by the first one's burst")
	}
	if l.allow("a", t0.Add(50*time.Millisecond)) {
		t.Fatal("a token came back before 100ms at 10/s")
	}
	if !l.allow("a", t0.Add(150*time.Millisecond)) {
		t.Fatal("no token after 150ms at 10/s")
	}
}

func TestLimiterForgetsIdleCallers(t *testing.T) {
	l := newLimiter(1000, 1)
	t0 := time.Unix(1_000_000, 0)
	for i := range maxBuckets {
		l.allow(string(rune(i+1)), t0)
	}
	if l.allow("new", t0) {
		t.Fatal("a new caller got in while every bucket was in use")
	}
	if !l.allow("new", t0.Add(time.Second)) {
		t.Fatal("idle callers were not forgotten")
	}
	if len(l.buckets) > maxBuckets {
		t.Fatalf("%d buckets", len(l.buckets))
	}
}

func TestCandidatesBounded(t *testing.T) {
	c := newCandidates()
	for i := range maxPerReporter + 10 {
		c.add(addrN(i), "flooder", false)
	}
	if len(c.queue) != maxPerReporter {
		t.Fatalf("one reporter queued %d, want %d", len(c.queue), maxPerReporter)
	}
	// Callers that each report themselves (claimed ports) fill the queue,
	// then replace queued entries at random: the size stays bounded and an
	// honest entry can still be added.
	for i := range 2 * maxCandidates {
		a := addrN(10000 + i)
		c.add(a, a, false)
	}
	c.add("10.9.9.9:6264", "10.9.9.9:6264", false)
	if len(c.queue) != maxCandidates || len(c.queued) != maxCandidates {
		t.Fatalf("queue %d, index %d, want %d", len(c.queue), len(c.queued), maxCandidates)
	}
	if !c.queued["10.9.9.9:6264"] {
		t.Fatal("a newcomer was dropped from a full queue instead of replacing an entry")
	}
	got := c.take(checksPerStep)
	if len(got) != checksPerStep || len(c.queue) != maxCandidates-checksPerStep {
		t.Fatalf("take: %d taken, %d left", len(got), len(c.queue))
	}
}

func addrN(i int) string { return fmt.Sprintf("127.0.0.1:%d", 1+i) }

func TestAnnouncements(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bits   []int
		msgs   int
		ranges []int // ranges per message
	}{
		{"none", nil, 0, nil},
		{"one", []int{7}, 1, []int{1}},
		{"nearby bits share a range", []int{5, 3, 3, 100, 300}, 1, []int{1}},
		{"far apart", []int{0, 1000, 5000}, 1, []int{3}},
		{"too many ranges", spaced(MaxAnnounceRanges+5, 1000), 2, []int{MaxAnnounceRanges, 5}},
		{"too many bits", spaced(MaxInventoryBits/200+10, 200), 2, []int{1, 1}},
	} {
		msgs := announcements(tc.bits)
		if len(msgs) != tc.msgs {
			t.Errorf("%s: %d messages, want %d", tc.name, len(msgs), tc.msgs)
			continue
		}
		want := map[int]bool{}
		for _, b := range tc.bits {
			want[b] = true
		}
		got := map[int]bool{}
		for i, m := range msgs {
			if len(m) != tc.ranges[i] {
				t.Errorf("%s: message %d has %d ranges, want %d", tc.name, i, len(m), tc.ranges[i])
			}
			total := 0
			for _, f := range m {
				if err := f.check(); err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				total += f.Count
				v := &bitvec{}
				v.Resize(f.Offset + f.Count)
				v.Write(f.Offset, f.Count, f.Inv, false)
				for j := f.Offset; j < f.Offset+f.Count; j++ {
					if v.Get(j) {
						got[j] = true
					}
				}
			}
			if total > MaxInventoryBits {
				t.Errorf("%s: message %d carries %d bits", tc.name, i, total)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: announced %d bits, want %d", tc.name, len(got), len(want))
		}
		for b := range want {
			if !got[b] {
				t.Errorf("%s: bit %d not announced", tc.name, b)
			}
		}
	}
}

func spaced(n, gap int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i * gap
	}
	return out
}

func TestCommonCovered(t *testing.T) {
	a, b, c := "10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"
	for _, tc := range []struct {
		covered [][]string
		want    []string
	}{
		{nil, nil},
		{[][]string{{a, b}}, []string{a, b}},
		{[][]string{{a, b}, {b, c}}, []string{b}},
		{[][]string{{a, b, c}, {c, b}, {b}}, []string{b}},
		{[][]string{{a}, {b}}, []string{}},
		{[][]string{{a}, nil, {a}}, []string{}},
	} {
		var items []news
		for _, cv := range tc.covered {
			items = append(items, news{covered: cv})
		}
		got := commonCovered(items)
		if len(got) != len(tc.want) || len(got) > 0 && fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("commonCovered(%v) = %v, want %v", tc.covered, got, tc.want)
		}
		if len(items) > 0 && len(items[0].covered) != len(tc.covered[0]) {
			t.Errorf("commonCovered changed its input")
		}
	}
}

package registrar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

const domain = "foo.test"

var params = &chaincfg.RegressionNetParams

// fakeChain is the node and the anchor in one: zone files anchored in
// order, each NAME_UPDATE "broadcast" once per zone file, as nameop's
// journal guarantees, and a crash that can be injected right after a
// broadcast.
type fakeChain struct {
	mu         sync.Mutex
	sent       map[zonefile.Hash]string // zone file → its transaction
	broadcasts int
	anchored   [][]byte
	subs       map[string]Current // subdomains on chain before the registrar
	// crashAfter: the next broadcast returns errCrash before anything
	// else happens, as a process killed at that instant.
	crashAfter bool
	start      string // the domain's zone file before any batch ("": initial())
}

// testResolver is the test registrars' ResolverURL.
const testResolver = "http://127.0.0.1:1/"

var errCrash = errors.New("crashed after broadcast")

func newFakeChain() *fakeChain {
	return &fakeChain{sent: map[zonefile.Hash]string{}, subs: map[string]Current{}}
}

func (f *fakeChain) Anchor(ctx context.Context, zf []byte, submitted func(string) error) (Anchored, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := zonefile.HashOf(zf)
	txid, ok := f.sent[h]
	if !ok {
		f.broadcasts++
		txid = fmt.Sprintf("%064x", f.broadcasts)
		f.sent[h] = txid
		if f.crashAfter {
			f.crashAfter = false
			return Anchored{}, errCrash
		}
	}
	if err := submitted(txid); err != nil {
		return Anchored{}, err
	}
	f.anchored = append(f.anchored, zf)
	return Anchored{Txid: txid, Block: int64(100 + len(f.anchored))}, nil
}

// initial is the domain's zone file before any batch: it names
// testResolver, the test registrars' own, unless the test set another.
func (f *fakeChain) initial() string {
	if f.start != "" {
		return f.start
	}
	return "$ORIGIN foo.test\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://example.com/foo.json\"\n" +
		"_resolver\tIN\tURI\t10\t1\t\"" + testResolver + "\"\n"
}

func (f *fakeChain) Subdomain(_ context.Context, fqn string) (Current, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.subs[fqn]; ok {
		return c, nil
	}
	return Current{}, ErrUnknown
}

func (f *fakeChain) Zonefile(context.Context, string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.anchored) == 0 {
		return []byte(f.initial()), nil
	}
	return f.anchored[len(f.anchored)-1], nil
}

func newTestRegistrar(t testing.TB, path string, chain *fakeChain, delay time.Duration) *Registrar {
	t.Helper()
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := New(Config{Domain: domain, Params: params, ResolverURL: testResolver, BatchDelay: delay, RetryAfter: time.Millisecond},
		st, chain, chain)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type user struct {
	key  subdomains.SingleKey
	addr string
}

func newUser(t testing.TB) user {
	t.Helper()
	priv, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	k := subdomains.SingleKey{Priv: priv, Compressed: true}
	addr, err := k.Address(params)
	if err != nil {
		t.Fatal(err)
	}
	return user{k, addr}
}

func profile(label string) []byte {
	return []byte("$ORIGIN " + label + "\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://gaia.example/hub/" + label + "/profile.json\"\n")
}

func register(t *testing.T, r *Registrar, u user, fqn string) (Entry, error) {
	t.Helper()
	label, _, _ := strings.Cut(fqn, ".")
	req, err := SignRegistration(label+"."+domain, u.addr, profile(label), u.key)
	if err != nil {
		t.Fatal(err)
	}
	return r.Register(context.Background(), req, "127.0.0.1")
}

func TestRegisterChecks(t *testing.T) {
	chain := newFakeChain()
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), chain, time.Hour)
	ctx := context.Background()
	alice, mallory := newUser(t), newUser(t)
	chain.subs["old.foo.test"] = Current{Owner: alice.addr}

	if _, err := register(t, r, alice, "alice.foo.test"); err != nil {
		t.Fatal(err)
	}
	// By label, the same name: taken (queued).
	if _, err := register(t, r, alice, "alice"); !errors.Is(err, ErrTaken) {
		t.Errorf("second registration: %v, want ErrTaken", err)
	}
	// On chain already.
	if _, err := register(t, r, alice, "old.foo.test"); !errors.Is(err, ErrTaken) {
		t.Errorf("registration of a name on chain: %v, want ErrTaken", err)
	}
	// Signed by another key than the owner's: nobody registers names to
	// an address without its key.
	req, _ := SignRegistration("bob.foo.test", alice.addr, nil, mallory.key)
	if _, err := r.Register(ctx, req, "x"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("registration signed by another key: %v, want ErrBadSignature", err)
	}
	// A signature over another zone file, or for another domain.
	req, _ = SignRegistration("bob.foo.test", alice.addr, []byte("a"), alice.key)
	req.Zonefile = "b"
	if _, err := r.Register(ctx, req, "x"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered zone file: %v, want ErrBadSignature", err)
	}
	req, _ = SignRegistration("bob.bar.test", alice.addr, nil, alice.key)
	req.Name = "bob"
	if _, err := r.Register(ctx, req, "x"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signature for another domain: %v, want ErrBadSignature", err)
	}
	for _, name := range []string{"Bad!", "a.b", "_resolver", "x.other.test", ""} {
		req, _ := SignRegistration(name+".foo.test", alice.addr, nil, alice.key)
		req.Name = name
		if _, err := r.Register(ctx, req, "x"); !errors.Is(err, ErrInvalid) {
			t.Errorf("name %q: %v, want ErrInvalid", name, err)
		}
	}
	req, _ = SignRegistration("carol.foo.test", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", nil, alice.key)
	if _, err := r.Register(ctx, req, "x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("mainnet owner on regtest: %v, want ErrInvalid", err)
	}
	req, _ = SignRegistration("big.foo.test", alice.addr, make([]byte, zonefile.MaxSize), alice.key)
	if _, err := r.Register(ctx, req, "x"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge zone file: %v, want ErrTooLarge", err)
	}
	// A P2SH 2-of-3 owner signs its registration too.
	var privs []*btcec.PrivateKey
	var pubs []*btcec.PublicKey
	for range 3 {
		p, _ := btcec.NewPrivateKey()
		privs, pubs = append(privs, p), append(pubs, p.PubKey())
	}
	script, err := subdomains.MultisigScript(2, pubs)
	if err != nil {
		t.Fatal(err)
	}
	ms := subdomains.MultisigKey{RedeemScript: script, Privs: privs[1:]}
	msAddr, _ := ms.Address(params)
	req, err = SignRegistration("multi.foo.test", msAddr, nil, ms)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register(ctx, req, "x"); err != nil {
		t.Errorf("multisig registration: %v", err)
	}
}

func TestUpdateAndTransferChecks(t *testing.T) {
	chain := newFakeChain()
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), chain, time.Hour)
	ctx := context.Background()
	alice, bob := newUser(t), newUser(t)
	if _, err := register(t, r, alice, "alice.foo.test"); err != nil {
		t.Fatal(err)
	}
	submit := func(kind Kind, owner string, seq uint64, signer user) error {
		req, err := SignRecord("alice.foo.test", owner, seq, []byte("zone "+owner), signer.key)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Submit(ctx, kind, req, "x")
		return err
	}
	// Checked against the queued registration (seqn 0, alice).
	if err := submit(KindUpdate, alice.addr, 2, alice); !errors.Is(err, ErrSequence) {
		t.Errorf("seqn gap: %v", err)
	}
	if err := submit(KindUpdate, alice.addr, 1, bob); !errors.Is(err, ErrBadSignature) {
		t.Errorf("update signed by bob: %v", err)
	}
	if err := submit(KindUpdate, bob.addr, 1, alice); !errors.Is(err, ErrInvalid) {
		t.Errorf("an update that changes the owner: %v", err)
	}
	if err := submit(KindUpdate, alice.addr, 1, alice); err != nil {
		t.Fatalf("update: %v", err)
	}
	// Chained on the queued update: the transfer is seqn 2, by alice.
	if err := submit(KindTransfer, bob.addr, 1, alice); !errors.Is(err, ErrSequence) {
		t.Errorf("replayed seqn: %v", err)
	}
	if err := submit(KindTransfer, bob.addr, 2, alice); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	// Now bob signs.
	if err := submit(KindUpdate, bob.addr, 3, alice); !errors.Is(err, ErrBadSignature) {
		t.Errorf("update by the old owner: %v", err)
	}
	if err := submit(KindUpdate, bob.addr, 3, bob); err != nil {
		t.Errorf("update by the new owner: %v", err)
	}
	req, _ := SignRecord("nobody.foo.test", alice.addr, 1, nil, alice.key)
	if _, err := r.Submit(ctx, KindUpdate, req, "x"); !errors.Is(err, ErrUnknown) {
		t.Errorf("update of an unknown name: %v", err)
	}
	// A name the chain knows at a higher seqn than the queue.
	chain.subs["old.foo.test"] = Current{Owner: alice.addr, Seq: 7}
	req, _ = SignRecord("old.foo.test", alice.addr, 8, nil, alice.key)
	if _, err := r.Submit(ctx, KindUpdate, req, "x"); err != nil {
		t.Errorf("update of a name on chain: %v", err)
	}
}

// TestBatchesRespectSizeAndOrder queues registrations and updates and
// runs the loop: every zone file is within MaxSize, all but the last are
// full (the next record would not fit), no zone file holds two records of
// one name, and records of a name go out in seqn order.
func TestBatchesRespectSizeAndOrder(t *testing.T) {
	chain := newFakeChain()
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), chain, 200*time.Millisecond)
	ctx := context.Background()
	const n = 300
	users := make([]user, n)
	for i := range users {
		users[i] = newUser(t)
		if _, err := register(t, r, users[i], fmt.Sprintf("user%03d.foo.test", i)); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := SignRecord("user000.foo.test", users[0].addr, 1, []byte("v2"), users[0].key)
	if _, err := r.Submit(ctx, KindUpdate, req, "x"); err != nil {
		t.Fatal(err)
	}
	runFor(t, r, func() bool {
		c, _ := r.store.Counts(ctx)
		return c[StateConfirmed] == n+1
	})
	seqOf := map[string][]uint64{}
	for i, zf := range chain.anchored {
		if len(zf) > zonefile.MaxSize {
			t.Fatalf("zone file %d: %d bytes", i, len(zf))
		}
		f, err := zonefile.Parse(zf)
		if err != nil {
			t.Fatal(err)
		}
		if u, ok := f.ResolverURL(); !ok || u != "http://127.0.0.1:1/" || f.Origin != domain || len(f.ProfileURLs()) != 1 {
			t.Fatalf("zone file %d: resolver %q, origin %s, profile URLs %v", i, u, f.Origin, f.ProfileURLs())
		}
		names := map[string]bool{}
		for _, rec := range f.Records {
			sd, err := zonefile.ParseSubdomain(rec)
			if err != nil {
				continue
			}
			if names[sd.Name] {
				t.Fatalf("zone file %d carries %s twice", i, sd.Name)
			}
			names[sd.Name] = true
			seqOf[sd.Name] = append(seqOf[sd.Name], sd.Seq)
		}
		t.Logf("zone file %d: %d records, %d bytes", i, len(names), len(zf))
		if i < len(chain.anchored)-2 && len(zf)+300 < zonefile.MaxSize {
			t.Errorf("zone file %d is not full: %d bytes", i, len(zf))
		}
	}
	if len(seqOf) != n || fmt.Sprint(seqOf["user000"]) != "[0 1]" {
		t.Fatalf("%d names anchored; user000's seqns %v", len(seqOf), seqOf["user000"])
	}
	if chain.broadcasts != len(chain.anchored) {
		t.Fatalf("%d broadcasts for %d zone files", chain.broadcasts, len(chain.anchored))
	}
	e, err := r.store.Latest(ctx, "user123.foo.test")
	if err != nil || e.State != StateConfirmed || e.Txid == "" || e.Block == 0 {
		t.Fatalf("user123: %+v %v", e, err)
	}
}

// runFor runs the registrar's loop until done holds.
func runFor(t *testing.T, r *Registrar, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	}()
	waitfor.True(t, 20*time.Second, "the registrar's work", done)
}

func TestPackBoundary(t *testing.T) {
	base, err := baseFile(domain, nil, "http://r.example/")
	if err != nil {
		t.Fatal(err)
	}
	head, _ := base.Format()
	// Records of one size; then pad the first so that they end exactly
	// at MaxSize.
	rec := func(label string, pad int) zonefile.Record {
		r, err := zonefile.Subdomain{Name: label, Owner: "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx", ZoneFile: make([]byte, pad)}.Record()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	one, _ := lineSize(rec("a000", 100))
	k := (zonefile.MaxSize - len(head)) / one
	left := zonefile.MaxSize - len(head) - k*one
	var recs []zonefile.Record
	for i := range k + 1 {
		recs = append(recs, rec(fmt.Sprintf("a%03d", i), 100))
	}
	// Grow record 0 by whole base64 quanta (3 bytes → 4 characters) until
	// it takes exactly the spare room, or as near as the encoding allows.
	pad := 100
	for {
		l, _ := lineSize(rec("a000", pad+3))
		if l-one > left {
			break
		}
		pad += 3
	}
	recs[0] = rec("a000", pad)
	l0, _ := lineSize(recs[0])
	data, n, err := pack(base, recs)
	if err != nil {
		t.Fatal(err)
	}
	if n != k || len(data) != len(head)+l0+(k-1)*one || len(data) > zonefile.MaxSize {
		t.Fatalf("packed %d records in %d bytes, want %d in %d", n, len(data), k, len(head)+l0+(k-1)*one)
	}
	if _, err := zonefile.Parse(data); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records of %d bytes, zone file %d bytes (limit %d, %d spare)", n, one, len(data), zonefile.MaxSize, zonefile.MaxSize-len(data))
	// One byte less room: the last record moves to the next batch.
	base.Records = append(base.Records, zonefile.Record{Name: "x", Data: zonefile.TXT{Strings: []string{strings.Repeat("y", zonefile.MaxSize-len(data))}}})
	if _, n2, err := pack(base, recs); err != nil || n2 != k-1 {
		t.Fatalf("with %d bytes less room: %d records (%v), want %d", zonefile.MaxSize-len(data), n2, err, k-1)
	}
}

// TestResumeAfterCrash stops the registrar right after its batch's
// transaction is broadcast, before it records anything, and starts a new
// one on the same queue: it sends the same zone file again (the journal
// turns that into the same transaction), and everything is confirmed with
// one broadcast per batch.
func TestResumeAfterCrash(t *testing.T) {
	chain := newFakeChain()
	path := filepath.Join(t.TempDir(), "q.db")
	r1 := newTestRegistrar(t, path, chain, 0)
	ctx := context.Background()
	for i := range 5 {
		if _, err := register(t, r1, newUser(t), fmt.Sprintf("u%d.foo.test", i)); err != nil {
			t.Fatal(err)
		}
	}
	chain.crashAfter = true
	if _, err := r1.step(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("step: %v, want the crash", err)
	}
	e, _ := r1.store.Latest(ctx, "u3.foo.test")
	if e.State != StatePending || e.Batch == 0 {
		t.Fatalf("after the crash: %+v, want pending in a batch", e)
	}
	r1.store.Close()

	r2 := newTestRegistrar(t, path, chain, 0)
	runFor(t, r2, func() bool {
		c, _ := r2.store.Counts(ctx)
		return c[StateConfirmed] == 5
	})
	bs, _ := r2.store.Batches(ctx)
	if chain.broadcasts != 1 || len(chain.anchored) != 1 || len(bs) != 1 || bs[0].State != batchConfirmed || bs[0].Txid != chain.sent[bs[0].Hash] {
		t.Fatalf("%d broadcasts, %d anchored, batches %+v", chain.broadcasts, len(chain.anchored), bs)
	}
}

func TestHTTP(t *testing.T) {
	chain := newFakeChain()
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), chain, time.Hour)
	srv := httptest.NewServer(r.Handler(Limits{Rate: 1, Burst: 3}))
	defer srv.Close()
	c, err := NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alice := newUser(t)
	req, _ := SignRegistration("alice.foo.test", alice.addr, profile("alice"), alice.key)
	a, err := c.Register(ctx, req)
	if err != nil || !a.Status || a.Name != "alice.foo.test" || a.State != StatePending {
		t.Fatalf("register: %+v %v", a, err)
	}
	if _, err := c.Register(ctx, req); !errors.Is(err, ErrTaken) {
		t.Errorf("again: %v, want ErrTaken", err)
	}
	bad := req
	bad.Name = "bob"
	if _, err := c.Register(ctx, bad); !errors.Is(err, ErrBadSignature) {
		t.Errorf("bad signature: %v", err)
	}
	// The burst of 3 is spent: the fourth write in a second is refused
	// (to a client with no time to wait: see TestRetryAfter).
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := c.Register(short, req); !errors.Is(err, ErrRateLimited) {
		t.Errorf("fourth request: %v, want ErrRateLimited", err)
	}
	// Reads are not limited.
	n, err := c.Name(ctx, "alice.foo.test")
	if err != nil || n.Status != "pending_subdomain" || n.Address != alice.addr || n.Zonefile != string(profile("alice")) ||
		n.ZonefileHash != zonefile.HashOf(profile("alice")).String() {
		t.Fatalf("name: %+v %v", n, err)
	}
	if _, err := c.Name(ctx, "bob.foo.test"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown name: %v", err)
	}
	s, err := c.Status(ctx, "alice")
	if err != nil || s.State != StatePending || s.Status != msgQueued {
		t.Fatalf("status: %+v %v", s, err)
	}
	resp, err := http.Get(srv.URL + "/v1/names/alice.bar.test")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "Wrong domain" {
		t.Errorf("other domain: %d %v", resp.StatusCode, body)
	}
}

func TestLimiterForgetsIdleClients(t *testing.T) {
	l := newLimiter(Limits{Rate: 10, Burst: 1})
	now := time.Now()
	for i := range maxClients {
		if ok, _ := l.allow(fmt.Sprint(i), now); !ok {
			t.Fatalf("client %d refused", i)
		}
	}
	if ok, _ := l.allow("new", now); ok {
		t.Fatal("a new client was let in with the table full of active ones")
	}
	if ok, _ := l.allow("new", now.Add(time.Second)); !ok || len(l.clients) != 1 {
		t.Fatalf("idle clients not forgotten: %d left", len(l.clients))
	}
}

// TestAnnounceResolver: a registrar whose domain's zone file does not name
// it as the _resolver sends, before any request, a zone file that does
// (keeping the domain's other records); one whose domain names it already
// sends nothing.
func TestAnnounceResolver(t *testing.T) {
	chain := newFakeChain()
	chain.start = "$ORIGIN foo.test\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://example.com/foo.json\"\n"
	path := filepath.Join(t.TempDir(), "q.db")
	r := newTestRegistrar(t, path, chain, time.Hour)
	runFor(t, r, func() bool {
		chain.mu.Lock()
		defer chain.mu.Unlock()
		return len(chain.anchored) == 1
	})
	f, err := zonefile.Parse(chain.anchored[0])
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := f.ResolverURL(); !ok || u != testResolver || !strings.Contains(string(chain.anchored[0]), "https://example.com/foo.json") {
		t.Fatalf("announced zone file:\n%s", chain.anchored[0])
	}
	r.store.Close()
	// Now the domain names it: a restart announces nothing.
	r2 := newTestRegistrar(t, path, chain, time.Hour)
	if wait, err := r2.step(context.Background()); err != nil || wait != idleWait {
		t.Fatalf("step after the announcement: wait %v, %v", wait, err)
	}
	if chain.broadcasts != 1 {
		t.Fatalf("%d broadcasts, want the announcement's alone", chain.broadcasts)
	}
}

// TestRetryAfter: a rate-limited request is answered 429 with a
// Retry-After, and the client waits it out (saying so) and succeeds
// within its deadline; without the time to wait it fails at once.
func TestRetryAfter(t *testing.T) {
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), newFakeChain(), time.Hour)
	srv := httptest.NewServer(r.Handler(Limits{Rate: 1, Burst: 1}))
	defer srv.Close()
	alice, bob := newUser(t), newUser(t)
	a, _ := SignRegistration("alice.foo.test", alice.addr, profile("alice"), alice.key)
	b, _ := SignRegistration("bob.foo.test", bob.addr, profile("bob"), bob.key)
	c, err := NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.Waiting = func(d time.Duration) { waits = append(waits, d) }
	if _, err := c.Register(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var e *Error
	if _, err := c.Register(short, b); !errors.As(err, &e) || e.Code != http.StatusTooManyRequests || e.RetryAfter != time.Second || len(waits) != 0 {
		t.Fatalf("with no time to wait: %v (%+v), waits %v", err, e, waits)
	}
	long, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if _, err := c.Register(long, b); err != nil || len(waits) != 1 || waits[0] != time.Second {
		t.Fatalf("with time to wait: %v, waits %v", err, waits)
	}
}

// TestUpperCaseRefused: a name in upper case is refused as malformed,
// saying what to send, not as a bad signature.
func TestUpperCaseRefused(t *testing.T) {
	if _, _, err := SplitName("Bob.foo.test", domain); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"bob.foo.test"`) {
		t.Fatalf("SplitName: %v", err)
	}
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), newFakeChain(), time.Hour)
	srv := httptest.NewServer(r.Handler(Limits{}))
	defer srv.Close()
	bob := newUser(t)
	req, _ := SignRegistration("Bob.foo.test", bob.addr, profile("bob"), bob.key)
	c, _ := NewClient(srv.URL, nil)
	var e *Error
	if _, err := c.Register(context.Background(), req); !errors.As(err, &e) || e.Code != http.StatusBadRequest || !strings.Contains(e.Message, "lower case") {
		t.Fatalf("register Bob: %v", err)
	}
}

// TestHealth: /healthz and /readyz answer 200 while the registrar's queue
// can be read, /readyz 503 once it cannot.
func TestHealth(t *testing.T) {
	r := newTestRegistrar(t, filepath.Join(t.TempDir(), "q.db"), newFakeChain(), time.Hour)
	h := r.Handler(Limits{})
	get := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code
	}
	if get("/healthz") != 200 || get("/readyz") != 200 {
		t.Fatal("a working registrar is not healthy and ready")
	}
	r.store.Close()
	if code := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with its queue closed: %d", code)
	}
}

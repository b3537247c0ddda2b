package nameop

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
	"github.com/go-blockstack/go-blockstack/wallet"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// The tests run the whole system in process: the devchain, the
// virtualchain indexing it into a name database, the REST API over that,
// and Runners driving real wallets against both.

// testRules keep the mainnet quotas but a grace period long enough to
// test renewal in it.
var testRules = func() rules.Rules {
	r := rules.DevnetRules
	r.GracePeriod = 100
	return r
}()

// autoMine is the devchain with a miner that mines a block as soon as a
// transaction arrives: every broadcast confirms at once, and a test can
// tell that nothing was broadcast from the tip not moving.
type autoMine struct {
	*devchain.Chain
}

func (a autoMine) SendTx(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	txid, err := a.Chain.SendTx(ctx, tx)
	if err != nil {
		return txid, err
	}
	_, err = a.Chain.Mine(ctx, 1)
	return txid, err
}

// zonefileStore keeps the zone files whose hash a name operation carried.
type zonefileStore struct {
	db *namedb.DB
	mu sync.Mutex
	m  map[string][]byte
}

func (z *zonefileStore) Get(_ context.Context, hash string) ([]byte, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if zf, ok := z.m[hash]; ok {
		return zf, nil
	}
	return nil, api.ErrZonefileNotFound
}

func (z *zonefileStore) Put(ctx context.Context, data []byte) (string, error) {
	hash := zonefile.HashOf(data).String()
	named, err := z.db.ZonefileHashes(ctx, 1, 1<<20)
	if err != nil {
		return "", err
	}
	for _, n := range named {
		if n.Hash == hash {
			z.mu.Lock()
			defer z.mu.Unlock()
			z.m[hash] = data
			return hash, nil
		}
	}
	return "", fmt.Errorf("zone file %s is not named on chain", hash)
}

type stack struct {
	t     *testing.T
	chain autoMine
	db    *namedb.DB
	node  *apiclient.Client
	dir   string
	// stopIndexer stops the node's indexing, as if it were stuck.
	stopIndexer func()
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	indexCtx, stopIndexer := context.WithCancel(ctx)
	dir := t.TempDir()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := namedb.Open(filepath.Join(dir, "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := virtualchain.New(ctx, db, c, virtualchain.Config{Network: &bns.DevNet, Rules: testRules, FirstBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ix.Run(indexCtx)
	}()
	srv := httptest.NewServer(api.New(api.Config{DB: db, Zonefiles: &zonefileStore{db: db, m: map[string][]byte{}},
		Network: &bns.DevNet, Rules: testRules, FirstBlock: 1}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		db.Close()
		c.Close()
	})
	node, err := apiclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &stack{t: t, chain: autoMine{c}, db: db, node: node, dir: dir, stopIndexer: stopIndexer}
}

// newWallet creates a wallet funded by the faucet with amount satoshis.
func (s *stack) newWallet(name string, amount int64) string {
	s.t.Helper()
	path := filepath.Join(s.dir, name+".json")
	w, err := wallet.Create(path, wallet.CreateOptions{Network: "devnet"})
	if err != nil {
		s.t.Fatal(err)
	}
	if amount > 0 {
		if _, err := s.chain.Faucet(context.Background(), w.PaymentKey().Address(), amount); err != nil {
			s.t.Fatal(err)
		}
		s.mine(1)
	}
	return path
}

func (s *stack) mine(n int) {
	s.t.Helper()
	if _, err := s.chain.Mine(context.Background(), n); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) tip() int64 {
	s.t.Helper()
	tip, err := s.chain.Tip(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return tip.Height
}

// runner opens the wallet and its journal from disk, as a new process
// would.
func (s *stack) runner(walletPath string) *Runner {
	s.t.Helper()
	w, err := wallet.Open(walletPath)
	if err != nil {
		s.t.Fatal(err)
	}
	j, err := OpenJournal(JournalPath(walletPath))
	if err != nil {
		s.t.Fatal(err)
	}
	return &Runner{Wallet: w, Chain: s.chain, Node: s.node, Net: &bns.DevNet, Journal: j,
		FeeRate: 10, Poll: 5 * time.Millisecond, Log: testLog{s.t}}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// stopped is what a Hook panics with to end a run at an event, as a kill
// would: nothing after it runs.
type stopped string

// runUntil runs fn with r stopping at event, and reports whether it did.
func runUntil(r *Runner, event string, fn func() error) (stoppedThere bool, err error) {
	r.Hook = func(e string) {
		if e == event {
			panic(stopped(e))
		}
	}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stopped); !ok {
				panic(p)
			}
			stoppedThere = true
		}
	}()
	return false, fn()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

var testNamespace = NamespaceRules{
	Lifetime: 1000,
	PriceParams: bns.PriceParams{Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1},
		NonalphaDiscount: 10, NoVowelDiscount: 10},
	Version: bns.NamespaceVersionPayToBurn,
}

const zf1 = "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/alice/profile.json\"\n"
const zf2 = "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub2.example/alice/profile.json\"\n"

// createNamespace creates and readies a namespace from walletPath.
func (s *stack) createNamespace(walletPath, id string, rules NamespaceRules) {
	s.t.Helper()
	if err := s.runner(walletPath).CreateNamespace(ctx(s.t), id, &rules, "", ""); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) name(name string) *apitypes.Name {
	s.t.Helper()
	rec, err := s.node.Name(context.Background(), name)
	if err != nil {
		s.t.Fatal(err)
	}
	return rec
}

func (s *stack) history(name string) string {
	s.t.Helper()
	hist, err := s.node.NameHistory(context.Background(), name, true)
	if err != nil {
		s.t.Fatal(err)
	}
	var ops []string
	for _, h := range hist {
		op := h.Opcode
		if !h.Accepted {
			op += "(rejected)"
		}
		ops = append(ops, op)
	}
	return strings.Join(ops, " ")
}

// preorders counts the accepted NAME_PREORDERs on the chain.
func (s *stack) preorders() int {
	s.t.Helper()
	n := 0
	for h := int64(1); h <= s.tip(); h++ {
		hist, err := s.db.BlockHistory(context.Background(), h)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, e := range hist {
			if e.Op == "NAME_PREORDER" && e.Accepted {
				n++
			}
		}
	}
	return n
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	w2 := s.newWallet("w2", 10_000_000)
	r1 := s.runner(w1)
	bob := r1.Wallet.OwnerKeys()[0].Address()

	// Namespace: preorder, reveal, import, ready, one low-level command
	// at a time.
	if err := r1.CreateNamespace(ctx(t), "test", nil, "", StepNamespacePreorder); err != nil {
		t.Fatal(err)
	}
	if err := s.runner(w1).CreateNamespace(ctx(t), "test", &testNamespace, StepNamespaceReveal, StepNamespaceReveal); err != nil {
		t.Fatal(err)
	}
	if err := s.runner(w1).ImportName(ctx(t), "bob.test", bob, []byte(zf1)); err != nil {
		t.Fatal(err)
	}
	if rec := s.name("bob.test"); rec.ExpireBlock != -1 || rec.Address != bob.EncodeAddress() || rec.Zonefile == nil || *rec.Zonefile != zf1 {
		t.Fatalf("bob.test before READY: %+v", rec)
	}
	if err := s.runner(w1).CreateNamespace(ctx(t), "test", nil, StepNamespaceReady, StepNamespaceReady); err != nil {
		t.Fatal(err)
	}
	ns, err := s.node.Namespace(context.Background(), "test")
	if err != nil || !ns.Ready || ns.Lifetime != 1000 || ns.RecipientAddress != r1.Wallet.PaymentKey().Address().EncodeAddress() {
		t.Fatalf("namespace: %+v, %v", ns, err)
	}
	if rec := s.name("bob.test"); rec.ExpireBlock != ns.ReadyBlock+2000 {
		t.Fatalf("bob.test after READY expires at %d, want %d", rec.ExpireBlock, ns.ReadyBlock+2000)
	}

	// Register, update, transfer, renew, revoke.
	if err := s.runner(w1).Register(ctx(t), "alice.test", []byte(zf1), ""); err != nil {
		t.Fatal(err)
	}
	owner1 := r1.Wallet.OwnerKeys()[0].Address().EncodeAddress()
	rec := s.name("alice.test")
	if rec.Address != owner1 || rec.Status != "registered" || rec.Zonefile == nil || *rec.Zonefile != zf1 ||
		rec.ZonefileHash != zonefile.HashOf([]byte(zf1)).String() {
		t.Fatalf("registered: %+v", rec)
	}
	if err := s.runner(w1).Update(ctx(t), "alice.test", []byte(zf2)); err != nil {
		t.Fatal(err)
	}
	if rec := s.name("alice.test"); rec.Zonefile == nil || *rec.Zonefile != zf2 {
		t.Fatalf("updated: %+v", rec)
	}
	r2 := s.runner(w2)
	owner2 := r2.Wallet.OwnerKeys()[0].Address()
	if err := s.runner(w1).Transfer(ctx(t), "alice.test", owner2, true); err != nil {
		t.Fatal(err)
	}
	if rec := s.name("alice.test"); rec.Address != owner2.EncodeAddress() || rec.ZonefileHash != zonefile.HashOf([]byte(zf2)).String() {
		t.Fatalf("transferred: %+v", rec)
	}
	before := s.name("alice.test").ExpireBlock
	if err := r2.Renew(ctx(t), "alice.test"); err != nil {
		t.Fatal(err)
	}
	if rec := s.name("alice.test"); rec.ExpireBlock <= before || rec.ZonefileHash != zonefile.HashOf([]byte(zf2)).String() {
		t.Fatalf("renewed: %+v (expired at %d before)", rec, before)
	}
	if err := s.runner(w2).Revoke(ctx(t), "alice.test"); err != nil {
		t.Fatal(err)
	}
	if rec := s.name("alice.test"); rec.Status != "revoked" || rec.Zonefile != nil {
		t.Fatalf("revoked: %+v", rec)
	}
	if got, want := s.history("alice.test"), "NAME_REGISTRATION NAME_UPDATE NAME_TRANSFER NAME_RENEWAL NAME_REVOKE"; got != want {
		t.Fatalf("history %q, want %q", got, want)
	}
	// Every job finished: the journals are empty.
	for _, w := range []string{w1, w2} {
		if jobs := s.runner(w).Journal.Jobs(); len(jobs) != 0 {
			t.Errorf("journal of %s holds %d jobs", w, len(jobs))
		}
	}
}

func TestRegisterResumesWithoutPayingTwice(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	s.createNamespace(w1, "test", testNamespace)
	ctxt := ctx(t)
	r := s.runner(w1)
	if _, err := r.Wallet.Sync(ctxt, s.chain); err != nil {
		t.Fatal(err)
	}
	start := r.Wallet.Balance().Total()
	preordersBefore := s.preorders()

	// Killed right after broadcasting the preorder.
	r = s.runner(w1)
	if ok, err := runUntil(r, "preorder:broadcast", func() error { return r.Register(ctxt, "alice.test", []byte(zf1), "") }); !ok {
		t.Fatalf("did not stop after the preorder: %v", err)
	}
	// Killed again after journaling the registration, before sending it.
	r = s.runner(w1)
	if ok, err := runUntil(r, "register:journaled", func() error { return r.Register(ctxt, "alice.test", []byte(zf1), "") }); !ok {
		t.Fatalf("did not stop at the registration: %v", err)
	}
	job := r.Journal.Job("register alice.test")
	if job == nil || job.record("register") == nil {
		t.Fatalf("journal lacks the registration: %+v", job)
	}
	journaled := job.record("register").Txid
	tipBefore := s.tip()

	r = s.runner(w1)
	if err := r.Register(ctxt, "alice.test", []byte(zf1), ""); err != nil {
		t.Fatal(err)
	}
	rec := s.name("alice.test")
	if rec.LastTxid != journaled {
		t.Errorf("registered by %s, not by the journaled %s", rec.LastTxid, journaled)
	}
	if s.tip() != tipBefore+1 {
		t.Errorf("the rerun mined %d blocks, want 1 (the registration only)", s.tip()-tipBefore)
	}
	if n := s.preorders() - preordersBefore; n != 1 {
		t.Errorf("%d preorders paid, want 1", n)
	}
	if got := s.history("alice.test"); got != "NAME_REGISTRATION" {
		t.Errorf("history %q", got)
	}
	if _, err := r.Wallet.Sync(ctxt, s.chain); err != nil {
		t.Fatal(err)
	}
	// The price once, and two transactions' fees.
	spent := start - r.Wallet.Balance().Total()
	if price := int64(40_000); spent < price || spent > price+2*400*r.FeeRate {
		t.Errorf("spent %d sat, want the price %d and two fees", spent, price)
	}
	if rec.Zonefile == nil || *rec.Zonefile != zf1 {
		t.Errorf("zone file not published: %+v", rec)
	}
	if len(r.Journal.Jobs()) != 0 {
		t.Errorf("journal not emptied: %+v", r.Journal.Jobs())
	}
}

// TestDeadJournaledTxIsRebuilt: a journaled preorder that was never
// broadcast, whose coins were then spent elsewhere, can never be mined;
// the rerun builds a new one instead of waiting forever.
func TestDeadJournaledTxIsRebuilt(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	s.createNamespace(w1, "test", testNamespace)
	ctxt := ctx(t)
	r := s.runner(w1)
	if ok, err := runUntil(r, "preorder:journaled", func() error { return r.Register(ctxt, "carol.test", nil, "") }); !ok {
		t.Fatalf("did not stop at the preorder: %v", err)
	}
	dead := r.Journal.Job("register carol.test").record("preorder").Txid

	// Spend every coin of the payment key elsewhere.
	r = s.runner(w1)
	if _, err := r.Wallet.Sync(ctxt, s.chain); err != nil {
		t.Fatal(err)
	}
	pay := r.Wallet.PaymentKey()
	tx, err := r.Wallet.BuildTx(wallet.TxRequest{From: pay, Outputs: []*wire.TxOut{
		wire.NewTxOut(r.Wallet.BalanceOf(pay).Spendable-10_000, pay.PkScript())}, ChangeIndex: wallet.AppendChange, FeeRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Wallet.Send(ctxt, s.chain, tx); err != nil {
		t.Fatal(err)
	}

	if err := s.runner(w1).Register(ctxt, "carol.test", nil, ""); err != nil {
		t.Fatal(err)
	}
	if op, err := s.node.Operation(ctxt, dead); !errors.Is(err, apiclient.ErrNotFound) {
		t.Errorf("the dead preorder was mined: %+v, %v", op, err)
	}
	if rec := s.name("carol.test"); rec.Status != "registered" {
		t.Errorf("carol.test: %+v", rec)
	}
}

func TestRefusalsBroadcastNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 200_000_000)
	w2 := s.newWallet("w2", 10_000_000)
	poor := s.newWallet("poor", 20_000)
	s.createNamespace(w1, "test", testNamespace)
	short := testNamespace
	short.Lifetime = 2
	s.createNamespace(w1, "short", short)
	ctxt := ctx(t)
	if err := s.runner(w1).Register(ctxt, "alice.test", nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.runner(w1).Register(ctxt, "old.short", nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.runner(w1).Register(ctxt, "gone.test", nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.runner(w1).Revoke(ctxt, "gone.test"); err != nil {
		t.Fatal(err)
	}
	// A revealed namespace that is not ready.
	if err := s.runner(w1).CreateNamespace(ctxt, "half", &testNamespace, "", StepNamespaceReveal); err != nil {
		t.Fatal(err)
	}
	// old.short expires 4 blocks after its registration.
	s.mine(5)
	owner2 := s.runner(w2).Wallet.OwnerKeys()[0].Address()

	cases := []struct {
		what string
		run  func(r1, r2, rp *Runner) error
		want error
	}{
		{"malformed name", func(r1, _, _ *Runner) error { return r1.Register(ctxt, "Alice.test", nil, "") }, bns.ErrInvalidName},
		{"unknown namespace", func(r1, _, _ *Runner) error { return r1.Register(ctxt, "alice.nope", nil, "") }, ErrNoSuchNamespace},
		{"namespace not ready", func(r1, _, _ *Runner) error { return r1.Register(ctxt, "x.half", nil, "") }, ErrNamespaceNotReady},
		{"name taken", func(_, r2, _ *Runner) error { return r2.Register(ctxt, "alice.test", nil, "") }, ErrNameTaken},
		{"not enough funds", func(_, _, rp *Runner) error { return rp.Register(ctxt, "a.test", nil, "") }, wallet.ErrInsufficientFunds},
		{"bad zone file", func(r1, _, _ *Runner) error { return r1.Register(ctxt, "zed.test", []byte("$ORIGIN\n"), "") }, nil},
		{"unknown name", func(r1, _, _ *Runner) error { return r1.Update(ctxt, "nobody.test", []byte(zf1)) }, ErrNoSuchName},
		{"not the owner", func(_, r2, _ *Runner) error { return r2.Update(ctxt, "alice.test", []byte(zf1)) }, ErrNotOwner},
		{"not the owner (transfer)", func(_, r2, _ *Runner) error { return r2.Transfer(ctxt, "alice.test", owner2, false) }, ErrNotOwner},
		{"expired", func(r1, _, _ *Runner) error { return r1.Update(ctxt, "old.short", []byte(zf1)) }, ErrExpired},
		{"revoked", func(r1, _, _ *Runner) error { return r1.Renew(ctxt, "gone.test") }, ErrRevoked},
		{"import into a ready namespace", func(r1, _, _ *Runner) error { return r1.ImportName(ctxt, "y.test", owner2, nil) }, ErrNamespaceReady},
		{"reveal before preorder", func(r1, _, _ *Runner) error {
			return r1.CreateNamespace(ctxt, "later", &testNamespace, StepNamespaceReveal, StepNamespaceReveal)
		}, ErrStepMissing},
		{"namespace taken", func(_, r2, _ *Runner) error { return r2.CreateNamespace(ctxt, "half", &testNamespace, "", "") }, ErrNamespaceTaken},
	}
	for _, tc := range cases {
		tip := s.tip()
		err := tc.run(s.runner(w1), s.runner(w2), s.runner(poor))
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.what)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.what, err, tc.want)
		default:
			t.Logf("%s: %v", tc.what, err)
		}
		if s.tip() != tip {
			t.Errorf("%s: a transaction was broadcast", tc.what)
		}
	}

	// In its grace period an expired name may still be renewed.
	if err := s.runner(w1).Renew(ctxt, "old.short"); err != nil {
		t.Fatalf("renewal in the grace period: %v", err)
	}
	if rec := s.name("old.short"); rec.Status != "registered" {
		t.Fatalf("old.short after renewal: %+v", rec)
	}
}

func TestJournalConflict(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	s.createNamespace(w1, "test", testNamespace)
	ctxt := ctx(t)
	if err := s.runner(w1).Register(ctxt, "alice.test", nil, ""); err != nil {
		t.Fatal(err)
	}
	r := s.runner(w1)
	if ok, err := runUntil(r, "update:journaled", func() error { return r.Update(ctxt, "alice.test", []byte(zf1)) }); !ok {
		t.Fatalf("did not stop at the update: %v", err)
	}
	tip := s.tip()
	if err := s.runner(w1).Update(ctxt, "alice.test", []byte(zf2)); !errors.Is(err, ErrJournalConflict) {
		t.Fatalf("another update while one is journaled: %v", err)
	}
	if s.tip() != tip {
		t.Fatal("the conflicting update broadcast something")
	}
	// The journaled one finishes.
	if err := s.runner(w1).Update(ctxt, "alice.test", []byte(zf1)); err != nil {
		t.Fatal(err)
	}
	if rec := s.name("alice.test"); rec.ZonefileHash != zonefile.HashOf([]byte(zf1)).String() {
		t.Fatalf("after the update: %+v", rec)
	}
}

// TestStaleNode: a node that stopped indexing behind the chain's tip is not
// trusted to check an operation.
func TestStaleNode(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	s.createNamespace(w1, "test", testNamespace)
	s.stopIndexer()
	s.mine(1)
	tip := s.tip()
	r := s.runner(w1)
	r.StaleAfter = 100 * time.Millisecond
	if err := r.Register(ctx(t), "alice.test", nil, ""); !errors.Is(err, ErrStale) {
		t.Fatalf("register against a stuck node: %v", err)
	}
	if s.tip() != tip {
		t.Fatal("a transaction was broadcast")
	}
}

// TestNodeWithoutZonefileStore: a node that keeps no zone files (503) does
// not fail an update: the hash goes on chain, the zone file stays
// unpublished, and the run says so.
func TestNodeWithoutZonefileStore(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	s.createNamespace(w1, "test", testNamespace)
	ctxt := ctx(t)
	if err := s.runner(w1).Register(ctxt, "alice.test", nil, ""); err != nil {
		t.Fatal(err)
	}
	bare := httptest.NewServer(api.New(api.Config{DB: s.db, Network: &bns.DevNet, Rules: testRules, FirstBlock: 1}))
	t.Cleanup(bare.Close)
	r := s.runner(w1)
	var err error
	if r.Node, err = apiclient.New(bare.URL, nil); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	r.Log = &progress
	if err := r.Update(ctxt, "alice.test", []byte(zf1)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "NOT published") {
		t.Errorf("no word of the unpublished zone file:\n%s", progress.String())
	}
	if rec := s.name("alice.test"); rec.ZonefileHash != zonefile.HashOf([]byte(zf1)).String() || rec.Zonefile != nil {
		t.Errorf("after the update: %+v", rec)
	}
}

// TestPointTo: PointTo updates a name whose zone file differs, and sends
// nothing for one that is already the zone file asked for.
func TestPointTo(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	w1 := s.newWallet("w1", 100_000_000)
	s.createNamespace(w1, "test", testNamespace)
	ctxt := ctx(t)
	if err := s.runner(w1).Register(ctxt, "alice.test", []byte(zf1), ""); err != nil {
		t.Fatal(err)
	}
	if updated, err := s.runner(w1).PointTo(ctxt, "alice.test", []byte(zf1)); err != nil || updated {
		t.Fatalf("PointTo the current zone file: updated %v, %v", updated, err)
	}
	if got := s.history("alice.test"); got != "NAME_REGISTRATION" {
		t.Fatalf("history %q after pointing at the current zone file", got)
	}
	if updated, err := s.runner(w1).PointTo(ctxt, "alice.test", []byte(zf2)); err != nil || !updated {
		t.Fatalf("PointTo another zone file: updated %v, %v", updated, err)
	}
	if rec := s.name("alice.test"); rec.Zonefile == nil || *rec.Zonefile != zf2 {
		t.Fatalf("after PointTo: %+v", rec)
	}
}

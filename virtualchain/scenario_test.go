package virtualchain_test

// Scenario tests of the rules engine: short scripts of real transactions on
// the devchain, indexed with scenarioRules, checked against the name
// database. The helpers are in scenario_helpers_test.go.

import (
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// testspace is the ready namespace most scenarios register names in.
const testspace = "testspace"

func inTestspace(name string) string { return name + "." + testspace }

func TestScenarioNamespaceLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const id = "lifecycle"
	imported := "imported." + id

	// A reveal needs a preorder.
	noPre := w.revealNamespace(w.creator, id, w.revealer)
	w.mine()
	w.rejected(noPre, rules.ErrNoPreorder)

	pre := w.preorderNamespace(w.creator, id, w.revealer, nsPrice)
	w.mine()
	w.accepted(pre)

	// Only the preorder's sender can reveal: the hash commits to its script.
	byBob := w.revealNamespace(w.bob, id, w.revealer)
	rev := w.revealNamespace(w.creator, id, w.revealer)
	revealBlock := w.mine()
	w.rejected(byBob, rules.ErrNoPreorder)
	w.accepted(rev)
	ns := w.namespace(id)
	if ns == nil || ns.Ready || ns.RevealBlock != revealBlock || ns.Address != w.creator.Address().EncodeAddress() ||
		ns.RecipientAddress != w.revealer.Address().EncodeAddress() {
		t.Fatalf("namespace after the reveal: %+v", ns)
	}

	// Imports come from the reveal address only; names cannot be
	// registered before the namespace is ready (preordering is blind).
	badImport := w.importName(w.bob, "bob."+id, w.bob, zonefile("bob"))
	imp := w.importName(w.revealer, imported, w.alice, zonefile("imported"))
	early := w.preorder(w.carol, "early."+id, w.carol)
	w.mine()
	w.rejected(badImport, rules.ErrNotRevealer)
	w.accepted(imp, early)
	if rec := w.owned(imported, w.alice, -1); !rec.Imported || rec.ValueHash != zonefile("imported").String() {
		t.Fatalf("imported name: %+v", rec)
	}
	if w.name("bob."+id) != nil {
		t.Fatal("a rejected import registered its name")
	}

	notReady := w.register(w.carol, "early."+id, w.carol, bns.Hash160{})
	badReady := w.ready(w.creator, id) // the revealer's sender, not the reveal address
	w.mine()
	w.rejected(notReady, rules.ErrNamespaceNotReady)
	w.rejected(badReady, rules.ErrNotRevealer)

	w.mineN(3)
	rdy := w.ready(w.revealer, id)
	readyBlock := w.mine()
	w.accepted(rdy)
	if ns := w.namespace(id); !ns.Ready || ns.ReadyBlock != readyBlock {
		t.Fatalf("namespace after READY: %+v", ns)
	}
	// Imported names' lifetimes start at the ready block.
	w.owned(imported, w.alice, readyBlock+2*nsLifetime)

	late := w.importName(w.revealer, "late."+id, w.alice, zonefile("late"))
	// Carol's preorder predates READY: Blockstack v1 refuses it.
	tooEarly := w.register(w.carol, "early."+id, w.carol, bns.Hash160{})
	w.mine()
	w.rejected(late, rules.ErrNamespaceReady)
	w.rejected(tooEarly, rules.ErrPreorderBeforeReady)
	if w.name("late."+id) != nil {
		t.Fatal("an import after READY registered its name")
	}

	// Now anyone can register.
	reg := w.registerName(w.bob, "bob."+id, zonefile("bob"))
	w.owned("bob."+id, w.bob, reg+2*nsLifetime)

	// The namespace's history, in order.
	hist, err := w.db.History(w.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range hist {
		got = append(got, e.Txid)
		if wantOK := e.Txid == rev || e.Txid == rdy; e.Accepted != wantOK {
			t.Errorf("history: %s %s accepted=%v (%s)", e.Op, e.Txid, e.Accepted, e.Reason)
		}
	}
	// Transactions of one block are in the order sent.
	if want := []string{noPre, byBob, rev, badReady, rdy}; !slices.Equal(got, want) {
		t.Errorf("history of %s: %v, want %v", id, got, want)
	}
}

func TestScenarioNamespaceBurnBelowPrice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The preorder hides the id, so its price is checked at the reveal.
	cheap := w.preorderNamespace(w.creator, "cheapone", w.revealer, nsPrice-1)
	exact := w.preorderNamespace(w.bob, "exactone", w.carol, nsPrice)
	w.mine()
	w.accepted(cheap, exact)
	revCheap := w.revealNamespace(w.creator, "cheapone", w.revealer)
	revExact := w.revealNamespace(w.bob, "exactone", w.carol)
	w.mine()
	w.rejected(revCheap, rules.ErrFeeTooLow, "costs 4000000 satoshis; its preorder burned 3999999")
	w.accepted(revExact)
	if w.namespace("cheapone") != nil || w.namespace("exactone") == nil {
		t.Fatal("namespaces after the reveals")
	}
}

func TestScenarioNamespaceRevealLapse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const id = "lapsingns"
	imported := "imported." + id
	w.preorderNamespace(w.creator, id, w.revealer, nsPrice)
	w.mine()
	rev := w.revealNamespace(w.creator, id, w.revealer)
	revealBlock := w.mine()
	w.accepted(rev)

	imp := w.importName(w.revealer, imported, w.alice, zonefile("old"))
	w.mineTo(revealBlock + scenarioRules.NamespaceRevealExpire - 1)
	inTime := w.importName(w.revealer, "intime."+id, w.alice, zonefile("intime"))
	w.mine()
	w.accepted(imp, inTime)

	// NamespaceRevealExpire blocks after the reveal it has lapsed.
	lateReady := w.ready(w.revealer, id)
	lateImport := w.importName(w.revealer, "late."+id, w.alice, zonefile("late"))
	rebid := w.preorderNamespace(w.bob, id, w.carol, nsPrice)
	if b := w.mine(); b != revealBlock+scenarioRules.NamespaceRevealExpire {
		t.Fatalf("mined %d", b)
	}
	w.rejected(lateReady, rules.ErrNamespaceLapsed)
	w.rejected(lateImport, rules.ErrNamespaceLapsed)
	w.accepted(rebid)

	// Anyone may now reveal it anew: bob, with carol as reveal address.
	rev2 := w.revealNamespace(w.bob, id, w.carol)
	reveal2 := w.mine()
	w.accepted(rev2)
	if ns := w.namespace(id); ns.Address != w.bob.Address().EncodeAddress() || ns.RevealBlock != reveal2 || ns.Ready {
		t.Fatalf("namespace after the second reveal: %+v", ns)
	}
	carols := w.importName(w.carol, "carols."+id, w.carol, zonefile("carol"))
	w.mine()
	rdy := w.ready(w.carol, id)
	readyBlock := w.mine()
	w.accepted(carols, rdy)
	w.owned("carols."+id, w.carol, readyBlock+2*nsLifetime)

	// The lapsed reveal's imports were never the new creator's: READY
	// must not bring them to life.
	for _, n := range []string{imported, "intime." + id} {
		if rec := w.name(n); rec != nil {
			t.Errorf("%s, imported under the lapsed reveal, is a name after the new one is ready: %+v", n, rec)
		}
	}
	if names := w.namesOf(w.alice); len(names) != 0 {
		t.Errorf("alice owns %v", names)
	}
}

// TestScenarioCommitReveal runs one preorder and its registration under
// variations of the preorder and of the wait between them.
func TestScenarioCommitReveal(t *testing.T) {
	t.Parallel()
	name := inTestspace("alice")
	cases := []struct {
		desc       string
		noPreorder bool
		fee        int64 // 0: the price
		payTo      func(w *world) btcutil.Address
		chAge      int64 // the preorder's consensus hash is from this many blocks before the last
		oldHash    bool  // the preorder hash leaves out the register address
		toBob      bool  // the name is for bob
		gap        int64 // blocks from the preorder's to the registration's
		preErr     rules.Code
		regErr     rules.Code
		regWhy     string // in the registration's rejection, beside its code
	}{
		{desc: "preorder then register", gap: 1},
		{desc: "preorder then register for someone else", gap: 1, toBob: true},
		{desc: "old preorder form without the register address", gap: 1, oldHash: true},
		{desc: "register without preorder", noPreorder: true, regErr: rules.ErrNoPreorder},
		{desc: "preorder in the same block", gap: 0, regErr: rules.ErrNoPreorder},
		{desc: "last block before the preorder expires", gap: scenarioRules.PreorderExpire - 1},
		{desc: "expired preorder", gap: scenarioRules.PreorderExpire, regErr: rules.ErrNoPreorder},
		{desc: "fee below price", fee: price(name) - 1, gap: 1, regErr: rules.ErrFeeTooLow, regWhy: "costs 40000 satoshis; 39999 paid"},
		{desc: "fee to the wrong address", gap: 1, payTo: func(w *world) btcutil.Address { return w.bob.Address() },
			regErr: rules.ErrFeeAddress, regWhy: "must go to " + bns.DevNet.BurnAddress().EncodeAddress()},
		{desc: "oldest fresh consensus hash", chAge: scenarioRules.ConsensusWindow - 1, gap: 1},
		{desc: "stale consensus hash", chAge: scenarioRules.ConsensusWindow, gap: 1,
			preErr: rules.ErrStaleConsensusHash, regErr: rules.ErrNoPreorder},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.openNamespace(testspace)
			to := w.alice
			if tc.toBob {
				to = w.bob
			}
			registerAddr := btcutil.Address(to.Address())
			if tc.oldHash {
				registerAddr = nil
			}
			var pre string
			if !tc.noPreorder {
				fee, payTo := price(name), burn()
				if tc.fee != 0 {
					fee = tc.fee
				}
				if tc.payTo != nil {
					payTo = tc.payTo(w)
				}
				pre = w.preorderWith(w.alice, name, registerAddr, fee, payTo, w.chAt(w.height()-tc.chAge))
				if tc.gap > 0 {
					w.mineTo(w.mine() + tc.gap)
				}
			}
			reg := w.register(w.alice, name, to, zonefile("alice"))
			regBlock := w.mine()
			if pre != "" {
				if tc.preErr == "" {
					w.accepted(pre)
				} else {
					w.rejected(pre, tc.preErr)
				}
			}
			if tc.regErr != "" {
				w.rejected(reg, tc.regErr, tc.regWhy)
				if rec := w.name(name); rec != nil {
					t.Fatalf("registered after a rejected registration: %+v", rec)
				}
				return
			}
			w.accepted(reg)
			rec := w.owned(name, to, regBlock+2*nsLifetime)
			if rec.ValueHash != zonefile("alice").String() || rec.FirstRegistered != regBlock || rec.Revoked {
				t.Fatalf("registered: %+v", rec)
			}
			if names := w.namesOf(to); !slices.Equal(names, []string{name}) {
				t.Fatalf("the recipient owns %v", names)
			}
		})
	}
}

func TestScenarioAlreadyRegistered(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name := inTestspace("taken")
	reg := w.registerName(w.alice, name, zonefile("alice"))
	pre := w.preorder(w.bob, name, w.bob)
	w.mine()
	again := w.register(w.bob, name, w.bob, zonefile("bob"))
	w.mine()
	w.accepted(pre)
	w.rejected(again, rules.ErrNameTaken)
	if rec := w.owned(name, w.alice, reg+2*nsLifetime); rec.ValueHash != zonefile("alice").String() {
		t.Fatalf("after a rejected registration: %+v", rec)
	}
}

func TestScenarioQuota(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	mine := []string{inTestspace("one"), inTestspace("two"), inTestspace("three")}
	for _, n := range mine {
		w.preorder(w.alice, n, w.alice)
	}
	w.preorder(w.bob, inTestspace("bobs"), w.bob)
	w.mine()
	for _, n := range mine {
		w.register(w.alice, n, w.alice, bns.Hash160{})
	}
	w.register(w.bob, inTestspace("bobs"), w.bob, bns.Hash160{})
	w.mine()
	if got := w.namesOf(w.alice); len(got) != 3 {
		t.Fatalf("alice owns %v", got)
	}

	// Alice owns MaxNamesPerOwner names: she may not preorder, be given
	// a name by registration, or by transfer.
	fourth := w.preorder(w.alice, inTestspace("four"), w.alice)
	gift := w.preorder(w.bob, inTestspace("gift"), w.alice)
	w.mine()
	w.rejected(fourth, rules.ErrQuota, "already owns 3 names")
	w.accepted(gift)
	giftReg := w.register(w.bob, inTestspace("gift"), w.alice, bns.Hash160{})
	giftXfer := w.transfer(w.bob, inTestspace("bobs"), w.alice, true)
	w.mine()
	w.rejected(giftReg, rules.ErrQuota, "already owns 3 names")
	w.rejected(giftXfer, rules.ErrQuota, "already owns 3 names")

	// A revoked name no longer counts (Blockstack v1 counts unexpired,
	// unrevoked names).
	rev := w.revoke(w.alice, mine[0])
	w.mine()
	w.accepted(rev)
	again := w.preorder(w.alice, inTestspace("four"), w.alice)
	w.mine()
	w.accepted(again)
}

func TestScenarioUpdate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name, carols := inTestspace("alice"), inTestspace("carol")
	reg := w.registerName(w.alice, name, zonefile("v1"))
	w.registerName(w.carol, carols, zonefile("c1"))

	// The update names the name through a recent consensus hash.
	up := w.update(w.alice, name, zonefile("v2"))
	byBob := w.update(w.bob, name, zonefile("bob"))
	stale := w.send(w.alice, &bns.NameUpdate{
		NameConsensusHash: bns.NameConsensusHash(name, w.chAt(w.height()-scenarioRules.ConsensusWindow)),
		ValueHash:         zonefile("stale")})
	w.mine()
	w.accepted(up)
	w.rejected(byBob, rules.ErrNoMatchingName)
	w.rejected(stale, rules.ErrNoMatchingName)
	if rec := w.name(name); rec.ValueHash != zonefile("v2").String() || rec.Op != "NAME_UPDATE" {
		t.Fatalf("after the update: %+v", rec)
	}

	// A revoked name cannot change.
	rev := w.revoke(w.carol, carols)
	w.mine()
	w.accepted(rev)
	afterRevoke := w.update(w.carol, carols, zonefile("c2"))
	w.mine()
	w.rejected(afterRevoke, rules.ErrRevoked)
	if rec := w.name(carols); rec.ValueHash != zonefile("c1").String() || !rec.Revoked {
		t.Fatalf("revoked name: %+v", rec)
	}

	// The last block before expiry is fine; from the expire block on,
	// updates are refused (the grace period allows only renewal).
	expire := reg + 2*nsLifetime
	w.mineTo(expire - 1)
	last := w.update(w.alice, name, zonefile("v3"))
	w.mine()
	w.accepted(last)
	expired := w.update(w.alice, name, zonefile("v4"))
	w.mine()
	w.rejected(expired, rules.ErrInGrace)
	w.mineTo(expire + scenarioRules.GracePeriod)
	afterGrace := w.update(w.alice, name, zonefile("v5"))
	w.mine()
	w.rejected(afterGrace, rules.ErrExpired)
	if rec := w.name(name); rec.ValueHash != zonefile("v3").String() {
		t.Fatalf("expired name: %+v", rec)
	}
}

func TestScenarioTransfer(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name := inTestspace("xfer")
	reg := w.registerName(w.alice, name, zonefile("v1"))
	expire := reg + 2*nsLifetime

	keep := w.transfer(w.alice, name, w.bob, true)
	moved := w.mine()
	w.accepted(keep)
	if rec := w.owned(name, w.bob, expire); rec.ValueHash != zonefile("v1").String() {
		t.Fatalf("after a '>' transfer: %+v", rec)
	}
	if a, b := w.namesOf(w.alice), w.namesOf(w.bob); len(a) != 0 || !slices.Equal(b, []string{name}) {
		t.Fatalf("alice owns %v, bob %v", a, b)
	}
	for h, want := range map[int64]string{reg: w.alice.Address().EncodeAddress(), moved: w.bob.Address().EncodeAddress()} {
		if rec, err := w.db.NameAt(w.ctx, name, h); err != nil || rec.Address != want {
			t.Fatalf("NameAt(%d): %+v, %v; want owner %s", h, rec, err, want)
		}
	}

	byOld := w.transfer(w.alice, name, w.carol, true)
	toSelf := w.transfer(w.bob, name, w.bob, true)
	stale := w.send(w.bob, &bns.NameTransfer{KeepData: true, NameHash128: bns.NameHash128(name),
		ConsensusHash: w.chAt(w.height() - scenarioRules.ConsensusWindow), Recipient: w.carol.Address()})
	w.mine()
	w.rejected(byOld, rules.ErrNoMatchingName)
	w.rejected(toSelf, rules.ErrTransferToOwner)
	w.rejected(stale, rules.ErrStaleConsensusHash)

	wipe := w.transfer(w.bob, name, w.carol, false)
	w.mine()
	w.accepted(wipe)
	if rec := w.owned(name, w.carol, expire); rec.ValueHash != "" {
		t.Fatalf("after a '~' transfer: %+v", rec)
	}
}

func TestScenarioRenewal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name := inTestspace("alice")
	reg := w.registerName(w.alice, name, zonefile("v1"))
	w.owned(name, w.alice, reg+2*nsLifetime)

	w.mineTo(reg + 5)
	renew := w.renew(w.alice, name, w.alice, zonefile("v2"), price(name))
	renewed := w.mine()
	w.accepted(renew)
	expire := renewed + 2*nsLifetime
	if rec := w.owned(name, w.alice, expire); rec.ValueHash != zonefile("v2").String() || rec.LastRenewed != renewed {
		t.Fatalf("after the renewal: %+v", rec)
	}

	// Someone else's renewal is a registration attempt (no preorder, and
	// the name is taken); a renewal must pay the price.
	byBob := w.renew(w.bob, name, w.bob, zonefile("bob"), price(name))
	cheap := w.renew(w.alice, name, w.alice, zonefile("v3"), price(name)-1)
	w.mine()
	w.rejected(byBob, rules.ErrNameTaken)
	w.rejected(cheap, rules.ErrFeeTooLow, "costs 40000 satoshis; 39999 paid")

	// In the grace period only renewal is allowed, and a renewal may
	// give the name to someone else.
	w.mineTo(expire + 2)
	up := w.update(w.alice, name, zonefile("late"))
	graceRenew := w.renew(w.alice, name, w.carol, zonefile("v3"), price(name))
	inGrace := w.mine()
	w.rejected(up, rules.ErrInGrace)
	w.accepted(graceRenew)
	if rec := w.owned(name, w.carol, inGrace+2*nsLifetime); rec.ValueHash != zonefile("v3").String() {
		t.Fatalf("after the renewal in grace: %+v", rec)
	}
	if a, c := w.namesOf(w.alice), w.namesOf(w.carol); len(a) != 0 || !slices.Equal(c, []string{name}) {
		t.Fatalf("alice owns %v, carol %v", a, c)
	}
}

func TestScenarioRevoke(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name := inTestspace("alice")
	reg := w.registerName(w.alice, name, zonefile("v1"))

	byBob := w.revoke(w.bob, name)
	w.mine()
	w.rejected(byBob, rules.ErrNotOwner)
	rev := w.revoke(w.alice, name)
	w.mine()
	w.accepted(rev)
	// Still registered, to alice, but frozen.
	if rec := w.owned(name, w.alice, reg+2*nsLifetime); !rec.Revoked {
		t.Fatalf("after the revoke: %+v", rec)
	}

	up := w.update(w.alice, name, zonefile("v2"))
	xfer := w.transfer(w.alice, name, w.bob, true)
	renew := w.renew(w.alice, name, w.alice, zonefile("v2"), price(name))
	pre := w.preorder(w.bob, name, w.bob)
	w.mine()
	for _, txid := range []string{up, xfer, renew} {
		w.rejected(txid, rules.ErrRevoked)
	}
	again := w.revoke(w.alice, name)
	steal := w.register(w.bob, name, w.bob, zonefile("bob"))
	w.mine()
	w.accepted(pre)
	w.rejected(again, rules.ErrRevoked)
	w.rejected(steal, rules.ErrNameTaken)
	if rec := w.name(name); !rec.Revoked || rec.Address != w.alice.Address().EncodeAddress() || rec.ValueHash != zonefile("v1").String() {
		t.Fatalf("revoked name: %+v", rec)
	}
}

func TestScenarioExpiryGraceReregistration(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name := inTestspace("alice")
	reg := w.registerName(w.alice, name, zonefile("v1"))
	expire := reg + 2*nsLifetime

	// At the expire block: no transfer; bob may preorder (blindly).
	w.mineTo(expire)
	xfer := w.transfer(w.alice, name, w.carol, true)
	pre := w.preorder(w.bob, name, w.bob)
	w.mine()
	w.rejected(xfer, rules.ErrInGrace)
	w.accepted(pre)
	w.owned(name, w.alice, expire)

	// In the grace period the name is still alice's.
	early := w.register(w.bob, name, w.bob, zonefile("bob"))
	w.mine()
	w.rejected(early, rules.ErrNameTaken)

	// After it, alice cannot renew, and bob registers it.
	w.mineTo(expire + scenarioRules.GracePeriod)
	late := w.renew(w.alice, name, w.alice, zonefile("v1"), price(name))
	w.mine()
	w.rejected(late, rules.ErrExpired)
	reg2 := w.register(w.bob, name, w.bob, zonefile("bob"))
	again := w.mine()
	w.accepted(reg2)
	rec := w.owned(name, w.bob, again+2*nsLifetime)
	if rec.FirstRegistered != again || rec.ValueHash != zonefile("bob").String() {
		t.Fatalf("re-registered: %+v", rec)
	}
	if names := w.namesOf(w.alice); len(names) != 0 {
		t.Fatalf("alice still owns %v", names)
	}
	if old, err := w.db.NameAt(w.ctx, name, expire); err != nil || old.Address != w.alice.Address().EncodeAddress() {
		t.Fatalf("NameAt(%d): %+v, %v", expire, old, err)
	}
}

func TestScenarioCollisions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)

	// Two senders, each with its own preorder from an earlier block,
	// register the same name in one block: neither gets it.
	name := inTestspace("contested")
	pa, pb := w.preorder(w.alice, name, w.alice), w.preorder(w.bob, name, w.bob)
	w.mine()
	w.accepted(pa, pb)
	ra, rb := w.register(w.alice, name, w.alice, zonefile("a")), w.register(w.bob, name, w.bob, zonefile("b"))
	w.mine()
	w.rejected(ra, rules.ErrCollision)
	w.rejected(rb, rules.ErrCollision)
	if rec := w.name(name); rec != nil {
		t.Fatalf("collided name registered: %+v", rec)
	}
	hist, err := w.db.History(w.ctx, name)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history of %s: %+v, %v", name, hist, err)
	}
	// Their preorders are still pending: alone in a later block, bob wins.
	rb2 := w.register(w.bob, name, w.bob, zonefile("b"))
	b := w.mine()
	w.accepted(rb2)
	w.owned(name, w.bob, b+2*nsLifetime)

	// Two identical preorders in one block are both rejected, so the
	// registration finds none.
	twice := inTestspace("twice")
	p1, p2 := w.preorder(w.carol, twice, w.carol), w.preorder(w.carol, twice, w.carol)
	w.mine()
	w.rejected(p1, rules.ErrCollision)
	w.rejected(p2, rules.ErrCollision)
	hash, _ := bns.PreorderHash(twice, w.carol.PkScript(), w.carol.Address())
	if hist, err := w.db.History(w.ctx, hash.String()); err != nil || len(hist) != 2 {
		t.Fatalf("history of preorder %s: %+v, %v", hash, hist, err)
	}
	reg := w.register(w.carol, twice, w.carol, bns.Hash160{})
	w.mine()
	w.rejected(reg, rules.ErrNoPreorder)
}

func TestScenarioZonefileInventory(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const id = "inventory"
	a, b, c, d := "a."+id, "b."+id, "c."+id, "d."+id
	w.preorderNamespace(w.creator, id, w.revealer, nsPrice)
	w.mine()
	w.revealNamespace(w.creator, id, w.revealer)
	w.mine()
	ia := w.importName(w.revealer, a, w.alice, zonefile("a1"))
	ib := w.importName(w.revealer, b, w.bob, zonefile("b1"))
	w.mine()
	w.ready(w.revealer, id)
	w.mine()
	w.preorder(w.carol, c, w.carol)
	w.preorder(w.carol, d, w.carol)
	w.mine()
	rc := w.register(w.carol, c, w.carol, zonefile("c1"))
	ua := w.update(w.alice, a, zonefile("a2"))
	rd := w.register(w.carol, d, w.carol, bns.Hash160{}) // no zone file
	w.mine()
	xb := w.transfer(w.bob, b, w.carol, true) // names no new zone file
	w.mine()
	w.accepted(ia, ib, rc, ua, rd, xb)

	type item struct{ txid, name, hash string }
	want := []item{{ia, a, zonefile("a1").String()}, {ib, b, zonefile("b1").String()},
		{rc, c, zonefile("c1").String()}, {ua, a, zonefile("a2").String()}}
	got, err := w.db.ZonefileHashes(w.ctx, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("inventory %+v, want %+v", got, want)
	}
	for i, z := range got {
		if z.Seq != int64(i+1) || z.Txid != want[i].txid || z.Name != want[i].name || z.Hash != want[i].hash ||
			z.Block != w.minedIn[z.Txid] {
			t.Errorf("inventory[%d] = %+v, want %+v in block %d", i, z, want[i], w.minedIn[want[i].txid])
		}
		if i > 0 && (z.Block < got[i-1].Block || z.Block == got[i-1].Block && z.Vtxindex <= got[i-1].Vtxindex) {
			t.Errorf("inventory[%d] (%d/%d) is not after [%d] (%d/%d)", i, z.Block, z.Vtxindex, i-1, got[i-1].Block, got[i-1].Vtxindex)
		}
	}
	page, err := w.db.ZonefileHashes(w.ctx, 3, 1)
	if err != nil || len(page) != 1 || page[0].Txid != rc {
		t.Fatalf("ZonefileHashes(3, 1) = %+v, %v", page, err)
	}
}

func TestScenarioReorgRemovesRegistration(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.openNamespace(testspace)
	name := inTestspace("alice")
	pre := w.preorder(w.alice, name, w.alice)
	w.mine()
	reg := w.register(w.alice, name, w.alice, zonefile("v1"))
	regBlock := w.mine()
	w.mine()
	w.accepted(pre, reg)
	w.owned(name, w.alice, regBlock+2*nsLifetime)

	// A longer branch from the block before the registration's.
	if _, err := w.chain.Fork(w.ctx, regBlock-1, 3); err != nil {
		t.Fatal(err)
	}
	w.sync()
	if w.height() != regBlock+2 {
		t.Fatalf("indexed to %d after the reorg, want %d", w.height(), regBlock+2)
	}
	if rec := w.name(name); rec != nil {
		t.Fatalf("registered after the reorg took its block away: %+v", rec)
	}
	if names := w.namesOf(w.alice); len(names) != 0 {
		t.Fatalf("alice owns %v", names)
	}
	if hist, err := w.db.History(w.ctx, name); err != nil || len(hist) != 0 {
		t.Fatalf("history after the reorg: %+v, %v", hist, err)
	}
	if zs, err := w.db.ZonefileHashes(w.ctx, 1, 100); err != nil || len(zs) != 0 {
		t.Fatalf("zone file hashes after the reorg: %+v, %v", zs, err)
	}
	sameAsFresh := func() {
		t.Helper()
		fresh, freshDB := openIndexer(t, w.chain, scenarioRules)
		tip, err := fresh.Sync(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, want := consensusHashes(t, w.db, tip.Height), consensusHashes(t, freshDB, tip.Height)
		if !slices.Equal(got, want) {
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("block %d: consensus hash %s after the reorg, %s on a fresh indexer", i+1, got[i], want[i])
				}
			}
		}
	}
	sameAsFresh()

	// The chain gave the registration back to the mempool; the rewind
	// restored its preorder, so the next block registers the name.
	again := w.mine()
	w.minedIn[reg] = again
	w.accepted(reg)
	w.owned(name, w.alice, again+2*nsLifetime)
	sameAsFresh()
}

// A registration in a namespace nobody revealed is rejected, and its
// history is found under the name.
func TestScenarioRegisterInUnknownNamespace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	name := inTestspace("ghost")
	reg := w.register(w.alice, name, w.alice, bns.Hash160{})
	w.mine()
	e := w.entry(reg)
	if e.Accepted || e.Subject != name || e.Code != rules.ErrNamespaceNotReady || !strings.Contains(e.Reason, "namespace testspace") {
		t.Fatalf("history entry: %+v", e)
	}
}

// TestScenarioPayToCreator: a version-2 namespace's name fees go to its
// creator for PayToCreatorBlocks after the reveal, then to the burn
// address; what counts is when the preorder paid.
func TestScenarioPayToCreator(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const id = "paycreator"
	creator := w.creator.Address()
	w.preorderNamespace(w.creator, id, w.revealer, nsPrice)
	w.mine()
	rev := w.revealWith(w.creator, id, w.revealer, 100, bns.NamespaceVersionPayToCreator)
	revealBlock := w.mine()
	rdy := w.ready(w.revealer, id)
	w.mine()
	w.accepted(rev, rdy)
	period := scenarioRules.PayToCreatorBlocks
	n := func(s string) string { return s + "." + id }

	// preorder sends a preorder paying the price to payTo.
	preorder := func(from *wallet.Key, name string, payTo btcutil.Address) {
		w.preorderWith(from, name, from.Address(), price(name), payTo, w.ch())
	}
	preorder(w.alice, n("early"), creator)
	preorder(w.bob, n("burnt"), burn())
	w.mine()
	early := w.register(w.alice, n("early"), w.alice, bns.Hash160{})
	burnt := w.register(w.bob, n("burnt"), w.bob, bns.Hash160{})
	w.mine()
	w.accepted(early)
	w.rejected(burnt, rules.ErrFeeAddress, "must go to "+creator.EncodeAddress())

	w.mineTo(revealBlock + period) // the last block of the period
	preorder(w.carol, n("edge"), creator)
	w.mine()
	// Registered after the period, paid within it.
	edge := w.register(w.carol, n("edge"), w.carol, bns.Hash160{})
	preorder(w.alice, n("after"), burn())
	preorder(w.bob, n("latecomer"), creator)
	w.mine()
	after := w.register(w.alice, n("after"), w.alice, bns.Hash160{})
	latecomer := w.register(w.bob, n("latecomer"), w.bob, bns.Hash160{})
	w.mine()
	w.accepted(edge, after)
	w.rejected(latecomer, rules.ErrFeeAddress, "must go to "+burn().EncodeAddress())
}

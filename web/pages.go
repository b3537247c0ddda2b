package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

const (
	// homeBlocks is how many blocks with name operations the home page lists.
	homeBlocks = 10
	// pageSize is how many names a namespace page lists, as /v1 pages them.
	pageSize = 100
	// tipTimeout bounds asking the chain for its tip: the home page shows
	// the sync status without it rather than hang on a slow node.
	tipTimeout = 2 * time.Second
)

var txidRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// blockOps is a block with the name operations found in it.
type blockOps struct {
	namedb.Block
	Ops []namedb.HistoryEntry
}

// syncStatus compares the last indexed block with the chain's tip.
type syncStatus struct {
	Indexed bool // anything indexed yet
	Last    namedb.Block
	Tip     int64 // 0: unknown
	TipErr  string
	Behind  int64
	Names   int64
}

// atlasStatus is the Atlas peer's state; Missing are zone files the chain
// names that the node does not hold yet.
type atlasStatus struct {
	atlas.Status
	Missing int
	Peers   []atlas.PeerStatus
}

type homeData struct {
	Sync       syncStatus
	Atlas      *atlasStatus // nil: Atlas is off
	Namespaces []string
	Blocks     []blockOps
	Older      int64 // the ?before= of the next older page; 0: none
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d homeData
	last, ok, err := s.cfg.DB.LastBlock(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d.Sync = syncStatus{Indexed: ok, Last: last}
	if d.Sync.Names, err = s.cfg.DB.NameCount(ctx); err != nil {
		s.internalError(w, r, err)
		return
	}
	if s.cfg.Chain != nil {
		tctx, cancel := context.WithTimeout(ctx, tipTimeout)
		tip, err := s.cfg.Chain.Tip(tctx)
		cancel()
		if err != nil {
			d.Sync.TipErr = err.Error()
		} else {
			d.Sync.Tip = tip.Height
			d.Sync.Behind = max(tip.Height-last.Height, 0)
		}
	}
	if s.cfg.Atlas != nil {
		st := s.cfg.Atlas.Status()
		d.Atlas = &atlasStatus{Status: st, Missing: st.Inventory - st.Present, Peers: s.cfg.Atlas.Peers()}
	}
	if d.Namespaces, err = s.cfg.DB.Namespaces(ctx); err != nil {
		s.internalError(w, r, err)
		return
	}
	before := last.Height + 1
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before < 0 {
			s.fail(w, r, http.StatusBadRequest, "before must be a block height.")
			return
		}
	}
	blocks, err := s.cfg.DB.RecentBlocks(ctx, before, homeBlocks, true)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, b := range blocks {
		ops, err := s.cfg.DB.BlockHistory(ctx, b.Height)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		d.Blocks = append(d.Blocks, blockOps{Block: b, Ops: ops})
	}
	if len(blocks) == homeBlocks {
		d.Older = blocks[len(blocks)-1].Height
	}
	s.render(w, r, http.StatusOK, "home", "Names on "+s.cfg.Network.Name, d)
}

// search sends the query to the page of what it names: a block height, a
// transaction's block, a name, a namespace or an address.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	lower := strings.ToLower(q) // names and namespace ids are lowercase
	found := func(path string) { http.Redirect(w, r, path, http.StatusSeeOther) }
	switch {
	case q == "":
		found("/")
		return
	case strings.Trim(q, "0123456789") == "":
		found("/block/" + q)
		return
	case txidRE.MatchString(lower):
		hist, err := s.cfg.DB.TxHistory(ctx, lower)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if len(hist) > 0 {
			h := hist[len(hist)-1]
			found(fmt.Sprintf("/block/%d#tx-%s", h.Block, h.Txid))
			return
		}
	case subdomains.IsFQN(lower) && s.cfg.Subdomains != nil:
		if _, err := s.cfg.Subdomains.Get(ctx, lower); err == nil {
			found("/name/" + lower)
			return
		} else if !errors.Is(err, subdomains.ErrNotFound) && !errors.Is(err, subdomains.ErrBadName) {
			s.internalError(w, r, err)
			return
		}
	case bns.ValidName(lower) == nil:
		if _, err := s.cfg.DB.Name(ctx, lower); err == nil {
			found("/name/" + lower)
			return
		} else if !errors.Is(err, namedb.ErrNotFound) {
			s.internalError(w, r, err)
			return
		}
	case bns.ValidNamespaceID(lower) == nil:
		if _, err := s.cfg.DB.Namespace(ctx, lower); err == nil {
			found("/namespace/" + lower)
			return
		} else if !errors.Is(err, namedb.ErrNotFound) {
			s.internalError(w, r, err)
			return
		}
	}
	if s.validAddress(q) {
		found("/address/" + q)
		return
	}
	s.fail(w, r, http.StatusNotFound, fmt.Sprintf("Nothing on this chain is called %q: search for a name (alice.id), a namespace (id), an address, a block height or a transaction id.", q))
}

// validAddress reports whether addr is an address of the node's network.
func (s *Server) validAddress(addr string) bool {
	a, err := btcutil.DecodeAddress(addr, s.cfg.Network.Params)
	return err == nil && a.IsForNet(s.cfg.Network.Params)
}

// height is the last indexed block, which statuses are judged at.
func (s *Server) height(ctx context.Context) (int64, error) {
	last, _, err := s.cfg.DB.LastBlock(ctx)
	return last.Height, err
}

// historyItem is one operation of a subject's timeline with what it left
// behind, when it was accepted.
type historyItem struct {
	namedb.HistoryEntry
	Owner     string // the owner (or a namespace's revealer) after it
	ValueHash string // the zone file hash after it
	Expires   string // when the name expires after it
}

// timeline is a subject's history, newest first.
func timeline(hist []namedb.HistoryEntry) []historyItem {
	out := make([]historyItem, 0, len(hist))
	for i := len(hist) - 1; i >= 0; i-- {
		it := historyItem{HistoryEntry: hist[i]}
		if it.Accepted {
			var after struct {
				Address     string `json:"address"`
				ValueHash   string `json:"value_hash"`
				ExpireBlock *int64 `json:"expire_block"`
			}
			// A record without these fields shows without them.
			_ = json.Unmarshal(it.Record, &after)
			it.Owner, it.ValueHash = after.Address, after.ValueHash
			switch e := after.ExpireBlock; {
			case e == nil:
			case *e < 0:
				it.Expires = "never"
			default:
				it.Expires = "block " + strconv.FormatInt(*e, 10)
			}
		}
		out = append(out, it)
	}
	return out
}

type nameData struct {
	Rec        *namedb.NameRecord
	Height     int64
	Status     string
	InGrace    bool
	Deadline   int64 // renewal deadline; -1: never expires
	BlocksLeft int64 // until expiry
	// Estimate dates the expiry and the deadline; nil: heights only.
	Estimate   *apitypes.ExpiryEstimate
	Zonefile   zonefileView
	Profile    profileView
	History    []historyItem
	Subdomains []string // the first of them
	Proof      *proofView
}

func (s *Server) name(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	if subdomains.IsFQN(name) {
		s.subdomain(w, r, name)
		return
	}
	if err := bns.ValidName(name); err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a valid name: %v.", name, err))
		return
	}
	rec, err := s.cfg.DB.Name(ctx, name)
	if errors.Is(err, namedb.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("No one has registered %s.", name))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	height, err := s.height(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	hist, err := s.cfg.DB.History(ctx, name)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	state := s.cfg.Rules.NameState(rec.Revoked, rec.ExpireBlock, height)
	d := nameData{Rec: rec, Height: height, Deadline: s.cfg.Rules.RenewalDeadline(rec.ExpireBlock),
		BlocksLeft: rec.ExpireBlock - height, History: timeline(hist), Status: state.Status(), InGrace: state == rules.InGrace}
	d.Estimate = s.cfg.Clock.Expiry(ctx, height, rec.ExpireBlock, d.Deadline)
	if d.Zonefile, err = s.zonefileOf(ctx, rec); err != nil {
		s.internalError(w, r, err)
		return
	}
	d.Profile = s.profileOf(ctx, name, rec.Address, d.Status, d.Zonefile)
	d.Proof = s.proofOf(ctx, name)
	if d.Subdomains, err = s.subdomainsOf(r, name); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "name", name, d)
}

type namespaceData struct {
	NS           *namedb.NamespaceRecord
	Price        int64 // of the namespace id itself
	Infinite     bool  // names never expire
	NameLifetime int64 // blocks a name lives after registration or renewal
	Rules        rules.Rules
	Prices       []priceRow
	Names        []string
	Page         int
	PrevPage     int
	NextPage     int // 0: none
	History      []historyItem
}

// priceRow is the price of names of one length: with a vowel and letters
// only, without a vowel, and with a digit, '-' or '_'.
type priceRow struct {
	Length                   string
	Vowel, NoVowel, Nonalpha int64
}

// priceTable prices an example name of each length and kind with the
// namespace's own price function, so that the table cannot disagree with
// what the rules charge.
func priceTable(p bns.PriceParams) []priceRow {
	rows := make([]priceRow, len(p.Buckets))
	for i := range rows {
		n := i + 1
		rows[i] = priceRow{Length: strconv.Itoa(n),
			Vowel:    p.NamePrice(strings.Repeat("a", n)),
			NoVowel:  p.NamePrice(strings.Repeat("b", n)),
			Nonalpha: p.NamePrice(strings.Repeat("a", n-1) + "1")}
	}
	rows[len(rows)-1].Length += " or more"
	return rows
}

func (s *Server) namespace(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := bns.ValidNamespaceID(id); err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a valid namespace id: %v.", id, err))
		return
	}
	pageNo := 0
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 1<<20 {
			s.fail(w, r, http.StatusBadRequest, "page must be a number from 0.")
			return
		}
		pageNo = n
	}
	ns, err := s.cfg.DB.Namespace(ctx, id)
	if errors.Is(err, namedb.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("No one has revealed the namespace %s.", id))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	price, err := bns.NamespacePrice(id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	// One more than a page tells whether there is a next one.
	names, err := s.cfg.DB.Names(ctx, id, pageNo*pageSize, pageSize+1)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	hist, err := s.cfg.DB.History(ctx, id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := namespaceData{NS: ns, Price: price, Rules: s.cfg.Rules, Page: pageNo, History: timeline(hist),
		Infinite:     ns.Lifetime == rules.LifetimeInfinite,
		NameLifetime: int64(ns.Lifetime) * s.cfg.Rules.LifetimeMultiplier,
		Prices: priceTable(bns.PriceParams{Coeff: ns.Coeff, Base: ns.Base, Buckets: ns.Buckets,
			NonalphaDiscount: ns.NonalphaDiscount, NoVowelDiscount: ns.NoVowelDiscount})}
	d.Names, d.PrevPage = names[:min(len(names), pageSize)], pageNo-1
	if len(names) > pageSize {
		d.NextPage = pageNo + 1
	}
	s.render(w, r, http.StatusOK, "namespace", "."+id, d)
}

type addressData struct {
	Address string
	Names   []addressName
}

type addressName struct {
	Name        string
	Status      string
	ExpireBlock int64
}

func (s *Server) address(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	addr := r.PathValue("address")
	if !s.validAddress(addr) {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a %s address.", addr, s.cfg.Network.Name))
		return
	}
	height, err := s.height(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	names, err := s.cfg.DB.NamesOf(ctx, addr)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := addressData{Address: addr}
	for _, n := range names {
		rec, err := s.cfg.DB.Name(ctx, n)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		status := s.cfg.Rules.NameState(rec.Revoked, rec.ExpireBlock, height).Status()
		d.Names = append(d.Names, addressName{Name: n, Status: status, ExpireBlock: rec.ExpireBlock})
	}
	if s.cfg.Subdomains != nil {
		subs, err := s.cfg.Subdomains.OwnedBy(ctx, addr)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		for _, n := range subs {
			d.Names = append(d.Names, addressName{Name: n, Status: "subdomain", ExpireBlock: -1})
		}
	}
	s.render(w, r, http.StatusOK, "address", addr, d)
}

type blockData struct {
	blockOps
	Prev, Next int64 // 0: none
}

func (s *Server) block(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	height, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || height < 0 {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not a block height.", r.PathValue("height")))
		return
	}
	b, err := s.cfg.DB.BlockAt(ctx, height)
	if errors.Is(err, namedb.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("This node has not indexed block %d.", height))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	ops, err := s.cfg.DB.BlockHistory(ctx, height)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	last, err := s.height(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	d := blockData{blockOps: blockOps{Block: b, Ops: ops}}
	if _, err := s.cfg.DB.BlockAt(ctx, height-1); err == nil {
		d.Prev = height - 1
	}
	if height < last {
		d.Next = height + 1
	}
	s.render(w, r, http.StatusOK, "block", "Block "+strconv.FormatInt(height, 10), d)
}

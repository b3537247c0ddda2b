package registrar

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/nameop"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// UpdateAnchor anchors zone files through nameop: Runner.Update sends the
// NAME_UPDATE from the key of Runner's wallet that owns Domain, writing
// the signed transaction to Runner's journal before broadcasting it, waits
// until the node has indexed it, and publishes the zone file to the node.
//
// The journal is what makes a crash harmless: the job "update <domain>"
// commits to the zone file's hash, so the registrar, calling Anchor again
// with the batch's bytes after a restart, continues that job, and
// Runner.Update sends the journaled transaction again if the chain lost
// it rather than build another. Should the journal be lost, Update still
// finds the step done when the domain already carries the hash. Runner's
// journal must be the registrar's own (a wallet's CLI journal would mix
// with the user's commands), and Runner's Hook is borrowed for the
// duration of a call.
type UpdateAnchor struct {
	Runner *nameop.Runner
	Domain string
}

// updateStep is the step of nameop's update job that carries the
// transaction.
const updateStep = "update"

// Anchor implements Anchor.
func (a *UpdateAnchor) Anchor(ctx context.Context, zf []byte, submitted func(txid string) error) (Anchored, error) {
	key := "update " + a.Domain
	// A transaction journaled by an earlier run may be on the network
	// already: the batch is submitted as far as anyone can tell.
	if txid := a.journaled(key); txid != "" {
		if err := submitted(txid); err != nil {
			return Anchored{}, err
		}
	}
	prev := a.Runner.Hook
	var hookErr error
	a.Runner.Hook = func(event string) {
		// The previous hook first: a test's "exit after broadcast" stops
		// the process before the registrar records anything, as a crash
		// at that instant would.
		if prev != nil {
			prev(event)
		}
		if event == updateStep+":broadcast" && hookErr == nil {
			if txid := a.journaled(key); txid != "" {
				hookErr = submitted(txid)
			}
		}
	}
	defer func() { a.Runner.Hook = prev }()
	if err := a.Runner.Update(ctx, a.Domain, zf); err != nil {
		return Anchored{}, err
	}
	if hookErr != nil {
		return Anchored{}, hookErr
	}
	rec, err := a.Runner.Node.Name(ctx, a.Domain)
	if err != nil {
		return Anchored{}, fmt.Errorf("registrar: %s after its update: %w", a.Domain, err)
	}
	if want := zonefile.HashOf(zf).String(); rec.ZonefileHash != want {
		return Anchored{}, fmt.Errorf("registrar: %s carries zone file %s, not the batch's %s: another update came after it", a.Domain, rec.ZonefileHash, want)
	}
	op, err := a.Runner.Node.Operation(ctx, rec.LastTxid)
	if err != nil {
		return Anchored{}, fmt.Errorf("registrar: the update %s of %s: %w", rec.LastTxid, a.Domain, err)
	}
	return Anchored{Txid: rec.LastTxid, Block: op.Block}, nil
}

// journaled is the txid of the update step the journal holds under key,
// "" if none.
func (a *UpdateAnchor) journaled(key string) string {
	job := a.Runner.Journal.Job(key)
	if job == nil {
		return ""
	}
	for _, s := range job.Steps {
		if s.Step == updateStep && s.Txid != "" {
			return s.Txid
		}
	}
	return ""
}

// APINode is Node over a BNS node's REST API.
type APINode struct {
	Client *apiclient.Client
}

// Zonefile implements Node.
func (n APINode) Zonefile(ctx context.Context, name string) ([]byte, error) {
	zf, err := n.Client.NameZonefile(ctx, name)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []byte(zf), nil
}

// Subdomain implements Node.
func (n APINode) Subdomain(ctx context.Context, fqn string) (Current, error) {
	s, err := n.Client.Subdomain(ctx, fqn)
	if errors.Is(err, apiclient.ErrNotFound) {
		return Current{}, fmt.Errorf("%s: %w", fqn, ErrUnknown)
	}
	if err != nil {
		return Current{}, err
	}
	return Current{Owner: s.Address, Seq: s.Seq, ZoneFile: []byte(s.Zonefile)}, nil
}

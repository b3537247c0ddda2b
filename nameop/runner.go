package nameop

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// DefaultPoll is how often a Runner with no Poll set asks the node and the
// chain while it waits.
const DefaultPoll = time.Second

// DefaultStaleAfter is how long a Runner with no StaleAfter set waits for a
// node that is behind the chain and indexes nothing.
const DefaultStaleAfter = time.Minute

// Runner carries out the BNS operations of one wallet, each as a job of
// steps (a NAME_PREORDER then a NAME_REGISTRATION then publishing the zone
// file, say), waiting between them for what the rules require.
//
// Every step first checks the operation against the node's state, once the
// node has indexed the chain's tip, and refuses (errors of the kinds in
// errors.go) what the rules would reject, before anything is broadcast.
// A step's signed transaction goes to the Journal before it is broadcast;
// a job interrupted at any point resumes from the journal and the chain
// when it is run again, sending the journaled transaction again rather than
// a new one, so no fee is paid twice and no preorder is lost.
//
// The chain backend gives the wallet its coins and carries transactions;
// the node (its API) says what the rules made of them. Both must follow
// the same chain.
type Runner struct {
	Wallet  *wallet.Wallet
	Chain   chain.Backend
	Node    *apiclient.Client
	Net     *bns.Network
	Journal *Journal
	// FeeRate is the miner fee rate, in satoshis per virtual byte.
	FeeRate int64
	// Poll is how often waits ask the node and the chain (DefaultPoll if
	// zero).
	Poll time.Duration
	// StaleAfter: a node behind the chain's tip that indexes no block for
	// this long is stuck, and its state too old to check an operation
	// against (ErrStale). DefaultStaleAfter if zero.
	StaleAfter time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Hook, when set, is called after each event of a step:
	// "<step>:journaled" (the signed transaction is in the journal, not
	// yet broadcast), "<step>:broadcast" and "<step>:done". Tests use it
	// to stop a run at a chosen point, as a kill would.
	Hook func(event string)
}

// jobSpec is an operation as a sequence of steps.
type jobSpec struct {
	key string
	// params are what the job commits to; a journaled job of the same
	// key with other params is not continued.
	params map[string]string
	steps  []step
}

// step is one step of a job: a transaction to send (build) or some work
// without one (act).
type step struct {
	name string
	// done reports whether the chain already shows the step's effect, so
	// that it needs no transaction: a rerun after the journal was lost,
	// or a step a low-level command did earlier. nil: never.
	done func(ctx context.Context, job *Job) (bool, error)
	// skipped is the progress line when done holds ("" for the usual).
	skipped string
	// build checks the step against the node's state (info is fresh: the
	// node has indexed the chain's tip) and returns its signed
	// transaction.
	build func(ctx context.Context, info *apitypes.Info, job *Job) (*wire.MsgTx, error)
	// payment: the transaction pays between the wallet's keys and is done
	// once its output 0 is a confirmed coin of the wallet. Otherwise it
	// carries a name operation and is done once the node has indexed it.
	payment bool
	// act is the work of a step without a transaction (publishing a zone
	// file); it must be safe to repeat.
	act func(ctx context.Context, job *Job) error
}

func (s jobSpec) index(name string) int {
	return slices.IndexFunc(s.steps, func(st step) bool { return st.name == name })
}

// run carries out spec's steps from first to last (names of steps; "" for
// the first and the last). Steps before first must be done already, from
// the journal or the chain: low-level commands run one step of a job.
func (r *Runner) run(ctx context.Context, spec jobSpec, first, last string) error {
	job := r.Journal.Job(spec.key)
	if job != nil && !maps.Equal(job.Params, spec.params) {
		return refuse(ErrJournalConflict, "%s: the journal %s holds it unfinished with %s, not %s: run it with those to finish it",
			spec.key, r.Journal.Path(), formatParams(job.Params), formatParams(spec.params))
	}
	if job == nil {
		job = &Job{Key: spec.key, Params: spec.params, Started: time.Now().UTC()}
	}
	from, to := 0, len(spec.steps)-1
	if first != "" {
		from = spec.index(first)
	}
	if last != "" {
		to = spec.index(last)
	}
	if from < 0 || to < 0 {
		return fmt.Errorf("%s: no step %q or %q", spec.key, first, last)
	}
	for i, s := range spec.steps[:to+1] {
		rec := job.record(s.name)
		switch {
		case rec != nil && rec.Done:
		case i < from && rec == nil:
			if err := r.requireDone(ctx, job, s); err != nil {
				return fmt.Errorf("%s: %w", spec.key, err)
			}
		default:
			if err := r.step(ctx, job, s); err != nil {
				return fmt.Errorf("%s: %w", spec.key, err)
			}
		}
	}
	if to == len(spec.steps)-1 {
		return r.Journal.remove(spec.key)
	}
	return nil
}

// requireDone records as done a step that a low-level command does not
// run, if the chain shows it done; otherwise it refuses.
func (r *Runner) requireDone(ctx context.Context, job *Job, s step) error {
	ok := false
	if s.done != nil {
		var err error
		if ok, err = s.done(ctx, job); err != nil {
			return err
		}
	}
	if !ok {
		return refuse(ErrStepMissing, "its %s step has not been done (it is neither on chain nor in the journal %s): do it first",
			s.name, r.Journal.Path())
	}
	return r.finish(job, &StepRecord{Step: s.name, Done: true})
}

// finish records a step as done.
func (r *Runner) finish(job *Job, rec *StepRecord) error {
	job.drop(rec.Step)
	job.Steps = append(job.Steps, rec)
	return r.Journal.put(job)
}

// step carries out one step: from its journaled transaction if there is
// one, else by building, journaling and broadcasting a new one; then waits
// until it is done.
func (r *Runner) step(ctx context.Context, job *Job, s step) error {
	for {
		rec := job.record(s.name)
		if rec == nil {
			if s.done != nil {
				ok, err := s.done(ctx, job)
				if err != nil {
					return err
				}
				if ok {
					if s.skipped == "" {
						s.skipped = "already done on chain"
					}
					r.logf(job, "%s: %s", s.name, s.skipped)
					return r.finish(job, &StepRecord{Step: s.name, Done: true})
				}
			}
			if s.act != nil {
				if err := s.act(ctx, job); err != nil {
					return err
				}
				return r.finish(job, &StepRecord{Step: s.name, Done: true})
			}
			var err error
			if rec, err = r.send(ctx, job, s); err != nil {
				return err
			}
		}
		block, err := r.await(ctx, job, s, rec)
		var rejected *RejectedError
		switch {
		case errors.Is(err, errDead):
			// It never reached a block and never will: nothing was
			// paid. Build the step anew, checking the state again.
			r.logf(job, "%s: %s can no longer be mined (%v); building a new transaction", s.name, rec.Txid, err)
			job.drop(s.name)
			if err := r.Journal.put(job); err != nil {
				return err
			}
			continue
		case errors.As(err, &rejected):
			// Mined, refused, paid for: a new run must look at the
			// state again rather than wait for this one.
			job.drop(s.name)
			return errors.Join(err, r.Journal.put(job))
		case err != nil:
			return err
		}
		rec.Done, rec.Block = true, block
		if err := r.Journal.put(job); err != nil {
			return err
		}
		r.logf(job, "%s: done in block %d", s.name, block)
		r.hook(s.name + ":done")
		return nil
	}
}

// send builds a step's transaction, journals it and broadcasts it.
func (r *Runner) send(ctx context.Context, job *Job, s step) (*StepRecord, error) {
	info, err := r.fresh(ctx, job)
	if err != nil {
		return nil, err
	}
	tx, err := s.build(ctx, info, job)
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	if err := tx.Serialize(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	rec := &StepRecord{Step: s.name, Txid: tx.TxHash().String(), RawTx: hex.EncodeToString(raw.Bytes())}
	job.Steps = append(job.Steps, rec)
	// Journaled before it can reach the network: whatever happens from
	// here on, the next run knows this transaction.
	if err := r.Journal.put(job); err != nil {
		return nil, err
	}
	r.hook(s.name + ":journaled")
	if _, err := r.Wallet.Send(ctx, r.Chain, tx); err != nil {
		if neverSent(err) {
			job.drop(s.name)
			return nil, errors.Join(fmt.Errorf("broadcast %s: %w", s.name, err), r.Journal.put(job))
		}
		return nil, fmt.Errorf("broadcast %s: %w (the journal %s keeps the transaction: run again to resume)", s.name, err, r.Journal.Path())
	}
	r.logf(job, "%s: broadcast %s (%d bytes at %d sat/vB)", s.name, rec.Txid, tx.SerializeSize(), r.FeeRate)
	r.hook(s.name + ":broadcast")
	return rec, nil
}

// errDead: a journaled transaction that the chain does not have and will
// not take again (its coins went to another transaction).
var errDead = errors.New("transaction can no longer be mined")

// neverSent reports whether a broadcast error means the transaction
// reached no mempool: the backend refused it, or the wallet did before
// asking.
func neverSent(err error) bool {
	return errors.Is(err, chain.ErrRejected) || errors.Is(err, wallet.ErrDoubleSpend)
}

// await waits until the step's transaction is done, and returns its block.
// A transaction the chain does not have (the last run stopped between
// journaling and broadcasting it, or a mempool dropped it) is sent again.
func (r *Runner) await(ctx context.Context, job *Job, s step, rec *StepRecord) (int64, error) {
	raw, err := hex.DecodeString(rec.RawTx)
	if err != nil {
		return 0, fmt.Errorf("%s: journaled transaction: %w", s.name, err)
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return 0, fmt.Errorf("%s: journaled transaction: %w", s.name, err)
	}
	txid := tx.TxHash()
	lastTip, lastNode := int64(-1), int64(-1)
	for {
		if block, settled, err := r.settled(ctx, s, txid); err != nil || settled {
			return block, err
		}
		_, err := r.Chain.Transaction(ctx, txid)
		switch {
		case errors.Is(err, chain.ErrNotFound):
			if _, err := r.Wallet.Send(ctx, r.Chain, tx); err != nil {
				if !neverSent(err) {
					return 0, fmt.Errorf("%s: send %s again: %w", s.name, txid, err)
				}
				// Refused: unless it was mined meanwhile, its coins
				// are spent elsewhere.
				if block, settled, serr := r.settled(ctx, s, txid); serr != nil || settled {
					return block, serr
				}
				if _, terr := r.Chain.Transaction(ctx, txid); terr == nil {
					continue
				}
				return 0, fmt.Errorf("%w: %w", errDead, err)
			}
			r.logf(job, "%s: sent %s again (the chain did not have it)", s.name, txid)
		case err != nil:
			return 0, fmt.Errorf("%s: look up %s: %w", s.name, txid, err)
		}
		tip, err := r.Chain.Tip(ctx)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.name, err)
		}
		info, err := r.Node.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.name, err)
		}
		if tip.Height != lastTip || info.LastBlockProcessed != lastNode {
			lastTip, lastNode = tip.Height, info.LastBlockProcessed
			r.logf(job, "%s: waiting for %s to be mined and indexed (chain tip %d, node at %d)", s.name, txid, lastTip, lastNode)
		}
		if err := r.sleep(ctx); err != nil {
			return 0, fmt.Errorf("%s: waiting for %s: %w (the journal %s keeps it: run again to resume)", s.name, txid, err, r.Journal.Path())
		}
	}
}

// settled reports whether txid is done: accepted (its block), or rejected
// (a *RejectedError).
func (r *Runner) settled(ctx context.Context, s step, txid chainhash.Hash) (int64, bool, error) {
	if s.payment {
		if _, err := r.Wallet.Sync(ctx, r.Chain); err != nil {
			return 0, false, err
		}
		block, ok := r.Wallet.Coin(wire.OutPoint{Hash: txid, Index: 0})
		return block, ok, nil
	}
	op, err := r.Node.Operation(ctx, txid.String())
	if errors.Is(err, apiclient.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", s.name, err)
	}
	if !op.Accepted {
		return op.Block, true, &RejectedError{Op: op.Opcode, Txid: op.Txid, Block: op.Block, Code: op.Code, Reason: op.Reason}
	}
	return op.Block, true, nil
}

// fresh brings the wallet to the chain's tip and waits until the node has
// indexed it, so that checks see the state a new transaction will meet
// (and the wallet the coins it may spend).
func (r *Runner) fresh(ctx context.Context, job *Job) (*apitypes.Info, error) {
	tip, err := r.Chain.Tip(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.Wallet.Sync(ctx, r.Chain); err != nil {
		return nil, err
	}
	staleAfter := r.StaleAfter
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	last, progress := int64(-1), time.Now()
	for {
		info, err := r.Node.Info(ctx)
		if err != nil {
			return nil, err
		}
		if info.Network != r.Net.Name {
			return nil, fmt.Errorf("the node at %s indexes %s, not %s", r.Node.URL(), info.Network, r.Net.Name)
		}
		if info.LastBlockProcessed >= tip.Height {
			return info, nil
		}
		if info.LastBlockProcessed != last {
			last, progress = info.LastBlockProcessed, time.Now()
			r.logf(job, "waiting for the node to index block %d (it is at %d)", tip.Height, last)
		} else if time.Since(progress) >= staleAfter {
			return nil, refuse(ErrStale, "the node at %s is at block %d, the chain at %d, and it indexed nothing for %s: its state is too old to check against",
				r.Node.URL(), last, tip.Height, staleAfter)
		}
		if err := r.sleep(ctx); err != nil {
			return nil, fmt.Errorf("waiting for the node at %s (at block %d) to index block %d: %w", r.Node.URL(), last, tip.Height, err)
		}
	}
}

func (r *Runner) sleep(ctx context.Context) error {
	d := r.Poll
	if d <= 0 {
		d = DefaultPoll
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *Runner) logf(job *Job, format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "%s: %s\n", job.Key, fmt.Sprintf(format, args...))
	}
}

func (r *Runner) hook(event string) {
	if r.Hook != nil {
		r.Hook(event)
	}
}

func formatParams(p map[string]string) string {
	if len(p) == 0 {
		return "no parameters"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, ", ")
}

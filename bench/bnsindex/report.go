package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Targets of issue 4, and Blockstack v1's figures.
const (
	targetOpsPerSec = 20_000
	targetRSS       = 1 << 30
	v1Boot          = "2–4 days (1–2 hours with SNV fast sync)"
)

// report prints the table for the README.
func report(w io.Writer, r *results) {
	ops := r.Accepted + r.Rejected
	rate := float64(ops) / r.IndexSecs
	sustained := rate
	if len(r.Windows) > 0 {
		sustained = slices.Min(r.Windows)
	}
	decodeRate := float64(r.DecodeOps) / r.DecodeSecs
	m := r.Meta
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | value |")
	fmt.Fprintln(w, "|---|---|")
	gen := ""
	if r.GenerateSecs > 0 {
		gen = fmt.Sprintf(", generated in %s", dur(r.GenerateSecs))
	}
	fmt.Fprintf(w, "| chain | %s blocks, %s valid + %s invalid name operations (%s transactions, %s file%s) |\n",
		num(m.Tip), num(int64(m.Valid)), num(int64(m.Invalid)), num(int64(m.Transactions)), size(r.ChainBytes), gen)
	fmt.Fprintf(w, "| mix | %s |\n", mix(m.ByKind))
	fmt.Fprintf(w, "| index from scratch | %s: **%s ops/s** (%s accepted/s), %s blocks/s; CPU %.0f s (%.0f µs an operation) |\n",
		dur(r.IndexSecs), num(int64(rate)), num(int64(float64(r.Accepted)/r.IndexSecs)), num(int64(float64(r.Blocks)/r.IndexSecs)),
		r.CPUSecs, r.CPUSecs/float64(ops)*1e6)
	fmt.Fprintf(w, "| sustained (slowest tenth of the chain) | %s ops/s; tenths: %s |\n", num(int64(sustained)), windows(r.Windows))
	fmt.Fprintf(w, "| target ≥ 20,000 ops/s sustained | %s (%.2f× the target) |\n", met(sustained >= targetOpsPerSec), sustained/targetOpsPerSec)
	fmt.Fprintf(w, "| result check | %s accepted, %s rejected; consensus hashes and counts equal the generator's at %s |\n",
		num(int64(r.Accepted)), num(int64(r.Rejected)), check(r))
	fmt.Fprintf(w, "| peak RSS / Go heap | %s / %s (target < 1 GiB: %s) |\n", size(r.PeakRSS), size(int64(r.PeakHeap)), met(r.PeakRSS > 0 && r.PeakRSS < targetRSS))
	fmt.Fprintf(w, "| name database | %s: %s per million operations |\n", size(r.DBBytes), size(int64(float64(r.DBBytes)/float64(ops)*1e6)))
	fmt.Fprintf(w, "| backend (in the index time) | %s block reads %.1f s; %s sender look-ups %.1f s |\n",
		num(r.Backend.BlockReads), r.Backend.BlockTime.Seconds(), num(r.Backend.TxReads), r.Backend.TxTime.Seconds())
	fmt.Fprintf(w, "| baseline, same run: read blocks + bns.Decode | %s ops/s (bns.Decode alone: %s ops/s); indexer = %.3f× the baseline |\n",
		num(int64(decodeRate)), num(int64(float64(r.DecodeOps)/r.DecodeOnly)), rate/decodeRate)
	fmt.Fprintf(w, "| boot a node | go-blockstack: %s for %s operations (%s per million); Blockstack v1: %s |\n",
		dur(r.IndexSecs), num(int64(ops)), dur(r.IndexSecs/float64(ops)*1e6), v1Boot)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Reproduce: `%s`\n", r.Command)
}

func check(r *results) string {
	if r.Mismatches == 0 {
		return fmt.Sprintf("all %s blocks", num(r.Blocks))
	}
	return fmt.Sprintf("%s of %s blocks only (first difference: %s)", num(r.Blocks-int64(r.Mismatches)), num(r.Blocks), r.FirstMismatch)
}

func mix(byKind map[string]int) string {
	var valid, invalid []string
	total := 0
	for _, n := range byKind {
		total += n
	}
	keys := make([]string, 0, len(byKind))
	for k := range byKind {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return byKind[b] - byKind[a] })
	for _, k := range keys {
		s := fmt.Sprintf("%s %.1f%%", strings.TrimPrefix(k, "invalid:"), 100*float64(byKind[k])/float64(total))
		if strings.HasPrefix(k, "invalid:") {
			invalid = append(invalid, s)
		} else {
			valid = append(valid, s)
		}
	}
	return strings.Join(valid, ", ") + "; invalid: " + strings.Join(invalid, ", ")
}

func windows(w []float64) string {
	s := make([]string, len(w))
	for i, x := range w {
		s[i] = num(int64(x))
	}
	return strings.Join(s, " · ")
}

// num formats n with thousands separators.
func num(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func size(n int64) string {
	switch {
	case n < 0:
		return "?"
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
}

func dur(secs float64) string {
	if math.IsNaN(secs) || math.IsInf(secs, 0) {
		return "?"
	}
	d := time.Duration(secs * float64(time.Second)).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", secs)
	}
	return d.String()
}

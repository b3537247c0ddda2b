package registrar

import (
	"fmt"
	"strings"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// baseFile is the part of the domain's next zone file that is not this
// batch's subdomain records: $ORIGIN and $TTL, the records of the
// domain's current zone file that are neither subdomain records nor the
// registrar's own (_resolver, _missing, _registrar), and a _resolver URI
// record pointing at resolver ("" for none). Earlier subdomain records are
// not carried over: v1's registrar wrote only the batch's records
// (makeUpdateZonefile), since the indexer reads every zone file the
// domain ever had.
func baseFile(domain string, current []byte, resolver string) (*zonefile.File, error) {
	f := &zonefile.File{Origin: domain, TTL: zonefile.DefaultTTL, HasTTL: true}
	if len(current) > 0 {
		cur, err := zonefile.Parse(current)
		if err != nil {
			return nil, fmt.Errorf("registrar: the current zone file of %s: %w", domain, err)
		}
		if cur.HasTTL {
			f.TTL = cur.TTL
		}
		for _, rec := range cur.Records {
			switch strings.ToLower(rec.Name) {
			case zonefile.ResolverRecordName, zonefile.MissingRecordName, zonefile.RegistrarRecordName:
				continue
			}
			if zonefile.IsSubdomainRecord(rec) {
				continue
			}
			f.Records = append(f.Records, rec)
		}
	}
	if resolver != "" {
		// Priority and weight as v1's registrar wrote them.
		f.Records = append(f.Records, zonefile.Record{Name: zonefile.ResolverRecordName,
			Data: zonefile.URI{Priority: 10, Weight: 1, Target: resolver}})
	}
	return f, nil
}

// pack returns base's zone file with as many of recs, in order, as fit
// within zonefile.MaxSize, and how many that is. Format prints one line
// per record after the header, so sizes add up: each record is measured
// once, not the whole file again.
func pack(base *zonefile.File, recs []zonefile.Record) ([]byte, int, error) {
	head, err := base.Format()
	if err != nil {
		return nil, 0, fmt.Errorf("registrar: zone file: %w", err)
	}
	size, n := len(head), 0
	for _, rec := range recs {
		l, err := lineSize(rec)
		if err != nil {
			return nil, 0, err
		}
		if size+l > zonefile.MaxSize {
			break
		}
		size += l
		n++
	}
	f := *base
	f.Records = append(append([]zonefile.Record(nil), base.Records...), recs[:n]...)
	data, err := f.Format()
	if err != nil {
		return nil, 0, fmt.Errorf("registrar: zone file: %w", err)
	}
	if len(data) != size {
		return nil, 0, fmt.Errorf("registrar: zone file is %d bytes, measured %d", len(data), size)
	}
	return data, n, nil
}

// lineSize is the length of rec's line in a formatted zone file.
func lineSize(rec zonefile.Record) (int, error) {
	line, err := (&zonefile.File{Records: []zonefile.Record{rec}}).Format()
	if err != nil {
		return 0, fmt.Errorf("registrar: record %s: %w", rec.Name, err)
	}
	return len(line), nil
}

// record is the TXT record an entry puts in the domain's zone file.
func (e Entry) record() (zonefile.Record, error) {
	label, _, _ := strings.Cut(e.Name, ".")
	return zonefile.Subdomain{Name: label, Owner: e.Owner, Seq: e.Seq, ZoneFile: e.ZoneFile, Sig: e.Sig}.Record()
}
